/* symbols_shared.c — what the symbolizer (symbols.c) and the DWARF readers
 * (dwarf.c, the capture descriptors) share (dwarf.h): the arena their
 * names and tables live in, address ranges, the executable-segment test,
 * demangling and hex names. Off the hot path. */
#include <errno.h>
#include <unistd.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <dlfcn.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/vec.h"
#include "symbols/dwarf.h"
#include "symbols/symbols.h"

/* The C++ runtime's demangler, referenced weakly: when the traced program is
 * C++ and links libstdc++ this resolves to it; a C program has no C++ runtime
 * (and no mangled names) and the address is NULL. We must not drag libstdc++
 * into C programs, hence no strong reference. Default visibility:
 * -fvisibility=hidden must not turn it into a hidden undefined symbol that
 * the dynamic linker would not resolve. See find_demangler() for when the
 * weak reference is not enough. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status)
    __attribute__((weak, visibility("default")));

#define ARENA_BLOCK ((size_t)64 * 1024)

/* ---- arena --------------------------------------------------------------- */

struct ct_arena_block {
    struct ct_arena_block *next;
    size_t used, size;
    uintptr_t data[]; /* 8-byte aligned */
};

CT_INTERNAL void *ct_arena_alloc(struct ct_arena *a, size_t size)
{
    if (size > SIZE_MAX / 2)
        return NULL;
    size = (size + 7) & ~(size_t)7;
    struct ct_arena_block *b = a->head;
    if (!b || b->size - b->used < size) {
        size_t cap = size > ARENA_BLOCK / 4 ? size : ARENA_BLOCK;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->size = cap;
        b->used = 0;
        if (cap == size && a->head) {
            /* A big one-off: keep the current block in front, it still has room. */
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = (char *)b->data + b->used;
    b->used += size;
    return p;
}

CT_INTERNAL char *ct_arena_strndup(struct ct_arena *a, const char *s, size_t len)
{
    char *p = ct_arena_alloc(a, len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

CT_INTERNAL void ct_arena_free(struct ct_arena *a)
{
    for (struct ct_arena_block *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    a->head = NULL;
}

/* ---- helpers shared with dwarf.c ----------------------------------------- */

CT_INTERNAL bool ct_ranges_push(struct ct_ranges *r, uintptr_t lo, uintptr_t hi, const struct ct_symbol *sym,
                                uint32_t seq)
{
    if (!CT_VEC_RESERVE(r->v, r->cap, r->n + 1))
        return false;
    r->v[r->n++] = (struct ct_range){lo, hi, sym, seq};
    return true;
}

CT_INTERNAL bool ct_in_exec(const struct ct_loadctx *ctx, uintptr_t link_addr)
{
    for (size_t i = 0; i < ctx->nexec; i++)
        if (link_addr >= ctx->exec[i].lo && link_addr < ctx->exec[i].hi)
            return true;
    return false;
}

/* Where __cxa_demangle can be, in order:
 * - the weak reference, settled when the program was linked (non-PIE) or
 *   loaded: set when the program links libstdc++;
 * - any object loaded since (a dlopen()ed C++ shared object brings it);
 * - libstdc++ itself, loaded now: a C++ program that happens to use nothing
 *   of libstdc++ does not link it (--as-needed drops it), yet its DWARF is
 *   full of mangled names. Only reached when there is C++ to demangle, and
 *   never unloaded (RTLD_NODELETE): a library's atexit handlers must not
 *   outlive its code. */
CT_NOINST static ct_demangle_fn find_demangler(void)
{
    ct_demangle_fn fn = __cxa_demangle;
    if (fn)
        return fn;
    void *p = dlsym(RTLD_DEFAULT, "__cxa_demangle");
    if (!p) {
        void *h = dlopen("libstdc++.so.6", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        if (h) {
            p = dlsym(h, "__cxa_demangle");
            ct_debug("symbols: loaded libstdc++ for its demangler%s", p ? "" : ": not found");
            dlclose(h); /* a no-op but for the reference count: NODELETE */
        }
    }
    memcpy(&fn, &p, sizeof p);
    return fn;
}

CT_INTERNAL bool ct_can_demangle(const struct ct_loadctx *ctx)
{
    struct ct_demangler *d = ctx->demangler;
    if (!d->tried) {
        d->tried = true;
        d->fn = find_demangler();
    }
    return d->fn != NULL;
}

CT_INTERNAL const char *ct_demangle(const struct ct_loadctx *ctx, const char *mangled)
{
    if (mangled[0] != '_' || mangled[1] != 'Z' || !ct_can_demangle(ctx))
        return NULL;
    int status = -1;
    char *s = ctx->demangler->fn(mangled, NULL, NULL, &status);
    const char *r = NULL;
    if (s && status == 0)
        r = ct_arena_strndup(ctx->arena, s, strlen(s));
    free(s);
    return r;
}

CT_INTERNAL const char *ct_hexname(struct ct_arena *a, uintptr_t addr)
{
    char buf[2 + 2 * sizeof addr + 1];
    int n = snprintf(buf, sizeof buf, "0x%" PRIxPTR, addr);
    return ct_arena_strndup(a, buf, (size_t)n);
}

int ct_open_object(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    return fd;
}
