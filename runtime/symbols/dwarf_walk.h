/* dwarf_walk.h — the one DWARF walking layer (libdwarf, the old "20210528"
 * API as shipped by Debian 12). Internal.
 *
 * Both readers of DWARF go through it: the symbolizer (dwarf.c,
 * dwarf_names.c: names, files, lines) and the capture descriptors
 * (capture/: parameters, types, locations). It owns what they used to
 * carry twice: opening a file (with the libelf checks that keep this
 * libdwarf from crashing), the loop over the compilation units, the
 * iteration over a DIE's children with its guard against sibling cycles,
 * the code ranges of a DIE (DW_AT_low_pc/high_pc, DW_AT_ranges in DWARF 4
 * and 5), and the common attribute reads.
 *
 *     struct ct_dwalk w;
 *     if (ct_dwalk_open(&w, path) != 0) return -1;
 *     ct_dwalk_units(&w, per_unit, arg);   // w.cu_* describe the unit
 *     ct_dwalk_close(&w);
 *
 * Error discipline: libdwarf is always given a Dwarf_Error pointer (w.err)
 * and no error handler, so it never aborts. Every function here that calls
 * libdwarf records and frees its error (ct_dwalk_note); a caller that calls
 * libdwarf itself with &w->err calls ct_dwalk_note() after. Errors are
 * counted (w.nerrors, the first message kept) and reading goes on where it
 * can: whatever the file holds, nothing here crashes or loops. */
#ifndef CT_DWARF_WALK_H
#define CT_DWARF_WALK_H

#include <stdbool.h>
#include <stddef.h>

#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>
#include <libelf.h>

#include "symbols/dwarf.h"

#define CT_DWALK_ERRMSG 160 /* bytes kept of the first error's message */

struct ct_dwalk {
    Dwarf_Debug dbg;
    Dwarf_Error err;            /* the pending error: ct_dwalk_note() */
    unsigned nerrors;
    char first_error[CT_DWALK_ERRMSG];
    Elf *elf;                   /* the libelf view ct_dwalk_open() checked */
    int fd;
    const unsigned char *line_data; /* .debug_line as libdwarf sees it, or NULL */
    size_t line_size;

    /* The compilation unit being walked (ct_dwalk_units). */
    Dwarf_Die cu_die;
    Dwarf_Off cu_off;           /* global offset of its DIE */
    Dwarf_Off cu_lo, cu_hi;     /* its extent in .debug_info */
    Dwarf_Addr cu_base;         /* its DW_AT_low_pc: base of DWARF 4 range lists */
    Dwarf_Half cu_version;
    Dwarf_Half cu_tag;          /* DW_TAG_compile_unit, _partial_unit, _type_unit... */
    bool cu_is_c;               /* C89 to C11 */
    bool cu_is_cxx;             /* C++ to C++14 */
    bool cu_clang;              /* DW_AT_producer names clang */
};

/* ---- dwarf_open.c -------------------------------------------------------- */

/* Opens the ELF file at path for libdwarf, after checking with libelf what
 * is known to crash libdwarf 20210528 (then the file is not read at all).
 * Clears w. Returns 0, or -1 (nothing left open; a debug line says why). */
CT_INTERNAL int ct_dwalk_open(struct ct_dwalk *w, const char *path);
/* Releases what ct_dwalk_open() opened. Strings libdwarf gave are gone. */
CT_INTERNAL void ct_dwalk_close(struct ct_dwalk *w);

/* ---- dwarf_walk.c -------------------------------------------------------- */

/* Records and frees the pending libdwarf error, if any. */
CT_INTERNAL void ct_dwalk_note(struct ct_dwalk *w);

/* Calls fn once per unit of .debug_info, with w->cu_* set (w->cu_die is
 * freed after fn returns). Units whose DIE cannot be read are skipped. */
typedef void (*ct_dwalk_unit_fn)(struct ct_dwalk *w, void *arg);
CT_INTERNAL void ct_dwalk_units(struct ct_dwalk *w, ct_dwalk_unit_fn fn, void *arg);

/* The children of a DIE, in order:
 *     struct ct_dwalk_iter it;
 *     for (Dwarf_Die ch = ct_dwalk_first(w, parent, &it); ch; ch = ct_dwalk_next(w, &it))
 *         ... it.off is ch's offset ...
 *     ct_dwalk_end(&it);
 * Iteration stops at an error and at a child that does not lie after its
 * predecessor (a corrupt DW_AT_sibling pointing back would loop forever:
 * found by tests/fuzz/fuzz_dwarf); it.failed then says so. The DIE given
 * is freed by the next step or by ct_dwalk_end(). */
struct ct_dwalk_iter {
    Dwarf_Die die;  /* the current child */
    Dwarf_Off off;  /* its offset */
    bool failed;    /* stopped by an error or a sibling cycle, not by the end */
};
CT_INTERNAL Dwarf_Die ct_dwalk_first(struct ct_dwalk *w, Dwarf_Die parent, struct ct_dwalk_iter *it);
CT_INTERNAL Dwarf_Die ct_dwalk_next(struct ct_dwalk *w, struct ct_dwalk_iter *it);
CT_INTERNAL void ct_dwalk_end(struct ct_dwalk_iter *it);

/* What ct_dwalk_pc() found. */
enum { CT_DWALK_PC_NONE, CT_DWALK_PC_LOW, CT_DWALK_PC_BOTH };
/* DW_AT_low_pc and DW_AT_high_pc (a constant high_pc is a size) of die, as
 * [*lo, *hi) in link-time addresses: CT_DWALK_PC_BOTH; _LOW when only
 * low_pc could be read (*hi = *lo + 1); _NONE without low_pc. */
CT_INTERNAL int ct_dwalk_pc(struct ct_dwalk *w, Dwarf_Die die, Dwarf_Addr *lo, Dwarf_Addr *hi);
/* The non-empty address ranges of die's DW_AT_ranges (DWARF 5
 * .debug_rnglists, or DWARF 2-4 .debug_ranges relative to the unit's base),
 * in link-time addresses, in the order listed (GCC lists the part with the
 * entry first): at most max into out. Returns how many. */
CT_INTERNAL size_t ct_dwalk_ranges(struct ct_dwalk *w, Dwarf_Die die, struct ct_span *out, size_t max);

/* ---- attributes (dwarf_walk.c) ------------------------------------------- */

/* The DIE at a global offset, or NULL. Free it with dwarf_dealloc_die(). */
CT_INTERNAL Dwarf_Die ct_dwalk_die(struct ct_dwalk *w, Dwarf_Off off);
/* die's tag, 0 when unreadable. */
CT_INTERNAL Dwarf_Half ct_dwalk_tag(struct ct_dwalk *w, Dwarf_Die die);
/* True when die has the attribute. */
CT_INTERNAL bool ct_dwalk_has(struct ct_dwalk *w, Dwarf_Die die, Dwarf_Half attr);
/* The global DIE offset a reference attribute of die names, or 0. */
CT_INTERNAL Dwarf_Off ct_dwalk_ref(struct ct_dwalk *w, Dwarf_Die die, Dwarf_Half attr);
/* A string attribute, in libdwarf's memory (valid until ct_dwalk_close()),
 * or NULL. */
CT_INTERNAL const char *ct_dwalk_string(struct ct_dwalk *w, Dwarf_Die die, Dwarf_Half attr);
CT_INTERNAL const char *ct_dwalk_attr_string(struct ct_dwalk *w, Dwarf_Attribute at);
/* A constant attribute as unsigned: an unsigned form, or a signed one
 * (DW_FORM_sdata, and DWARF 5's DW_FORM_implicit_const, which this
 * libdwarf's dwarf_formudata() refuses) as its two's complement. */
CT_INTERNAL bool ct_dwalk_const(struct ct_dwalk *w, Dwarf_Die die, Dwarf_Half attr, Dwarf_Unsigned *v);
CT_INTERNAL bool ct_dwalk_attr_const(struct ct_dwalk *w, Dwarf_Attribute at, Dwarf_Unsigned *v);
/* An offset-valued attribute of form `form` (DW_FORM_sec_offset, or
 * data4/data8 in DWARF 3): a section offset. */
CT_INTERNAL bool ct_dwalk_attr_offset(struct ct_dwalk *w, Dwarf_Attribute at, Dwarf_Half form,
                                      Dwarf_Unsigned *out);

#endif
