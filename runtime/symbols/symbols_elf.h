/* symbols_elf.h — reading an ELF file's symbol tables (symbols_elf.c), for
 * the symbolizer (symbols.c) and capture (where the hooks are). Internal. */
#ifndef CT_SYMBOLS_ELF_H
#define CT_SYMBOLS_ELF_H

#include <gelf.h>
#include <stdbool.h>
#include <stdint.h>

#include "symbols/dwarf.h"

/* One function symbol: its name, the symbol, its index in the table. */
typedef void (*ct_elf_sym_fn)(void *arg, const char *name, const GElf_Sym *sym, size_t index);

/* Calls fn for every function symbol of the ELF file at path (.symtab, else
 * .dynsym) that lies in the code ctx describes. */
CT_INTERNAL void ct_elf_functions(const char *path, const struct ct_loadctx *ctx, ct_elf_sym_fn fn, void *arg);
/* The link-time values of the symbols names[0, n) defined in the ELF file at
 * path (its .symtab, else .dynsym): values[k], 0 when not found. Returns how
 * many were found. */
CT_INTERNAL size_t ct_elf_lookup(const char *path, const char *const *names, uint64_t *values, size_t n);
/* True when the shared object at path imports the symbol `name`. */
CT_INTERNAL bool ct_elf_imports(const char *path, const char *name);

#endif
