/* capture_dwarf_priv.h — what the three parts of the capture descriptor
 * reader share: capture_dwarf.c (units, functions, the table),
 * capture_types.c (DIE helpers, scope names, the type graph) and
 * capture_loc.c (locations, CFA, ranges, call sites). Internal to them. */
#ifndef CT_CAPTURE_DWARF_PRIV_H
#define CT_CAPTURE_DWARF_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>

#include "capture/capture.h"
#include "symbols/dwarf.h"

#define CD_MAX_DEPTH 24 /* nesting of DIEs and of types we follow */

/* A map from DIE offset to a pointer (open addressing; offset 0 is free). */
struct cd_map_ent {
    Dwarf_Off off;
    void *val;
};
struct cd_map {
    struct cd_map_ent *v;
    size_t n, cap;
};

/* A growable array of pointers. */
struct cd_vec {
    const void **v;
    size_t n, cap;
};

struct cd {
    Dwarf_Debug dbg;
    Dwarf_Error err;
    struct ct_arena *arena;
    uint64_t bias;
    bool live, cu_c, cu_clang;
    Dwarf_Addr cu_base;   /* DW_AT_low_pc of the unit: base of DWARF 4 range lists */
    Dwarf_Half cu_version;
    unsigned nerrors;
    Dwarf_Fde *fdes;
    Dwarf_Cie *cies;
    Dwarf_Signed nfde, ncie;
    struct cd_map types;  /* DIE offset -> struct ct_type * */
    struct cd_map scopes; /* DIE offset of a named type -> "ns::Cls::" */
    Dwarf_Off *fns; /* this unit's functions */
    size_t nfns, capfns;
    struct cd_vec fdescs; /* struct ct_fdesc * described so far */
    struct cd_vec sites;  /* struct ct_csite * with constants */
    struct cd_vec xsites; /* struct ct_xsite * */
    struct ct_span exec[8];
    size_t nexec;
    struct ct_span ro[16]; /* the executable's PT_LOAD segments without write permission */
    size_t nro;
    uint64_t hook;      /* runtime address of __cyg_profile_func_enter */
    uint64_t exit_hook; /* and of __cyg_profile_func_exit */
};

/* The children of a DIE, in order:
 *     struct cd_iter it;
 *     for (Dwarf_Die ch = cd_first(c, parent, &it); ch; ch = cd_next(c, &it)) ...
 *     cd_iter_end(&it);
 * Iteration stops at an error and at a child that does not lie after its
 * predecessor (a corrupt DW_AT_sibling pointing back would loop forever).
 * The DIE given is freed by the next step or by cd_iter_end(). */
struct cd_iter {
    Dwarf_Die die;  /* the current child */
    Dwarf_Off prev; /* its offset */
};
CT_INTERNAL Dwarf_Die cd_first(struct cd *c, Dwarf_Die parent, struct cd_iter *it);
CT_INTERNAL Dwarf_Die cd_next(struct cd *c, struct cd_iter *it);
CT_INTERNAL void cd_iter_end(struct cd_iter *it);

/* capture_types.c */
extern const struct ct_type ct_void_type;
CT_INTERNAL void cd_err(struct cd *c);
CT_INTERNAL void *cd_zalloc(struct cd *c, size_t n);
CT_INTERNAL const char *cd_cat(struct cd *c, const char *a, const char *b, const char *d);
CT_INTERNAL Dwarf_Die cd_die(struct cd *c, Dwarf_Off off);
CT_INTERNAL Dwarf_Half cd_tag(struct cd *c, Dwarf_Die d);
/* The DIE offset an attribute refers to, or 0. */
CT_INTERNAL Dwarf_Off cd_ref(struct cd *c, Dwarf_Die d, Dwarf_Half name);
CT_INTERNAL bool cd_udata(struct cd *c, Dwarf_Die d, Dwarf_Half name, Dwarf_Unsigned *v);
CT_INTERNAL bool cd_flag(struct cd *c, Dwarf_Die d, Dwarf_Half name);
/* The DIE's name in the arena, or NULL. */
CT_INTERNAL const char *cd_name(struct cd *c, Dwarf_Die d);
/* Records the scope prefix ("ns::Cls::") of a named type's DIE. */
CT_INTERNAL void cd_scope_add(struct cd *c, Dwarf_Off off, const char *prefix);
/* The type at a DIE offset, built once (cached by offset). */
CT_INTERNAL const struct ct_type *cd_type(struct cd *c, Dwarf_Off off, unsigned depth);

/* Appends p (dropped if memory runs out). */
CT_INTERNAL void cd_vec_push(struct cd_vec *vec, const void *p);

/* capture_loc.c */
/* DWARF registers the hook knows: rbx, rbp, rsp, r12-r15. */
CT_INTERNAL bool cd_known_reg(uint64_t r);
/* d's DW_AT_location as it stands at link-time pc (n = 0: unavailable). */
CT_INTERNAL void cd_location(struct cd *c, Dwarf_Die d, uint64_t pc, struct ct_loc *loc);
/* The CFA rule at link-time pc. */
CT_INTERNAL void cd_cfa(struct cd *c, uint64_t pc, struct ct_fdesc *f);
CT_INTERNAL void cd_frame_base(struct cd *c, Dwarf_Die d, struct ct_fdesc *f);
/* Decides how the enter hook reads each parameter, and the return value
 * (struct ct_plan, ret_small); f's parameters, CFA rule and frame base are
 * set. False when out of memory. */
CT_INTERNAL bool cd_plan(struct cd *c, struct ct_fdesc *f);
/* The first range of a function given by DW_AT_ranges. */
CT_INTERNAL bool cd_first_range(struct cd *c, Dwarf_Die d, Dwarf_Addr *lo, Dwarf_Addr *hi);
/* Collects the call sites with constant arguments inside a function. */
CT_INTERNAL void cd_call_sites(struct cd *c, Dwarf_Die parent, unsigned depth);

#endif
