/* symbols.c — address -> function name, file, line (see symbols.h).
 *
 * The table knows the loaded objects (main program, shared objects) lazily:
 * an address nothing cached knows is located with dl_iterate_phdr(), and the
 * object holding it is read once — its DWARF first (dwarf.c), its ELF symbol
 * table (symbols_elf.c) only when DWARF does not know an address. Each source becomes a
 * sorted array of [lo, hi) ranges searched by bisection. Whatever an address
 * resolves to, a small open-addressing hash remembers it, so that resolving
 * the same address again (millions of times when a trace is written) costs
 * one hash probe. */
#include <dlfcn.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/vec.h"
#include "symbols/dwarf.h"
#include "symbols/symbols.h"
#include "symbols/symbols_elf.h"

#define MAX_EXEC_SEGMENTS 16
#define HASH_MIN_BITS 10

/* ---- the table ------------------------------------------------------------ */

struct object {
    uintptr_t bias;
    char *path;                        /* NULL when unknown */
    const char *open_path;             /* what to open: path, or the live program itself */
    struct ct_span exec[MAX_EXEC_SEGMENTS]; /* link-time */
    size_t nexec;
    bool dwarf_done, elf_done;
    struct ct_ranges dwarf, elf;
};

CT_NOINST static const char *ct_obj_open_path(const struct object *o)
{
    return o->open_path ? o->open_path : o->path;
}

struct slot {
    uintptr_t key; /* 0: empty */
    const struct ct_symbol *sym;
};

struct ct_symtab {
    struct ct_arena arena;
    struct ct_demangler demangler;
    struct object **objs;
    size_t nobjs, capobjs;
    struct slot *slots;
    unsigned bits;                  /* slots has 1 << bits entries */
    size_t nused;
    const struct ct_symbol *zero;   /* address 0, which the hash cannot key */
    bool offline;                   /* objects given by ct_symtab_add_file only */
    bool noted_no_dwarf;            /* said once that a traced function has no DWARF */
    struct ct_symbol oom;           /* when even a hex name cannot be allocated */
};

CT_INTERNAL struct ct_symtab *ct_symtab_new(void)
{
    struct ct_symtab *tab = calloc(1, sizeof *tab);
    if (!tab)
        return NULL;
    tab->bits = HASH_MIN_BITS;
    tab->slots = calloc((size_t)1 << tab->bits, sizeof *tab->slots);
    if (!tab->slots) {
        free(tab);
        return NULL;
    }
    tab->oom.name = "0x?";
    return tab;
}

CT_INTERNAL void ct_symtab_free(struct ct_symtab *tab)
{
    if (!tab)
        return;
    for (size_t i = 0; i < tab->nobjs; i++) {
        free(tab->objs[i]->dwarf.v);
        free(tab->objs[i]->elf.v);
        free(tab->objs[i]->path);
        free(tab->objs[i]);
    }
    free(tab->objs);
    free(tab->slots);
    ct_arena_free(&tab->arena);
    free(tab);
}

/* ---- cache ---------------------------------------------------------------- */

CT_NOINST static const struct ct_symbol *cache_get(const struct ct_symtab *tab, uintptr_t key)
{
    size_t mask = ((size_t)1 << tab->bits) - 1;
    for (size_t i = ct_hash_slot(key, tab->bits);; i = (i + 1) & mask) {
        if (tab->slots[i].key == key)
            return tab->slots[i].sym;
        if (!tab->slots[i].key)
            return NULL;
    }
}

CT_NOINST static void cache_insert(struct slot *slots, unsigned bits, uintptr_t key, const struct ct_symbol *sym)
{
    size_t mask = ((size_t)1 << bits) - 1;
    size_t i = ct_hash_slot(key, bits);
    while (slots[i].key && slots[i].key != key)
        i = (i + 1) & mask;
    slots[i] = (struct slot){key, sym};
}

CT_NOINST static void cache_put(struct ct_symtab *tab, uintptr_t key, const struct ct_symbol *sym)
{
    if ((tab->nused + 1) * 2 > ((size_t)1 << tab->bits)) {
        /* Keep the load under 1/2; if the bigger array cannot be had, the
         * result just is not cached (the table must never fill up). */
        unsigned bits = tab->bits + 1;
        struct slot *slots = calloc((size_t)1 << bits, sizeof *slots);
        if (!slots)
            return;
        for (size_t i = 0; i < ((size_t)1 << tab->bits); i++)
            if (tab->slots[i].key)
                cache_insert(slots, bits, tab->slots[i].key, tab->slots[i].sym);
        free(tab->slots);
        tab->slots = slots;
        tab->bits = bits;
    }
    cache_insert(tab->slots, tab->bits, key, sym);
    tab->nused++;
}

/* ---- objects -------------------------------------------------------------- */

struct phdr_query {
    uintptr_t addr;
    bool found;
    uintptr_t bias;
    char *name; /* malloc'd copy of dlpi_name */
    struct ct_span exec[MAX_EXEC_SEGMENTS];
    size_t nexec;
};

CT_NOINST static int phdr_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct phdr_query *q = arg;
    bool hit = false;
    for (size_t i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (q->addr >= lo && q->addr - lo < ph->p_memsz)
            hit = true;
    }
    if (!hit)
        return 0;
    q->found = true;
    q->bias = info->dlpi_addr;
    q->name = strdup(info->dlpi_name ? info->dlpi_name : "");
    for (size_t i = 0; i < info->dlpi_phnum && q->nexec < MAX_EXEC_SEGMENTS; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X))
            q->exec[q->nexec++] = (struct ct_span){ph->p_vaddr, ph->p_vaddr + ph->p_memsz};
    }
    return 1;
}

CT_NOINST static bool object_has(const struct object *o, uintptr_t addr)
{
    for (size_t i = 0; i < o->nexec; i++)
        if (addr >= o->exec[i].lo + o->bias && addr < o->exec[i].hi + o->bias)
            return true;
    return false;
}

CT_NOINST static bool objs_reserve(struct ct_symtab *tab)
{
    return CT_VEC_RESERVE(tab->objs, tab->capobjs, tab->nobjs + 1);
}

CT_INTERNAL int ct_symtab_add_file(struct ct_symtab *tab, const char *path, uintptr_t bias)
{
    int fd = ct_open_object(path);
    if (fd < 0)
        return -1;
    elf_version(EV_CURRENT);
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    size_t nph = 0;
    struct object *o = calloc(1, sizeof *o);
    if (!elf || elf_getphdrnum(elf, &nph) != 0 || !o || !objs_reserve(tab)) {
        free(o);
        if (elf)
            elf_end(elf);
        close(fd);
        return -1;
    }
    for (size_t i = 0; i < nph && o->nexec < MAX_EXEC_SEGMENTS; i++) {
        GElf_Phdr ph;
        if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X))
            o->exec[o->nexec++] = (struct ct_span){ph.p_vaddr, ph.p_vaddr + ph.p_memsz};
    }
    elf_end(elf);
    close(fd);
    o->bias = bias;
    o->path = strdup(path);
    tab->objs[tab->nobjs++] = o;
    tab->offline = true;
    return 0;
}

/* The loaded object whose code holds addr, or NULL. */
CT_NOINST static struct object *find_object(struct ct_symtab *tab, uintptr_t addr)
{
    /* Newest first: an object loaded where a closed one used to be wins. */
    for (size_t i = tab->nobjs; i-- > 0;)
        if (object_has(tab->objs[i], addr))
            return tab->objs[i];
    if (tab->offline) /* this process's own objects say nothing about another's */
        return NULL;
    struct phdr_query q;
    memset(&q, 0, sizeof q);
    q.addr = addr;
    dl_iterate_phdr(phdr_cb, &q);
    if (!q.found)
        return NULL;
    struct object *o = calloc(1, sizeof *o);
    if (!o || !objs_reserve(tab)) {
        free(o);
        free(q.name);
        return NULL;
    }
    o->bias = q.bias;
    memcpy(o->exec, q.exec, sizeof q.exec);
    o->nexec = q.nexec;
    if (q.name && q.name[0]) {
        o->path = q.name;
    } else {
        /* The main program: dl_iterate_phdr gives it an empty name. */
        free(q.name);
        char buf[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
        if (n > 0) {
            buf[n] = '\0';
            o->path = strdup(buf);
        }
        /* opened as itself, never by name: after a chroot or a rename the
         * name may be another file's */
        o->open_path = "/proc/self/exe";
    }
    tab->objs[tab->nobjs++] = o;
    return o;
}

CT_NOINST static int cmp_range(const void *a, const void *b)
{
    const struct ct_range *x = a, *y = b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

CT_NOINST static void sort_ranges(struct ct_ranges *r)
{
    if (r->n > 1)
        qsort(r->v, r->n, sizeof *r->v, cmp_range);
}

/* The function starting at addr if any (the first one recorded when several
 * do), else the nearest one below whose range contains addr. */
CT_NOINST static const struct ct_symbol *ranges_find(const struct ct_ranges *r, uintptr_t addr)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) { /* first range starting above addr */
        size_t mid = lo + (hi - lo) / 2;
        if (r->v[mid].lo <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    size_t i = lo - 1;
    if (r->v[i].lo == addr) {
        while (i > 0 && r->v[i - 1].lo == addr)
            i--;
        return r->v[i].sym;
    }
    /* Ranges may nest (GCC nested functions); a few steps back suffice. */
    for (size_t k = 0; k <= i && k < 32; k++)
        if (addr < r->v[i - k].hi)
            return r->v[i - k].sym;
    return NULL;
}

CT_NOINST static struct ct_loadctx load_ctx(struct ct_symtab *tab, const struct object *o)
{
    return (struct ct_loadctx){&tab->arena, &tab->demangler, o->bias, o->exec, o->nexec};
}

struct elf_load {
    struct ct_symtab *tab;
    struct object *o;
    const struct ct_loadctx *ctx;
};

CT_NOINST static void elf_add(void *arg, const char *name, const GElf_Sym *s, size_t index)
{
    struct elf_load *l = arg;
    struct ct_symbol *sym = ct_arena_alloc(&l->tab->arena, sizeof *sym);
    if (!sym)
        return;
    sym->dwarf = false;
    sym->name = ct_demangle(l->ctx, name);
    if (!sym->name)
        sym->name = ct_arena_strndup(&l->tab->arena, name, strlen(name));
    if (!sym->name)
        return;
    sym->file = NULL;
    sym->line = 0;
    sym->entry = s->st_value + l->o->bias;
    /* Aliases share an address: prefer global, then weak, then local, and
     * among those the fewest leading underscores (printf over _IO_printf). */
    int bind = GELF_ST_BIND(s->st_info);
    uint32_t rank = bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2, under = 0;
    while (under < 3 && name[under] == '_')
        under++;
    ct_ranges_push(&l->o->elf, sym->entry, sym->entry + (s->st_size ? s->st_size : 1), sym,
                   (rank << 29) | (under << 27) | (uint32_t)(index & 0x7ffffff));
}

/* Names without file and line, for code compiled without -g. */
CT_NOINST static void load_elf(struct ct_symtab *tab, struct object *o)
{
    o->elf_done = true;
    struct ct_loadctx ctx = load_ctx(tab, o);
    struct elf_load l = {tab, o, &ctx};
    if (o->path)
        ct_elf_functions(ct_obj_open_path(o), &ctx, elf_add, &l);
    sort_ranges(&o->elf);
}

CT_NOINST static int cmp_sym_entry(const void *a, const void *b)
{
    uintptr_t x = (*(const struct ct_symbol *const *)a)->entry, y = (*(const struct ct_symbol *const *)b)->entry;
    return (x > y) - (x < y);
}

struct elf_rename {
    struct ct_symlist *want; /* sorted by entry */
    const struct ct_loadctx *ctx;
    uintptr_t bias;
};

CT_NOINST static void elf_rename(void *arg, const char *name, const GElf_Sym *s, size_t index)
{
    (void)index;
    struct elf_rename *r = arg;
    if (name[0] != '_' || name[1] != 'Z')
        return;
    struct ct_symbol key = {.entry = s->st_value + r->bias};
    const struct ct_symbol *kp = &key;
    struct ct_symbol **hit = bsearch(&kp, r->want->v, r->want->n, sizeof *r->want->v, cmp_sym_entry);
    if (!hit)
        return;
    const char *dem = ct_demangle(r->ctx, name);
    if (!dem)
        return;
    /* Several DWARF functions may start there (identical code folding). */
    while (hit > r->want->v && hit[-1]->entry == key.entry)
        hit--;
    for (; hit < r->want->v + r->want->n && (*hit)->entry == key.entry; hit++)
        (*hit)->name = dem;
}

CT_NOINST static void load_dwarf(struct ct_symtab *tab, struct object *o)
{
    o->dwarf_done = true;
    if (!o->path)
        return;
    struct ct_loadctx ctx = load_ctx(tab, o);
    struct ct_symlist unmangled = {NULL, 0, 0};
    ct_dwarf_load(&ctx, ct_obj_open_path(o), &o->dwarf, &unmangled);
    sort_ranges(&o->dwarf);
    if (unmangled.n) {
        /* C++ functions with internal linkage: DWARF has no linkage name for
         * them, the symbol table has (e.g. _ZN12_GLOBAL__N_16hiddenEi). */
        qsort(unmangled.v, unmangled.n, sizeof *unmangled.v, cmp_sym_entry);
        struct elf_rename r = {&unmangled, &ctx, o->bias};
        ct_elf_functions(ct_obj_open_path(o), &ctx, elf_rename, &r);
    }
    free(unmangled.v);
}

CT_NOINST static const struct ct_symbol *from_dladdr(struct ct_symtab *tab, uintptr_t addr)
{
    Dl_info info;
    if (!dladdr((void *)addr, &info) || !info.dli_sname || !info.dli_saddr)
        return NULL;
    struct ct_symbol *sym = ct_arena_alloc(&tab->arena, sizeof *sym);
    if (!sym)
        return NULL;
    sym->dwarf = false;
    struct ct_loadctx ctx = {&tab->arena, &tab->demangler, 0, NULL, 0};
    sym->name = ct_demangle(&ctx, info.dli_sname);
    if (!sym->name)
        sym->name = ct_arena_strndup(&tab->arena, info.dli_sname, strlen(info.dli_sname));
    if (!sym->name)
        return NULL;
    sym->file = NULL;
    sym->line = 0;
    sym->entry = (uintptr_t)info.dli_saddr;
    return sym;
}

CT_NOINST static const struct ct_symbol *resolve(struct ct_symtab *tab, uintptr_t addr)
{
    const struct ct_symbol *s;
    struct object *o = find_object(tab, addr);
    if (o) {
        if (!o->dwarf_done)
            load_dwarf(tab, o);
        if ((s = ranges_find(&o->dwarf, addr)) != NULL)
            return s;
        if (!o->elf_done)
            load_elf(tab, o);
        if ((s = ranges_find(&o->elf, addr)) != NULL)
            return s;
    }
    if (!tab->offline && (s = from_dladdr(tab, addr)) != NULL)
        return s;
    struct ct_symbol *sym = ct_arena_alloc(&tab->arena, sizeof *sym);
    if (!sym)
        return &tab->oom;
    sym->dwarf = false;
    sym->name = ct_hexname(&tab->arena, addr);
    sym->file = NULL;
    sym->line = 0;
    sym->entry = addr;
    return sym->name ? sym : &tab->oom;
}

CT_NOINST static const struct ct_symbol *lookup(struct ct_symtab *tab, uintptr_t addr)
{
    if (CT_UNLIKELY(!addr)) {
        if (!tab->zero)
            tab->zero = resolve(tab, 0);
        return tab->zero;
    }
    const struct ct_symbol *s = cache_get(tab, addr);
    if (CT_LIKELY(s != NULL))
        return s;
    s = resolve(tab, addr);
    if (s != &tab->oom)
        cache_put(tab, addr, s);
    return s;
}

/* A traced function without DWARF (no file): the program was built without
 * -g, stripped, or its debug info is unreadable. Said once, naming the
 * object; the names then come from the symbol table, or are addresses. */
CT_NOINST static void note_no_dwarf(struct ct_symtab *tab, uintptr_t addr)
{
    tab->noted_no_dwarf = true;
    const struct object *o = find_object(tab, addr);
    ct_log("%s has no DWARF for some traced functions (built without -g, stripped, or corrupt "
           "debug info): names from the symbol table, or addresses; no files or lines",
           o && o->path ? o->path : "the program");
}

CT_INTERNAL const struct ct_symbol *ct_symtab_lookup(struct ct_symtab *tab, uintptr_t addr)
{
    const struct ct_symbol *s = lookup(tab, addr);
    if (CT_UNLIKELY(!s->file) && !s->dwarf && addr && !tab->noted_no_dwarf)
        note_no_dwarf(tab, addr);
    return s;
}

/* ---- enumeration ---------------------------------------------------------- */

#define EACH_MAX_OBJECTS 256

struct each_query {
    uintptr_t addr[EACH_MAX_OBJECTS]; /* an address in its code */
    char *path[EACH_MAX_OBJECTS];     /* NULL for the main program */
    size_t n;
};

CT_NOINST static int each_phdr_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct each_query *q = arg;
    if (q->n == EACH_MAX_OBJECTS)
        return 1;
    for (size_t i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) || !ph->p_memsz)
            continue;
        bool main_prog = !info->dlpi_name || !info->dlpi_name[0];
        if (!main_prog && info->dlpi_name[0] != '/')
            return 0; /* the vDSO */
        q->addr[q->n] = info->dlpi_addr + ph->p_vaddr;
        q->path[q->n] = main_prog ? NULL : strdup(info->dlpi_name);
        if (main_prog || q->path[q->n])
            q->n++;
        return 0;
    }
    return 0;
}

CT_NOINST static int cmp_uintptr(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return (x > y) - (x < y);
}

/* Appends the entries of one source's ranges (a function split in pieces
 * once, at its entry). */
CT_NOINST static void each_entries(const struct ct_ranges *r, uintptr_t **v, size_t *n, size_t *cap)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->v[i].lo != r->v[i].sym->entry)
            continue;
        if (!CT_VEC_RESERVE(*v, *cap, *n + 1))
            return;
        (*v)[(*n)++] = r->v[i].lo;
    }
}

CT_INTERNAL size_t ct_symtab_each(struct ct_symtab *tab,
                                  void (*fn)(void *arg, const struct ct_symbol *sym), void *arg)
{
    struct each_query *q = calloc(1, sizeof *q);
    if (!q)
        return 0;
    dl_iterate_phdr(each_phdr_cb, q);
    uintptr_t *v = NULL;
    size_t n = 0, cap = 0, calls = 0;
    for (size_t i = 0; i < q->n; i++) {
        if (q->path[i] && !ct_elf_imports(q->path[i], "__cyg_profile_func_enter"))
            continue;
        struct object *o = find_object(tab, q->addr[i]);
        if (!o)
            continue;
        if (!o->dwarf_done)
            load_dwarf(tab, o);
        if (!o->elf_done)
            load_elf(tab, o);
        each_entries(&o->dwarf, &v, &n, &cap);
        each_entries(&o->elf, &v, &n, &cap);
    }
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_uintptr);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && v[i] == v[i - 1])
            continue;
        const struct ct_symbol *s = lookup(tab, v[i]); /* not traced: no note */
        if (s->entry == v[i]) { /* not a piece inside another function */
            fn(arg, s);
            calls++;
        }
    }
    free(v);
    for (size_t i = 0; i < q->n; i++)
        free(q->path[i]);
    free(q);
    return calls;
}
