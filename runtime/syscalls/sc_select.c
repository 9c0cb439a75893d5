/* sc_select.c — parsing CALLTRACE_SYSCALLS (sc_select.h). */
#include <string.h>
#include <strings.h>

#include "base/config.h"
#include "syscalls/sc_select.h"

static const struct {
    const char *name;
    unsigned bit;
} ct_sc_class_names[] = {
    {"file", CT_SC_FILE},       {"desc", CT_SC_DESC},     {"network", CT_SC_NETWORK},
    {"net", CT_SC_NETWORK},     {"process", CT_SC_PROCESS}, {"memory", CT_SC_MEMORY},
    {"signal", CT_SC_SIGNAL},   {"ipc", CT_SC_IPC},       {"creds", CT_SC_CREDS},
    {"clock", CT_SC_CLOCK},
};

CT_NOINST static void ct_sc_set_put(struct ct_sc_set *s, unsigned nr, bool on)
{
    if (on)
        s->bits[nr / 64] |= UINT64_C(1) << (nr % 64);
    else
        s->bits[nr / 64] &= ~(UINT64_C(1) << (nr % 64));
}

/* One item of the list; returns false when it names nothing. */
CT_NOINST static bool ct_sc_item(struct ct_sc_set *s, const char *p, size_t n, bool on)
{
    if (n > 1 && p[0] == '%') {
        for (size_t i = 0; i < CT_ARRAY_LEN(ct_sc_class_names); i++) {
            if (strlen(ct_sc_class_names[i].name) != n - 1 ||
                strncasecmp(p + 1, ct_sc_class_names[i].name, n - 1) != 0)
                continue;
            for (unsigned nr = 0; nr < CT_SC_NR_MAX; nr++)
                if (ct_sc_classes[nr] & ct_sc_class_names[i].bit)
                    ct_sc_set_put(s, nr, on);
            return true;
        }
        return false;
    }
    int nr = ct_sc_lookup(p, n);
    if (nr < 0)
        return false;
    ct_sc_set_put(s, (unsigned)nr, on);
    return true;
}

CT_NOINST static void ct_sc_all(struct ct_sc_set *s, bool on)
{
    for (unsigned nr = 0; nr < CT_SC_NR_MAX; nr++)
        ct_sc_set_put(s, nr, on && ct_sc_names[nr][0]);
}

bool ct_sc_select(const char *spec, struct ct_sc_set *out)
{
    memset(out, 0, sizeof(*out));
    bool b;
    if (!spec || !*spec)
        return false;
    if (strcasecmp(spec, "all") == 0 || (ct_parse_bool(spec, &b) == 0 && b)) {
        ct_sc_all(out, true);
        return true;
    }
    if (ct_parse_bool(spec, &b) == 0)
        return false;
    bool first = true;
    for (const char *p = spec; *p;) {
        size_t n = strcspn(p, ",");
        const char *item = p;
        bool on = true;
        if (n > 0 && *item == '!') {
            on = false;
            item++;
        }
        if (first && !on)
            ct_sc_all(out, true); /* exclusions first: from every call */
        first = false;
        size_t len = n - (size_t)(item - p);
        if (len > 0 && !ct_sc_item(out, item, len, on))
            ct_log("CALLTRACE_SYSCALLS: '%.*s' is no system call or class (classes: %%file, "
                   "%%desc, %%network, %%process, %%memory, %%signal, %%ipc, %%creds, "
                   "%%clock); ignored",
                   (int)(len > 40 ? 40 : len), item);
        p += n;
        if (*p == ',')
            p++;
    }
    for (size_t i = 0; i < CT_ARRAY_LEN(out->bits); i++)
        if (out->bits[i])
            return true;
    return false;
}
