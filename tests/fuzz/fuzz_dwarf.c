/* fuzz_dwarf.c — libFuzzer harness for the symbolizer's reading of an ELF
 * object: its DWARF (dwarf.c, dwarf_names.c over libdwarf) and its ELF symbol
 * table (symbols.c over libelf).
 *
 * The input is a whole ELF file; the seeds are small -g executables built
 * with the fuzz targets (tests/fuzz/CMakeLists.txt). It goes to a memfd and
 * is added to a table the way calltrace-convert adds the traced executable,
 * ct_symtab_add_file(/proc/self/fd/N, bias): its code where its program
 * headers say, and offline (this process's own objects are never consulted).
 * When the program headers are unreadable it is registered by hand as one
 * object spanning every address (this file includes symbols.c for that and
 * for the table's internals). Then addresses in it are resolved through
 * ct_symtab_lookup(), which reads the DWARF (ct_dwarf_load(), and the
 * symbol-table renaming of C++ internal-linkage functions), falls back to the
 * ELF symbol table, and caches; the symbol table is read in any case, and
 * every DWARF range and symbol is looked up (up to MAX_LOOKUPS). Every name
 * and file that comes back is read to its end (an arena or libdwarf
 * lifetime bug is an ASan report).
 *
 * Per-input time and memory are bounded by the libFuzzer flags the runners
 * pass (-timeout, -rss_limit_mb, -malloc_limit_mb). */
#include <sys/mman.h>

#include "../../runtime/symbols/symbols.c"
#include "capture/capture.h"
#include "base/config.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LOOKUPS 512
#define PIE_BIAS ((uintptr_t)0x555555554000)

static int fd = -1;
static char path[64];
static bool verbose;

/* libdwarf sizes some allocations from the file's headers (a section-header
 * table of 1.6 TB): let malloc fail as it would in production, and see that
 * libdwarf copes, instead of ASan stopping at the request. Allocations that
 * succeed stay bounded by -malloc_limit_mb. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* symbols.c says once per table (so once per input here) that the
     * object has no DWARF: keep that off the fuzzer's output */
    ct_fuzz_quiet_stderr(argc, argv);
    fd = memfd_create("ct-fuzz-elf", MFD_CLOEXEC);
    if (fd < 0) {
        perror("fuzz_dwarf: memfd_create");
        exit(1);
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    /* CT_FUZZ_VERBOSE=1: the reader's ct_debug() lines and what was read. */
    verbose = ct_fuzz_verbose();
    ct_cfg.debug = ct_log_debug = verbose;
    /* Look for the demangler once, up front (it may dlopen libstdc++). */
    struct ct_demangler dm = {NULL, false};
    struct ct_loadctx ctx = {NULL, &dm, 0, NULL, 0};
    (void)ct_can_demangle(&ctx);
    return 0;
}

static void load_file(const uint8_t *data, size_t size)
{
    ct_fuzz_set_file(fd, data, size);
}

static volatile size_t sink;

static void touch(const struct ct_symbol *s)
{
    if (!s)
        return;
    sink += strlen(s->name);
    if (s->file)
        sink += strlen(s->file);
}

static void touch_str(const char *s)
{
    sink += strlen(s);
}

static size_t nlookups;

static void fz_lookup(struct ct_symtab *tab, struct object *o, uintptr_t addr)
{
    if (nlookups >= MAX_LOOKUPS || !object_has(o, addr))
        return;
    nlookups++;
    touch(ct_symtab_lookup(tab, addr));
}

static void fz_lookup_ranges(struct ct_symtab *tab, struct object *o, const struct ct_ranges *r)
{
    for (size_t i = 0; i < r->n && nlookups < MAX_LOOKUPS; i++) {
        touch(r->v[i].sym);
        fz_lookup(tab, o, r->v[i].lo);
        if (r->v[i].hi > r->v[i].lo + 1)
            fz_lookup(tab, o, r->v[i].lo + (r->v[i].hi - r->v[i].lo) / 2);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_file(data, size);
    struct ct_symtab *tab = ct_symtab_new();
    if (!tab)
        abort();
    /* What calltrace-convert does: the file, at a PIE's load bias, its code
     * where its program headers say. */
    if (ct_symtab_add_file(tab, path, PIE_BIAS) != 0 || tab->objs[0]->nexec == 0) {
        /* Unreadable program headers. The live path can still meet such a
         * file (the object on disk need not be what was loaded): read it as
         * one object spanning every address. */
        struct object *o = calloc(1, sizeof *o);
        if (!o || !objs_reserve(tab) || !(o->path = strdup(path)))
            abort();
        o->exec[0] = (struct ct_span){0, UINTPTR_MAX};
        o->nexec = 1;
        tab->objs[tab->nobjs++] = o;
        tab->offline = true;
    }
    struct object *o = tab->objs[tab->nobjs - 1];

    nlookups = 0;
    /* The first lookup reads the DWARF (and the symbol table if DWARF does
     * not know the address). */
    for (size_t i = 0; i < o->nexec; i++)
        fz_lookup(tab, o, o->exec[i].lo + o->bias);
    if (!o->dwarf_done)
        load_dwarf(tab, o);
    if (!o->elf_done)
        load_elf(tab, o);
    fz_lookup_ranges(tab, o, &o->dwarf);
    fz_lookup_ranges(tab, o, &o->elf);
    /* again: from the cache this time */
    for (size_t i = 0; i < o->nexec; i++)
        touch(ct_symtab_lookup(tab, o->exec[i].lo + o->bias));

    if (verbose)
        fprintf(stderr, "fuzz_dwarf: %zu exec segments, %zu DWARF ranges, %zu ELF symbols, %zu nlookups\n",
                o->nexec, o->dwarf.n, o->elf.n, nlookups);
    ct_symtab_free(tab);

    /* The argument-capture reader (CALLTRACE_CAPTURE_ARGS) of the same file,
     * as calltrace-convert runs it: types, parameters, locations. */
    struct ct_ftab ftab;
    if (ct_ftab_load(&ftab, path, PIE_BIAS, NULL) >= 0) {
        for (size_t i = 0; i < ftab.fns.nslots; i++) {
            const struct ct_fdesc *f = ftab.fns.slots[i];
            if (!f)
                continue;
            touch_str(f->ret ? f->ret->name : "void");
            for (uint16_t k = 0; k < f->nparams; k++)
                touch_str(f->params[k].type->name);
        }
        ct_ftab_free(&ftab);
    }
    return 0;
}
