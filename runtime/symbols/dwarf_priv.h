/* dwarf_priv.h — what the two halves of the DWARF reader share: dwarf.c
 * (walking the units, collecting functions and their code ranges) and
 * dwarf_names.c (names, files and lines; the libelf pre-checks). Internal to
 * those two files: nothing else should include it. */
#ifndef CT_DWARF_PRIV_H
#define CT_DWARF_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include <libdwarf/libdwarf.h>
#include <libelf.h>

#include "symbols/dwarf.h"

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
    const struct ct_loadctx *ctx;
    Dwarf_Debug dbg;
    Dwarf_Error err;
    struct ct_ranges *out;
    struct ct_symlist *unmangled;
    long added;
    unsigned nerrors;
    char first_error[160];

    /* The compilation unit being walked. */
    Dwarf_Die cu_die;
    Dwarf_Off cu_lo, cu_hi;  /* its extent in .debug_info */
    Dwarf_Addr cu_base;      /* its DW_AT_low_pc: base of DWARF 4 range lists */
    Dwarf_Half cu_version;
    bool cu_is_c;            /* C has no functions inside aggregates */
    bool cu_is_cxx;
    bool cu_failed;          /* traversal error: give up on this unit */
    size_t cu_index;         /* its entry in files[] */

    struct ct_dw_cu_files *files;
    size_t nfiles, capfiles;
    struct ct_dw_decl *decls;
    size_t ndecls, capdecls;
    struct ct_dw_pending *pend;
    size_t npend, cappend;

    const unsigned char *line_data; /* .debug_line, from libelf */
    size_t line_size;

    Dwarf_Die scope_die;     /* innermost enclosing class/struct/union */
    char *scope;             /* qualified name of the enclosing scopes */
    size_t scope_len, scope_cap;
    const char *last_scope;  /* arena copy of the last scope recorded */
};

/* ---- dwarf.c ------------------------------------------------------------- */

/* Records and frees the pending libdwarf error. */
CT_INTERNAL void ct_dw_note_error(struct ct_dw *d);
/* An offset-valued attribute (DW_FORM_sec_offset, or data4/data8 in DWARF 3). */
CT_INTERNAL bool ct_dw_attr_offset(struct ct_dw *d, Dwarf_Attribute at, Dwarf_Half form, Dwarf_Unsigned *out);

/* ---- dwarf_names.c ------------------------------------------------------- */

/* Finds or adds the file-table entry of the CU whose DIE is at die_off;
 * SIZE_MAX when out of memory. */
CT_INTERNAL size_t ct_dw_cu_entry(struct ct_dw *d, Dwarf_Off die_off);
/* Fills sym's name, file and line from die (at offset off) and the DIEs it
 * refers to. */
CT_INTERNAL void ct_dw_name_function(struct ct_dw *d, Dwarf_Die die, Dwarf_Off off, struct ct_symbol *sym);
/* Remembers the scope of a member-function declaration (die, in the current
 * scope) for ct_dw_resolve_pending(). */
CT_INTERNAL void ct_dw_record_decl(struct ct_dw *d, Dwarf_Die die);
/* Appends the name of the scope die (tag: namespace, class...) to d->scope. */
CT_INTERNAL void ct_dw_push_scope(struct ct_dw *d, Dwarf_Die die, Dwarf_Half tag);
/* Qualifies out-of-class definitions from the scope of their declaration,
 * once every unit has been walked. */
CT_INTERNAL void ct_dw_resolve_pending(struct ct_dw *d);
/* Opens the file at path (*fd) and its ELF with libelf, clears d and checks
 * what would crash libdwarf 20210528; keeps .debug_line in d. NULL (and the
 * file closed) when it cannot be opened, or libdwarf must not see it (a
 * debug line says so). */
CT_INTERNAL Elf *ct_dw_open(const char *path, struct ct_dw *d, int *fd);

#endif
