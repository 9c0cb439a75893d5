/* cmd_convert.c — `calltrace convert FILE.ctraw --format LIST`: an event
 * file into any view, exactly as calltrace-convert (convert_cli.c). */
#include "tools/cmd.h"
#include "tools/convert.h"

int ct_cmd_convert(int argc, char **argv)
{
    return ct_convert_cli(argc, argv, "calltrace");
}
