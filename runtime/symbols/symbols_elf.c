/* symbols_elf.c — an ELF file's symbol tables, through libelf
 * (symbols_elf.h): the function symbols in its code (names for code built
 * without -g, and the mangled names of C++ internal-linkage functions), the
 * address of a symbol, and whether a shared object imports one. Off the hot
 * path. */
#include <fcntl.h>
#include <libelf.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "symbols/dwarf.h"
#include "symbols/symbols_elf.h"

/* An ELF file's symbol table, open: .symtab, else .dynsym. */
struct elf_syms {
    int fd;
    Elf *e;
    Elf_Data *data;
    GElf_Shdr sh;
    size_t n;
};

/* Opens the symbol table of the file at path. False (nothing left open)
 * when it cannot be read; a file without one opens with n = 0. */
CT_NOINST static bool syms_open(const char *path, struct elf_syms *t)
{
    memset(t, 0, sizeof(*t));
    if (elf_version(EV_CURRENT) == EV_NONE)
        return false;
    t->fd = ct_open_object(path);
    if (t->fd < 0)
        return false;
    t->e = elf_begin(t->fd, ELF_C_READ_MMAP, NULL);
    if (!t->e) {
        close(t->fd);
        return false;
    }
    Elf_Scn *scn = NULL, *symtab = NULL, *dynsym = NULL;
    while ((scn = elf_nextscn(t->e, scn)) != NULL) {
        if (!gelf_getshdr(scn, &t->sh))
            continue;
        if (t->sh.sh_type == SHT_SYMTAB)
            symtab = scn;
        else if (t->sh.sh_type == SHT_DYNSYM)
            dynsym = scn;
    }
    scn = symtab ? symtab : dynsym;
    t->data = scn && gelf_getshdr(scn, &t->sh) && t->sh.sh_entsize ? elf_getdata(scn, NULL) : NULL;
    t->n = t->data ? t->sh.sh_size / t->sh.sh_entsize : 0;
    if (t->n > INT_MAX)
        t->n = INT_MAX;
    return true;
}

CT_NOINST static void syms_close(struct elf_syms *t)
{
    elf_end(t->e);
    close(t->fd);
}

/* Symbol i: false past the table's end. *name: its name, or NULL. */
CT_NOINST static bool syms_get(const struct elf_syms *t, size_t i, GElf_Sym *s, const char **name)
{
    if (i >= t->n || !gelf_getsym(t->data, (int)i, s))
        return false;
    *name = elf_strptr(t->e, t->sh.sh_link, s->st_name);
    return true;
}

CT_INTERNAL void ct_elf_functions(const char *path, const struct ct_loadctx *ctx, ct_elf_sym_fn fn, void *arg)
{
    struct elf_syms t;
    if (!syms_open(path, &t))
        return;
    GElf_Sym s;
    const char *name;
    for (size_t i = 0; syms_get(&t, i, &s, &name); i++) {
        int type = GELF_ST_TYPE(s.st_info);
        if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s.st_shndx == SHN_UNDEF || !s.st_value ||
            !ct_in_exec(ctx, s.st_value))
            continue;
        if (name && name[0])
            fn(arg, name, &s, i);
    }
    syms_close(&t);
}

CT_INTERNAL size_t ct_elf_lookup(const char *path, const char *const *names, uint64_t *values, size_t n)
{
    struct elf_syms t;
    size_t found = 0;
    for (size_t k = 0; k < n; k++)
        values[k] = 0;
    if (!syms_open(path, &t))
        return 0;
    GElf_Sym s;
    const char *name;
    for (size_t i = 0; found < n && syms_get(&t, i, &s, &name); i++) {
        if (!name || s.st_shndx == SHN_UNDEF || !s.st_value)
            continue;
        for (size_t k = 0; k < n; k++)
            if (!values[k] && strcmp(name, names[k]) == 0) {
                values[k] = s.st_value;
                found++;
            }
    }
    syms_close(&t);
    return found;
}

CT_INTERNAL bool ct_elf_imports(const char *path, const char *want)
{
    if (elf_version(EV_CURRENT) == EV_NONE)
        return false;
    int fd = ct_open_object(path);
    if (fd < 0)
        return false;
    Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    bool found = false;
    Elf_Scn *scn = NULL;
    GElf_Shdr sh;
    while (e && !found && (scn = elf_nextscn(e, scn)) != NULL) {
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize)
            continue;
        Elf_Data *data = elf_getdata(scn, NULL);
        size_t n = data ? sh.sh_size / sh.sh_entsize : 0;
        for (size_t i = 0; i < n && i <= INT_MAX && !found; i++) {
            GElf_Sym s;
            if (!gelf_getsym(data, (int)i, &s))
                break;
            const char *name = s.st_shndx == SHN_UNDEF ? elf_strptr(e, sh.sh_link, s.st_name) : NULL;
            found = name && strcmp(name, want) == 0;
        }
    }
    if (e)
        elf_end(e);
    close(fd);
    return found;
}
