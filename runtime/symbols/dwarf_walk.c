/* dwarf_walk.c — the DWARF walker (dwarf_walk.h): errors, the units, a
 * DIE's children, code ranges and the common attribute reads. */
#include <stdio.h>
#include <string.h>

#include "symbols/dwarf_walk.h"

CT_INTERNAL void ct_dwalk_note(struct ct_dwalk *w)
{
    if (!w->err)
        return;
    if (w->nerrors++ == 0)
        snprintf(w->first_error, sizeof w->first_error, "%s", dwarf_errmsg(w->err));
    dwarf_dealloc_error(w->dbg, w->err);
    w->err = NULL;
}

/* ---- units --------------------------------------------------------------- */

/* Sets w->cu_* from the unit's DIE. False when it cannot be read. */
CT_NOINST static bool unit_describe(struct ct_dwalk *w, Dwarf_Die cu)
{
    if (dwarf_tag(cu, &w->cu_tag, &w->err) != DW_DLV_OK ||
        dwarf_dieoffset(cu, &w->cu_off, &w->err) != DW_DLV_OK) {
        ct_dwalk_note(w);
        return false;
    }
    w->cu_base = 0;
    if (dwarf_lowpc(cu, &w->cu_base, &w->err) != DW_DLV_OK)
        w->cu_base = 0;
    ct_dwalk_note(w);
    Dwarf_Unsigned lang = 0;
    w->cu_is_c = w->cu_is_cxx = false;
    if (dwarf_srclang(cu, &lang, &w->err) == DW_DLV_OK) {
        w->cu_is_c = lang == DW_LANG_C89 || lang == DW_LANG_C || lang == DW_LANG_C99 || lang == DW_LANG_C11;
        w->cu_is_cxx = lang == DW_LANG_C_plus_plus || lang == DW_LANG_C_plus_plus_03 ||
                       lang == DW_LANG_C_plus_plus_11 || lang == DW_LANG_C_plus_plus_14;
    }
    ct_dwalk_note(w);
    const char *producer = ct_dwalk_string(w, cu, DW_AT_producer);
    w->cu_clang = producer && strstr(producer, "clang") != NULL;
    return true;
}

CT_INTERNAL void ct_dwalk_units(struct ct_dwalk *w, ct_dwalk_unit_fn fn, void *arg)
{
    Dwarf_Off hdr = 0;
    for (;;) {
        Dwarf_Unsigned cu_len = 0, type_off = 0, next = 0;
        Dwarf_Half version = 0, addr_size = 0, len_size = 0, ext_size = 0, cu_type = 0;
        Dwarf_Off abbrev = 0;
        Dwarf_Sig8 sig;
        int res = dwarf_next_cu_header_d(w->dbg, true, &cu_len, &version, &abbrev, &addr_size, &len_size,
                                         &ext_size, &sig, &type_off, &next, &cu_type, &w->err);
        if (res != DW_DLV_OK) {
            ct_dwalk_note(w);
            return;
        }
        w->cu_lo = hdr;
        w->cu_hi = next;
        w->cu_version = version;
        hdr = next;
        Dwarf_Die cu = NULL;
        if (dwarf_siblingof_b(w->dbg, NULL, true, &cu, &w->err) != DW_DLV_OK) {
            ct_dwalk_note(w);
            continue;
        }
        if (unit_describe(w, cu)) {
            w->cu_die = cu;
            fn(w, arg);
            w->cu_die = NULL;
        }
        dwarf_dealloc_die(cu);
    }
}

/* ---- children of a DIE --------------------------------------------------- */

/* Keeps d as the current child if it lies after the previous one. */
CT_NOINST static Dwarf_Die iter_take(struct ct_dwalk *w, struct ct_dwalk_iter *it, Dwarf_Die d)
{
    Dwarf_Off off = 0;
    if (d && (dwarf_dieoffset(d, &off, &w->err) != DW_DLV_OK || off <= it->off)) {
        ct_dwalk_note(w);
        dwarf_dealloc_die(d);
        d = NULL;
        it->failed = true;
    }
    it->off = off;
    it->die = d;
    return d;
}

CT_INTERNAL Dwarf_Die ct_dwalk_first(struct ct_dwalk *w, Dwarf_Die parent, struct ct_dwalk_iter *it)
{
    Dwarf_Die d = NULL;
    it->die = NULL;
    it->off = 0;
    it->failed = false;
    int res = dwarf_child(parent, &d, &w->err);
    if (res != DW_DLV_OK) {
        ct_dwalk_note(w);
        it->failed = res == DW_DLV_ERROR;
        return NULL;
    }
    return iter_take(w, it, d);
}

CT_INTERNAL Dwarf_Die ct_dwalk_next(struct ct_dwalk *w, struct ct_dwalk_iter *it)
{
    Dwarf_Die next = NULL;
    int res = dwarf_siblingof_b(w->dbg, it->die, true, &next, &w->err);
    dwarf_dealloc_die(it->die);
    it->die = NULL;
    if (res != DW_DLV_OK) {
        ct_dwalk_note(w);
        it->failed = res == DW_DLV_ERROR;
        return NULL;
    }
    return iter_take(w, it, next);
}

CT_INTERNAL void ct_dwalk_end(struct ct_dwalk_iter *it)
{
    if (it->die)
        dwarf_dealloc_die(it->die);
    it->die = NULL;
}

/* ---- code ranges --------------------------------------------------------- */

CT_INTERNAL int ct_dwalk_pc(struct ct_dwalk *w, Dwarf_Die die, Dwarf_Addr *lo, Dwarf_Addr *hi)
{
    if (dwarf_lowpc(die, lo, &w->err) != DW_DLV_OK) {
        ct_dwalk_note(w);
        return CT_DWALK_PC_NONE;
    }
    Dwarf_Half form = 0;
    enum Dwarf_Form_Class cls = DW_FORM_CLASS_UNKNOWN;
    if (dwarf_highpc_b(die, hi, &form, &cls, &w->err) != DW_DLV_OK) {
        ct_dwalk_note(w);
        *hi = *lo + 1;
        return CT_DWALK_PC_LOW;
    }
    /* DWARF 4+: a constant-class DW_AT_high_pc is the size. */
    if (cls == DW_FORM_CLASS_CONSTANT)
        *hi += *lo;
    return CT_DWALK_PC_BOTH;
}

struct spans {
    struct ct_span *v;
    size_t n, max;
};

CT_NOINST static void add_span(struct spans *s, Dwarf_Addr lo, Dwarf_Addr hi)
{
    if (s->n < s->max && hi > lo)
        s->v[s->n++] = (struct ct_span){(uintptr_t)lo, (uintptr_t)hi};
}

/* DWARF 5: DW_AT_ranges points into .debug_rnglists. libdwarf "cooks" each
 * entry into absolute addresses (applying base addresses and .debug_addr). */
CT_NOINST static void rnglists(struct ct_dwalk *w, Dwarf_Attribute at, Dwarf_Half form, struct spans *s)
{
    Dwarf_Unsigned val = 0;
    if (form == DW_FORM_rnglistx) {
        if (dwarf_formudata(at, &val, &w->err) != DW_DLV_OK) {
            ct_dwalk_note(w);
            return;
        }
    } else if (!ct_dwalk_attr_offset(w, at, form, &val)) {
        return;
    }
    Dwarf_Rnglists_Head head = NULL;
    Dwarf_Unsigned count = 0, global_off = 0;
    if (dwarf_rnglists_get_rle_head(at, form, val, &head, &count, &global_off, &w->err) != DW_DLV_OK) {
        ct_dwalk_note(w);
        return;
    }
    for (Dwarf_Unsigned i = 0; i < count && s->n < s->max; i++) {
        unsigned len = 0, code = 0;
        Dwarf_Unsigned raw1 = 0, raw2 = 0, lo = 0, hi = 0;
        Dwarf_Bool unavailable = 0;
        if (dwarf_get_rnglists_entry_fields_a(head, i, &len, &code, &raw1, &raw2, &unavailable, &lo, &hi,
                                              &w->err) != DW_DLV_OK) {
            ct_dwalk_note(w);
            break;
        }
        bool range = code == DW_RLE_offset_pair || code == DW_RLE_startx_endx || code == DW_RLE_startx_length ||
                     code == DW_RLE_start_end || code == DW_RLE_start_length;
        if (range && !unavailable)
            add_span(s, lo, hi);
    }
    dwarf_dealloc_rnglists_head(head);
}

/* DWARF 2-4: DW_AT_ranges is an offset into .debug_ranges, whose entries are
 * relative to the unit's base address unless a base-selection entry says
 * otherwise. libdwarf hands them out raw. */
CT_NOINST static void ranges4(struct ct_dwalk *w, Dwarf_Die die, Dwarf_Attribute at, Dwarf_Half form,
                              struct spans *s)
{
    Dwarf_Unsigned off = 0;
    if (!ct_dwalk_attr_offset(w, at, form, &off))
        return;
    Dwarf_Ranges *r = NULL;
    Dwarf_Signed n = 0;
    Dwarf_Unsigned bytes = 0;
    if (dwarf_get_ranges_a(w->dbg, (Dwarf_Off)off, die, &r, &n, &bytes, &w->err) != DW_DLV_OK) {
        ct_dwalk_note(w);
        return;
    }
    Dwarf_Addr base = w->cu_base;
    for (Dwarf_Signed i = 0; i < n && s->n < s->max; i++) {
        if (r[i].dwr_type == DW_RANGES_END)
            break;
        if (r[i].dwr_type == DW_RANGES_ADDRESS_SELECTION)
            base = r[i].dwr_addr2;
        else
            add_span(s, base + r[i].dwr_addr1, base + r[i].dwr_addr2);
    }
    dwarf_ranges_dealloc(w->dbg, r, n);
}

CT_INTERNAL size_t ct_dwalk_ranges(struct ct_dwalk *w, Dwarf_Die die, struct ct_span *out, size_t max)
{
    struct spans s = {out, 0, max};
    Dwarf_Attribute at = NULL;
    if (dwarf_attr(die, DW_AT_ranges, &at, &w->err) != DW_DLV_OK) {
        ct_dwalk_note(w);
        return 0;
    }
    Dwarf_Half form = 0;
    if (dwarf_whatform(at, &form, &w->err) != DW_DLV_OK)
        ct_dwalk_note(w);
    else if (w->cu_version >= 5 || form == DW_FORM_rnglistx)
        rnglists(w, at, form, &s);
    else
        ranges4(w, die, at, form, &s);
    dwarf_dealloc_attribute(at);
    return s.n;
}

/* ---- attributes ---------------------------------------------------------- */

CT_INTERNAL Dwarf_Die ct_dwalk_die(struct ct_dwalk *w, Dwarf_Off off)
{
    Dwarf_Die d = NULL;
    if (dwarf_offdie_b(w->dbg, off, true, &d, &w->err) != DW_DLV_OK) {
        ct_dwalk_note(w);
        return NULL;
    }
    return d;
}

CT_INTERNAL Dwarf_Half ct_dwalk_tag(struct ct_dwalk *w, Dwarf_Die die)
{
    Dwarf_Half tag = 0;
    if (dwarf_tag(die, &tag, &w->err) != DW_DLV_OK)
        ct_dwalk_note(w);
    return tag;
}

CT_INTERNAL bool ct_dwalk_has(struct ct_dwalk *w, Dwarf_Die die, Dwarf_Half attr)
{
    Dwarf_Bool has = 0;
    if (dwarf_hasattr(die, attr, &has, &w->err) != DW_DLV_OK)
        ct_dwalk_note(w);
    return has;
}

CT_INTERNAL Dwarf_Off ct_dwalk_ref(struct ct_dwalk *w, Dwarf_Die die, Dwarf_Half attr)
{
    Dwarf_Attribute a = NULL;
    Dwarf_Off off = 0;
    if (dwarf_attr(die, attr, &a, &w->err) != DW_DLV_OK) {
        ct_dwalk_note(w);
        return 0;
    }
    if (dwarf_global_formref(a, &off, &w->err) != DW_DLV_OK) {
        ct_dwalk_note(w);
        off = 0;
    }
    dwarf_dealloc_attribute(a);
    return off;
}

CT_INTERNAL const char *ct_dwalk_attr_string(struct ct_dwalk *w, Dwarf_Attribute at)
{
    char *s = NULL;
    int res = dwarf_formstring(at, &s, &w->err);
    if (res == DW_DLV_ERROR)
        ct_dwalk_note(w);
    /* Points into the string section: valid until dwarf_finish(). */
    return res == DW_DLV_OK ? s : NULL;
}

CT_INTERNAL const char *ct_dwalk_string(struct ct_dwalk *w, Dwarf_Die die, Dwarf_Half attr)
{
    Dwarf_Attribute at = NULL;
    if (dwarf_attr(die, attr, &at, &w->err) != DW_DLV_OK) {
        ct_dwalk_note(w);
        return NULL;
    }
    const char *s = ct_dwalk_attr_string(w, at);
    dwarf_dealloc_attribute(at);
    return s;
}

CT_INTERNAL bool ct_dwalk_attr_const(struct ct_dwalk *w, Dwarf_Attribute at, Dwarf_Unsigned *v)
{
    Dwarf_Half form = 0;
    int res;
    if (dwarf_whatform(at, &form, &w->err) != DW_DLV_OK) {
        res = DW_DLV_ERROR;
    } else if (form == DW_FORM_implicit_const || form == DW_FORM_sdata) {
        Dwarf_Signed s = 0;
        res = dwarf_formsdata(at, &s, &w->err);
        *v = (Dwarf_Unsigned)s;
    } else {
        res = dwarf_formudata(at, v, &w->err);
    }
    ct_dwalk_note(w);
    return res == DW_DLV_OK;
}

CT_INTERNAL bool ct_dwalk_const(struct ct_dwalk *w, Dwarf_Die die, Dwarf_Half attr, Dwarf_Unsigned *v)
{
    Dwarf_Attribute at = NULL;
    if (dwarf_attr(die, attr, &at, &w->err) != DW_DLV_OK) {
        ct_dwalk_note(w);
        return false;
    }
    bool ok = ct_dwalk_attr_const(w, at, v);
    dwarf_dealloc_attribute(at);
    return ok;
}

CT_INTERNAL bool ct_dwalk_attr_offset(struct ct_dwalk *w, Dwarf_Attribute at, Dwarf_Half form,
                                      Dwarf_Unsigned *out)
{
    if (form == DW_FORM_sec_offset) {
        Dwarf_Off off = 0;
        if (dwarf_global_formref(at, &off, &w->err) == DW_DLV_OK) {
            *out = off;
            return true;
        }
        ct_dwalk_note(w);
    }
    int res = dwarf_formudata(at, out, &w->err);
    ct_dwalk_note(w);
    return res == DW_DLV_OK;
}
