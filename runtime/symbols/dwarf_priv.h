/* dwarf_priv.h — what the two halves of the symbolizer's DWARF reader
 * share: dwarf.c (walking the units, collecting functions and their code
 * ranges) and dwarf_names.c (names, files and lines). Both read through the
 * walker (dwarf_walk.h). Internal to those two files. */
#ifndef CT_DWARF_PRIV_H
#define CT_DWARF_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "symbols/dwarf.h"
#include "symbols/dwarf_walk.h"

/* The file table of one compilation unit, loaded the first time a function
 * of that unit needs a file name. */
struct ct_dw_cu_files {
    Dwarf_Off die_off;      /* global offset of the CU DIE: the key */
    Dwarf_Half version;     /* line table version: decides decl_file numbering */
    bool loaded;
    char **src;             /* dwarf_srcfiles(), freed before dwarf_finish */
    Dwarf_Signed nsrc;
    const char *comp_dir;   /* arena copy, or NULL */
    const char **abs;       /* [nsrc]: absolute path in the arena, lazily */
};

/* A member-function declaration seen inside a named scope, so that a
 * definition elsewhere pointing at it (DW_AT_specification) can be qualified
 * when no linkage name gives the qualified name. */
struct ct_dw_decl {
    Dwarf_Off off;
    const char *scope;      /* "ns::Cls", in the arena */
};

struct ct_dw_pending {
    struct ct_symbol *sym;
    Dwarf_Off target;       /* last DIE of its specification chain */
    const char *name;       /* unqualified name, in the arena */
};

struct ct_dw {
    struct ct_dwalk w;       /* the file, the unit being walked, errors */
    const struct ct_loadctx *ctx;
    struct ct_ranges *out;
    struct ct_symlist *unmangled;
    long added;

    bool cu_failed;          /* traversal error: give up on this unit */
    size_t cu_index;         /* its entry in files[] */

    struct ct_dw_cu_files *files;
    size_t nfiles, capfiles;
    struct ct_dw_decl *decls;
    size_t ndecls, capdecls;
    struct ct_dw_pending *pend;
    size_t npend, cappend;

    Dwarf_Die scope_die;     /* innermost enclosing class/struct/union */
    char *scope;             /* qualified name of the enclosing scopes */
    size_t scope_len, scope_cap;
    const char *last_scope;  /* arena copy of the last scope recorded */
};

/* ---- dwarf_names.c ------------------------------------------------------- */

/* Finds or adds the file-table entry of the CU whose DIE is at die_off;
 * SIZE_MAX when out of memory. */
CT_INTERNAL size_t ct_dw_cu_entry(struct ct_dw *d, Dwarf_Off die_off);
/* Fills sym's name, file and line from die (at offset off) and the DIEs it
 * refers to. */
CT_INTERNAL void ct_dw_name_function(struct ct_dw *d, Dwarf_Die die, Dwarf_Off off, struct ct_symbol *sym);
/* Remembers the scope of a member-function declaration (its DIE at off, in
 * the current scope) for ct_dw_resolve_pending(). */
CT_INTERNAL void ct_dw_record_decl(struct ct_dw *d, Dwarf_Off off);
/* Appends the name of the scope die (tag: namespace, class...) to d->scope. */
CT_INTERNAL void ct_dw_push_scope(struct ct_dw *d, Dwarf_Die die, Dwarf_Half tag);
/* Qualifies out-of-class definitions from the scope of their declaration,
 * once every unit has been walked. */
CT_INTERNAL void ct_dw_resolve_pending(struct ct_dw *d);
/* Frees what the names half kept (file tables, declarations, scopes). */
CT_INTERNAL void ct_dw_names_free(struct ct_dw *d);

#endif
