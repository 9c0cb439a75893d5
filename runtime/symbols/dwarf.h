/* dwarf.h — what symbols/ offers its own files and the DWARF readers above
 * it (capture/): the arena, address spans and ranges, the load context and
 * the demangler (symbols_shared.c); and the symbolizer's DWARF reader
 * (dwarf.c). The DWARF walking layer itself is dwarf_walk.h. Internal. */
#ifndef CT_DWARF_H
#define CT_DWARF_H

#include <stdbool.h>

#include "base/ct.h"
#include "symbols/symbols.h"

/* Bump allocator: every string and ct_symbol of a ct_symtab lives here and is
 * released at once by ct_arena_free(). */
struct ct_arena_block;
struct ct_arena {
    struct ct_arena_block *head;
};
CT_INTERNAL void *ct_arena_alloc(struct ct_arena *a, size_t size);
/* Opens an object file to read: never blocks (a FIFO or a device named where
 * an executable was expected is refused), a regular file only. Returns the
 * descriptor (O_CLOEXEC) or -1. */
CT_INTERNAL int ct_open_object(const char *path);
/* Copies len bytes of s and a NUL. */
CT_INTERNAL char *ct_arena_strndup(struct ct_arena *a, const char *s, size_t len);
CT_INTERNAL void ct_arena_free(struct ct_arena *a);

/* One address range of one function, in runtime addresses: [lo, hi). A
 * function split in pieces (GCC's hot/cold partitioning) has several ranges
 * sharing one symbol. */
struct ct_range {
    uintptr_t lo, hi;
    const struct ct_symbol *sym;
    uint32_t seq;   /* insertion order: makes sorting deterministic */
};

/* A growable, then sorted, array of ranges: one per source (DWARF, ELF
 * symbol table) per object. */
struct ct_ranges {
    struct ct_range *v;
    size_t n, cap;
};
/* Returns false on allocation failure. */
CT_INTERNAL bool ct_ranges_push(struct ct_ranges *r, uintptr_t lo, uintptr_t hi,
                                const struct ct_symbol *sym, uint32_t seq);

/* An address span [lo, hi) of a loaded object, in link-time (unbiased)
 * addresses. */
struct ct_span {
    uintptr_t lo, hi;
};

typedef char *(*ct_demangle_fn)(const char *mangled, char *buf, size_t *len, int *status);

/* The C++ runtime's __cxa_demangle, looked for on first need (symbols.c). */
struct ct_demangler {
    ct_demangle_fn fn;
    bool tried;
};

/* What a reader needs to know about the object it reads. */
struct ct_loadctx {
    struct ct_arena *arena;
    struct ct_demangler *demangler;
    uintptr_t bias;              /* load bias: runtime = link-time + bias */
    const struct ct_span *exec;  /* executable PT_LOAD segments */
    size_t nexec;
};

/* True when the link-time address lies in an executable segment. Filters out
 * the functions of discarded COMDAT sections, whose DWARF the linker leaves
 * behind with a "tombstone" address (0, 1 or -1/-2 depending on the ld). */
CT_INTERNAL bool ct_in_exec(const struct ct_loadctx *ctx, uintptr_t link_addr);
/* True when C++ names can be demangled. The first call looks for the
 * demangler, which may load libstdc++: call it only when there is C++. */
CT_INTERNAL bool ct_can_demangle(const struct ct_loadctx *ctx);
/* Demangles an Itanium C++ name into the arena; NULL when it is not one or no
 * demangler is available. */
CT_INTERNAL const char *ct_demangle(const struct ct_loadctx *ctx, const char *mangled);
/* Formats "0x<hex>" into the arena. */
CT_INTERNAL const char *ct_hexname(struct ct_arena *a, uintptr_t addr);

/* Symbols whose name DWARF gives without parameters although they are C++:
 * GCC emits no DW_AT_linkage_name for functions with internal linkage
 * (static, anonymous namespace), so "f" could be any overload. The caller
 * renames them from the ELF symbol table's mangled name when it has one. */
struct ct_symlist {
    struct ct_symbol **v;
    size_t n, cap;
};

/* Reads every function with code from the DWARF of the ELF file at path and
 * appends their ranges (runtime addresses) to out; C++ functions without a
 * linkage name are also listed in unmangled when a demangler exists. Returns
 * the number of ranges added, or -1 when the file has no usable DWARF.
 * Never aborts, whatever the file contains. */
CT_INTERNAL long ct_dwarf_load(const struct ct_loadctx *ctx, const char *path,
                               struct ct_ranges *out, struct ct_symlist *unmangled);

#endif
