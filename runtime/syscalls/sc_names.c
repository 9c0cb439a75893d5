/* sc_names.c — names of system calls both ways (sc_table.h). */
#include <stdio.h>
#include <string.h>

#include "syscalls/sc_table.h"

const char *ct_sc_name(unsigned nr, char *buf, size_t cap)
{
    if (nr < CT_SC_NR_MAX && ct_sc_names[nr][0])
        return ct_sc_names[nr];
    snprintf(buf, cap, "syscall_%u", nr);
    return buf;
}

int ct_sc_lookup(const char *name, size_t len)
{
    for (unsigned i = 0; i < CT_SC_NR_MAX; i++)
        if (strlen(ct_sc_names[i]) == len && memcmp(ct_sc_names[i], name, len) == 0)
            return (int)i;
    return -1;
}
