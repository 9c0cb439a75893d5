/* capture_dwarf_priv.h — what the parts of the capture descriptor reader
 * share, bottom up: capture_types.c (scope names, the type graph),
 * capture_loc.c (locations, CFA, plans, call sites), capture_tab.c (the
 * lookup tables) and capture_dwarf.c (units, functions, the load). All read
 * DWARF through the walker (symbols/dwarf_walk.h). Internal to them. */
#ifndef CT_CAPTURE_DWARF_PRIV_H
#define CT_CAPTURE_DWARF_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "base/vec.h"
#include "capture/capture.h"
#include "symbols/dwarf.h"
#include "symbols/dwarf_walk.h"

#define CT_CAP_MAX_DEPTH 24     /* nesting of DIEs and of types we follow */
#define CT_CAP_EXEC_SEGS 8      /* executable segments of the program we know */
#define CT_CAP_RO_SEGS 16       /* read-only segments of the program we know */

/* A map from DIE offset to a pointer (open addressing, 2^bits slots; offset
 * 0 is free). */
struct ct_cap_map_ent {
    Dwarf_Off off;
    void *val;
};
struct ct_cap_map {
    struct ct_cap_map_ent *v;
    size_t n, cap;
    unsigned bits;
};

/* A growable array of pointers. */
struct ct_cap_vec {
    const void **v;
    size_t n, cap;
};

/* Appends p (dropped if memory runs out). */
CT_NOINST static inline void ct_cap_push(struct ct_cap_vec *vec, const void *p)
{
    if (CT_VEC_RESERVE(vec->v, vec->cap, vec->n + 1))
        vec->v[vec->n++] = p;
}

/* The reader's state for one executable. */
struct ct_cap {
    struct ct_dwalk w;    /* the file, the unit being walked, errors */
    struct ct_arena *arena;
    uint64_t bias;
    bool live;            /* this process: hook calls, CFA rules, call sites */
    Dwarf_Fde *fdes;
    Dwarf_Cie *cies;
    Dwarf_Signed nfde, ncie;
    struct ct_cap_map types;  /* DIE offset -> struct ct_type * */
    struct ct_cap_map scopes; /* DIE offset of a named type -> "ns::Cls::" */
    Dwarf_Off *fns;           /* this unit's functions */
    size_t nfns, capfns;
    struct ct_cap_vec fdescs; /* struct ct_fdesc * described so far */
    struct ct_cap_vec sites;  /* struct ct_csite * with constants */
    struct ct_cap_vec xsites; /* struct ct_xsite * */
    struct ct_cap_vec isites; /* struct ct_isite *: inlined instances' hook calls */
    struct ct_span exec[CT_CAP_EXEC_SEGS];
    size_t nexec;
    struct ct_span ro[CT_CAP_RO_SEGS]; /* the executable's PT_LOAD segments without write permission */
    size_t nro;
    uint64_t hook;      /* runtime address of the enter hook */
    uint64_t exit_hook; /* and of the exit hook */
    struct ct_spill spill[CT_SPILLS]; /* clang -O0: the function being described's slots */
    size_t nspill;
};

/* ---- capture_types.c ----------------------------------------------------- */

extern const struct ct_type ct_void_type __attribute__((visibility("hidden")));
/* n zeroed bytes in the arena, or NULL. */
CT_INTERNAL void *ct_cap_zalloc(struct ct_cap *c, size_t n);
/* a + b + d in the arena ("?" when out of memory). */
CT_INTERNAL const char *ct_cap_cat(struct ct_cap *c, const char *a, const char *b, const char *d);
/* The DIE's name in the arena, or NULL. */
CT_INTERNAL const char *ct_cap_name(struct ct_cap *c, Dwarf_Die d);
/* Records the scope prefix ("ns::Cls::") of a named type's DIE. */
CT_INTERNAL void ct_cap_scope_add(struct ct_cap *c, Dwarf_Off off, const char *prefix);
/* The type at a DIE offset, built once (cached by offset). */
CT_INTERNAL const struct ct_type *ct_cap_type(struct ct_cap *c, Dwarf_Off off, unsigned depth);

/* ---- capture_loc.c ------------------------------------------------------- */

/* d's DW_AT_location as it stands at link-time pc (n = 0: unavailable).
 * True when that is clang's single expression (capture_loc.c checks it). */
CT_INTERNAL bool ct_cap_location(struct ct_cap *c, Dwarf_Die d, uint64_t pc, struct ct_loc *loc);
/* The CFA rule at link-time pc. */
CT_INTERNAL void ct_cap_cfa(struct ct_cap *c, uint64_t pc, struct ct_fdesc *f);
CT_INTERNAL void ct_cap_frame_base(struct ct_cap *c, Dwarf_Die d, struct ct_fdesc *f);
/* f's parameters (d's formal parameters), located at link-time pc hook_link
 * (0: none); f's CFA rule and frame base are set. False when out of memory. */
CT_INTERNAL bool ct_cap_params(struct ct_cap *c, Dwarf_Die d, struct ct_fdesc *f, uint64_t hook_link);
/* The descriptor's signature (capture.h). */
CT_INTERNAL uint32_t ct_cap_sig(const struct ct_fdesc *f);
/* Decides how the enter hook reads each parameter, and the return value
 * (struct ct_plan, ret_small); f's parameters, CFA rule and frame base are
 * set. False when out of memory. */
CT_INTERNAL bool ct_cap_plan(struct ct_cap *c, struct ct_fdesc *f);
/* Collects the call sites with constant arguments inside a function. */
CT_INTERNAL void ct_cap_call_sites(struct ct_cap *c, Dwarf_Die parent, unsigned depth);

/* ---- capture_code.c ------------------------------------------------------ */

/* The runtime return address of the function's call to the enter hook: the
 * first "call rel32" to it in the first bytes of its code [lo, hi)
 * (runtime addresses). 0 if none. */
CT_INTERNAL uint64_t ct_cap_hook_pc(const struct ct_cap *c, uint64_t lo, uint64_t hi);
/* The exit hook calls in f's code [lo, hi) (runtime addresses, one
 * contiguous range), each with where its return value is (capture_ret.c);
 * or jumps to the hook (a void function's sibling call: the hook returns
 * for it). Sets f->ret_at_exit when there is at least one and every one is
 * understood: the function returns straight after each, and the exit hook
 * reads its value (c->xsites holds them). C++ too: an exception landing pad
 * that calls the exit hook goes on to _Unwind_Resume (a call: not
 * understood), in this range or, split off to a cold part, in a function
 * that is not one contiguous range; either way the function keeps the
 * trampoline, whose personality marks the frames an exception unwinds. */
CT_INTERNAL void ct_cap_exit_sites(struct ct_cap *c, struct ct_fdesc *f, uint64_t lo, uint64_t hi);

/* True when [lo, hi) lies in an executable segment of the program. */
CT_INTERNAL bool ct_cap_mapped(const struct ct_cap *c, uint64_t lo, uint64_t hi);

/* ---- capture_inline.c ---------------------------------------------------- */

/* Describes the enter hook calls of the instances inlined into parent (the
 * function outer describes, or a block or instance inside it). */
CT_INTERNAL void ct_cap_inlines(struct ct_cap *c, Dwarf_Die parent, const struct ct_fdesc *outer,
                                unsigned depth);
/* After the walk: each instance's out-of-line function (by their abstract
 * origin); instances whose parameters do not match it are dropped. */
CT_INTERNAL void ct_cap_inline_resolve(struct ct_cap *c);

/* ---- capture_tab.c ------------------------------------------------------- */

/* Builds k from the records of vec (the first of equal keys wins). */
CT_INTERNAL bool ct_keyed_build(struct ct_keyed *k, const struct ct_cap_vec *vec);

#endif
