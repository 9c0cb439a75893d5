/* fmt_sc.c — system call nodes in the views: their names, and the JSON
 * view's keys for them. */
#include <stdio.h>
#include <string.h>

#include "syscalls/sc_decode.h"
#include "views/format.h"
#include "views/jsonw.h"

#define CT_SC_OUT_NAME 40u

static struct ct_symbol ct_sc_syms[CT_SC_NR_MAX + 1];
static char ct_sc_symnames[CT_SC_NR_MAX + 1][CT_SC_OUT_NAME];

const struct ct_symbol *ct_sc_out_symbol(uint64_t fn)
{
    unsigned nr = CT_SC_FN_NR(fn);
    unsigned i = nr < CT_SC_NR_MAX ? nr : CT_SC_NR_MAX;
    struct ct_symbol *s = &ct_sc_syms[i];
    if (!s->name) {
        char buf[24];
        snprintf(ct_sc_symnames[i], CT_SC_OUT_NAME, "syscall:%s", ct_sc_name(nr, buf, sizeof(buf)));
        s->entry = (uintptr_t)fn;
        s->name = ct_sc_symnames[i];
    }
    return s;
}

void ct_sc_json_open(struct ct_jw *w, const struct ct_out_run *run, uint64_t fn, uint64_t start)
{
    char buf[24];
    ct_jw_obj_line(w); /* one line, as a call's */
    ct_jw_key(w, "syscall");
    ct_jw_str(w, ct_sc_name(CT_SC_FN_NR(fn), buf, sizeof(buf)));
    ct_jw_key(w, "start_ns");
    ct_jw_u64(w, ct_out_ns(run, start));
}

CT_NOINST static void ct_sc_json_val(struct ct_jw *w, const struct ct_sc_val *v)
{
    if (v->kind == CT_SC_V_INT)
        ct_jw_i64(w, v->num);
    else if (v->kind == CT_SC_V_STR)
        ct_jw_strn(w, v->text, v->len);
    else
        ct_jw_str(w, v->text);
}

void ct_sc_json_call(struct ct_jw *w, const uint8_t *data, size_t len)
{
    struct ct_sc_call c;
    if (!ct_sc_decode(data, len, &c))
        return;
    ct_jw_key(w, "nr");
    ct_jw_u64(w, c.rec->nr);
    ct_jw_key(w, "arguments");
    ct_jw_arr(w);
    for (unsigned i = 0; i < c.nargs; i++)
        ct_sc_json_val(w, &c.args[i]);
    ct_jw_arr_end(w);
    for (unsigned i = 0; i < c.nargs; i++)
        if (c.args[i].cut) {
            ct_jw_key(w, "truncated");
            ct_jw_bool(w, true);
            break;
        }
    if (c.noret)
        return;
    ct_jw_key(w, "result");
    ct_sc_json_val(w, &c.ret);
    if (c.failed) {
        ct_jw_key(w, "errno");
        ct_jw_str(w, c.errname);
    }
}
