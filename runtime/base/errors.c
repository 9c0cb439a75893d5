/* errors.c — calltrace_strerror(): the texts of CALLTRACE_ERRNO_MAP
 * (calltrace.h). Below everything: the live runtime and calltrace-convert
 * both report with it. */
#include "calltrace.h"
#include "base/ct.h"

const char *calltrace_strerror(int error)
{
    switch (error) {
    case 0:
        return "success";
#define CT_ERR_CASE(name, value, text) \
    case CALLTRACE_##name:             \
        return text;
        CALLTRACE_ERRNO_MAP(CT_ERR_CASE)
#undef CT_ERR_CASE
    default:
        return "unknown calltrace error";
    }
}
