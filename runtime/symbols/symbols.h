/* symbols.h — address -> function name, file, line. Internal.
 *
 * Used only off the hot path (when a trace is written). Names come from the
 * DWARF of every loaded object that contains traced code (libdwarf), with C++
 * names demangled and qualified; objects or functions without DWARF fall back
 * to the ELF symbol table, then to dladdr(); an address nothing knows is
 * printed as its hex value by the caller. */
#ifndef CT_SYMBOLS_H
#define CT_SYMBOLS_H

#include "base/ct.h"

struct ct_symbol {
    const char *name;   /* never NULL: "0x4011d6" when unknown */
    const char *file;   /* source file (absolute when DWARF knows it), or NULL */
    unsigned line;      /* declaration line, 0 when unknown */
    uintptr_t entry;    /* runtime address of the function's first byte */
    bool dwarf;         /* from a DWARF entry (which may have no file: artificial
                         * functions such as _GLOBAL__sub_I_* or __tcf_0) */
};

struct ct_symtab;

/* Creates an empty table; objects are loaded lazily on first lookup in them.
 * Returns NULL only on allocation failure. */
CT_INTERNAL struct ct_symtab *ct_symtab_new(void);
/* Resolves a runtime address of a function entry (what __cyg_profile_func_enter
 * receives). The result stays valid until ct_symtab_free(). Never NULL. Not
 * thread-safe: the caller serialises (output is written under one lock). */
CT_INTERNAL const struct ct_symbol *ct_symtab_lookup(struct ct_symtab *tab, uintptr_t addr);
CT_INTERNAL void ct_symtab_free(struct ct_symtab *tab);
/* Offline use (calltrace-convert): names come from `path`, loaded at `bias`
 * in the traced process, and never from this process's own objects.
 * Returns 0 or -1 (unreadable or not ELF). */
CT_INTERNAL int ct_symtab_add_file(struct ct_symtab *tab, const char *path, uintptr_t bias);
/* Calls fn once for every function with code in the main program and in
 * every loaded object that calls __cyg_profile_func_enter (the instrumented
 * ones), with the symbol a lookup of its entry gives (the trace's name).
 * Loads all of them: slow, for init. Returns the number of calls. */
CT_INTERNAL size_t ct_symtab_each(struct ct_symtab *tab,
                                  void (*fn)(void *arg, const struct ct_symbol *sym), void *arg);

#endif
