/* calltrace-convert — turns an event file (.ctraw) into any trace format;
 * the same as `calltrace convert` (convert_cli.c). */
#include "tools/convert.h"

int main(int argc, char **argv)
{
    return ct_convert_cli(argc, argv, "calltrace-convert");
}
