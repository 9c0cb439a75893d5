/* dwarf_names.c — the naming half of the DWARF reader (dwarf.c walks the
 * units and collects the functions): name, declaration file and line of a
 * function, found along its DW_AT_specification / DW_AT_abstract_origin
 * chain; qualification by the enclosing scopes, or by the scope of the
 * declaration of an out-of-class definition; the hand-off to the demangler;
 * the file tables of the compilation units; and, before libdwarf sees a
 * file at all, the libelf checks that keep this libdwarf version from
 * crashing. Error discipline as in dwarf.c. */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>

#include "symbols/dwarf.h"
#include "symbols/dwarf_priv.h"

#define MAX_HOPS 8        /* specification/abstract_origin chain length */

/* Grows the array whose pointer is at vp (elements of size sz) to hold at
 * least n + 1. The pointer is read and written with memcpy: vp points to a
 * "struct x *", not a "void *". */
CT_NOINST static bool grow(void *vp, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 64;
    void *v;
    memcpy(&v, vp, sizeof v);
    void *p = realloc(v, ncap * sz);
    if (!p)
        return false;
    memcpy(vp, &p, sizeof p);
    *cap = ncap;
    return true;
}

CT_NOINST static const char *attr_string(struct ct_dw *d, Dwarf_Attribute at)
{
    char *s = NULL;
    int res = dwarf_formstring(at, &s, &d->err);
    if (res == DW_DLV_ERROR)
        ct_dw_note_error(d);
    /* Points into the string section: valid until dwarf_finish(). */
    return res == DW_DLV_OK ? s : NULL;
}

CT_NOINST static const char *die_string(struct ct_dw *d, Dwarf_Die die, Dwarf_Half attrnum)
{
    Dwarf_Attribute at = NULL;
    int res = dwarf_attr(die, attrnum, &at, &d->err);
    if (res != DW_DLV_OK) {
        ct_dw_note_error(d);
        return NULL;
    }
    const char *s = attr_string(d, at);
    dwarf_dealloc_attribute(at);
    return s;
}

/* ---- file names ---------------------------------------------------------- */

/* Finds or adds the file-table entry of the CU whose DIE is at die_off. */
CT_INTERNAL size_t ct_dw_cu_entry(struct ct_dw *d, Dwarf_Off die_off)
{
    for (size_t i = d->nfiles; i-- > 0;)
        if (d->files[i].die_off == die_off)
            return i;
    if (!grow(&d->files, &d->capfiles, d->nfiles, sizeof *d->files))
        return SIZE_MAX;
    struct ct_dw_cu_files *f = &d->files[d->nfiles];
    memset(f, 0, sizeof *f);
    f->die_off = die_off;
    return d->nfiles++;
}

/* The version of the line table of cu_die (DW_AT_stmt_list), read from the
 * table's header; 0 when unknown. It is usually the CU's version, but not
 * always: GCC 11+ with an assembler that cannot write DWARF 5 line tables
 * pairs a version 5 CU with a version 3 line table. */
CT_NOINST static Dwarf_Half line_version(struct ct_dw *d, Dwarf_Die cu_die)
{
    Dwarf_Attribute at = NULL;
    if (!d->line_data || dwarf_attr(cu_die, DW_AT_stmt_list, &at, &d->err) != DW_DLV_OK) {
        ct_dw_note_error(d);
        return 0;
    }
    Dwarf_Half form = 0;
    Dwarf_Unsigned off = 0;
    bool ok = dwarf_whatform(at, &form, &d->err) == DW_DLV_OK && ct_dw_attr_offset(d, at, form, &off);
    ct_dw_note_error(d);
    dwarf_dealloc_attribute(at);
    if (!ok || off >= d->line_size || d->line_size - off < 14)
        return 0;
    uint32_t len32;
    uint16_t version;
    memcpy(&len32, d->line_data + off, 4);
    memcpy(&version, d->line_data + off + (len32 == 0xffffffffu ? 12 : 4), 2);
    return version;
}

CT_NOINST static void cu_load(struct ct_dw *d, struct ct_dw_cu_files *f, Dwarf_Die cu_die)
{
    f->loaded = true;
    f->version = line_version(d, cu_die);
    Dwarf_Half offset_size = 0;
    if (!f->version && dwarf_get_version_of_die(cu_die, &f->version, &offset_size) != DW_DLV_OK)
        return;
    char **src = NULL;
    Dwarf_Signed n = 0;
    int res = dwarf_srcfiles(cu_die, &src, &n, &d->err);
    if (res != DW_DLV_OK) {
        ct_dw_note_error(d);
        return;
    }
    f->src = src;
    f->nsrc = n;
    f->abs = ct_arena_alloc(d->ctx->arena, (size_t)n * sizeof *f->abs + 1);
    if (f->abs)
        memset(f->abs, 0, (size_t)n * sizeof *f->abs);
    const char *dir = die_string(d, cu_die, DW_AT_comp_dir);
    if (dir && dir[0])
        f->comp_dir = ct_arena_strndup(d->ctx->arena, dir, strlen(dir));
}

/* dir + "/" + name (name alone when absolute), with "//" and "/./" removed.
 * ".." is kept: resolving it lexically is wrong across symbolic links. */
CT_NOINST static const char *make_path(struct ct_dw *d, const char *dir, const char *name)
{
    size_t ld = (name[0] != '/' && dir) ? strlen(dir) : 0, ln = strlen(name);
    char *buf = malloc(ld + ln + 2);
    if (!buf)
        return NULL;
    size_t n = 0;
    if (ld) {
        memcpy(buf, dir, ld);
        n = ld;
        buf[n++] = '/';
    }
    memcpy(buf + n, name, ln + 1);
    size_t w = 0;
    for (size_t r = 0; buf[r];) {
        if (buf[r] == '/' && w > 0 && buf[w - 1] == '/') {
            r++;
            continue;
        }
        if (buf[r] == '.' && (w == 0 || buf[w - 1] == '/') && (buf[r + 1] == '/' || !buf[r + 1]) &&
            w > 0) {
            r += buf[r + 1] ? 2 : 1;
            continue;
        }
        buf[w++] = buf[r++];
    }
    if (w > 1 && buf[w - 1] == '/')
        w--;
    const char *s = ct_arena_strndup(d->ctx->arena, buf, w);
    free(buf);
    return s;
}

CT_NOINST static const char *file_path(struct ct_dw *d, size_t cu, Dwarf_Unsigned idx)
{
    struct ct_dw_cu_files *f = &d->files[cu];
    /* DW_AT_decl_file indexes the line table's file list, and the numbering
     * changed with DWARF 5: DWARF 2-4 count files from 1 (0 means "no
     * file"), DWARF 5 counts from 0 (entry 0 is the primary source file,
     * which GCC repeats as entry 1). dwarf_srcfiles() returns the list as
     * stored, so the array index is idx - 1 up to version 4 and idx from 5
     * on. The version that counts is the line table's (see line_version()).
     * GCC 12 emits version 5 by default, version 4 with -gdwarf-4; the unit
     * test checks both. */
    Dwarf_Unsigned i;
    if (f->version >= 5)
        i = idx;
    else if (idx == 0)
        return NULL;
    else
        i = idx - 1;
    if (!f->src || !f->abs || i >= (Dwarf_Unsigned)f->nsrc || !f->src[i])
        return NULL;
    if (!f->abs[i])
        f->abs[i] = make_path(d, f->comp_dir, f->src[i]);
    return f->abs[i];
}

/* The file-table entry of the CU holding die (at offset off), loaded. */
CT_NOINST static size_t cu_of(struct ct_dw *d, Dwarf_Die die, Dwarf_Off off)
{
    if (off >= d->cu_lo && off < d->cu_hi) {
        struct ct_dw_cu_files *f = &d->files[d->cu_index];
        if (!f->loaded)
            cu_load(d, f, d->cu_die);
        return d->cu_index;
    }
    /* A reference into another unit (DW_FORM_ref_addr: LTO, dwz). */
    Dwarf_Off cu_off = 0;
    if (dwarf_CU_dieoffset_given_die(die, &cu_off, &d->err) != DW_DLV_OK) {
        ct_dw_note_error(d);
        return SIZE_MAX;
    }
    size_t i = ct_dw_cu_entry(d, cu_off);
    if (i != SIZE_MAX && !d->files[i].loaded) {
        Dwarf_Die cu_die = NULL;
        int res = dwarf_offdie_b(d->dbg, cu_off, true, &cu_die, &d->err);
        if (res == DW_DLV_OK) {
            cu_load(d, &d->files[i], cu_die);
            dwarf_dealloc_die(cu_die);
        } else {
            ct_dw_note_error(d);
            d->files[i].loaded = true;
        }
    }
    return i;
}

/* ---- names --------------------------------------------------------------- */

/* An unsigned constant. DWARF 5's DW_FORM_implicit_const (the value stored
 * in the abbreviation; GCC uses it for decl_file and decl_line shared by many
 * DIEs) is refused by this libdwarf's dwarf_formudata() and must be read
 * with dwarf_formsdata(). */
CT_NOINST static bool attr_udata(struct ct_dw *d, Dwarf_Attribute at, Dwarf_Unsigned *out)
{
    Dwarf_Half form = 0;
    if (dwarf_whatform(at, &form, &d->err) != DW_DLV_OK) {
        ct_dw_note_error(d);
        return false;
    }
    if (form == DW_FORM_implicit_const) {
        Dwarf_Signed v = 0;
        int res = dwarf_formsdata(at, &v, &d->err);
        ct_dw_note_error(d);
        if (res != DW_DLV_OK || v < 0)
            return false;
        *out = (Dwarf_Unsigned)v;
        return true;
    }
    int res = dwarf_formudata(at, out, &d->err);
    ct_dw_note_error(d);
    return res == DW_DLV_OK;
}

struct dieinfo {
    const char *name, *linkage;
    Dwarf_Unsigned file, line;
    bool has_file, has_line, has_ref;
    Dwarf_Off ref;
};

CT_NOINST static void read_info(struct ct_dw *d, Dwarf_Die die, struct dieinfo *o)
{
    memset(o, 0, sizeof *o);
    Dwarf_Attribute *list = NULL;
    Dwarf_Signed n = 0;
    if (dwarf_attrlist(die, &list, &n, &d->err) != DW_DLV_OK) {
        ct_dw_note_error(d);
        return;
    }
    for (Dwarf_Signed i = 0; i < n; i++) {
        Dwarf_Half an = 0;
        Dwarf_Off off = 0;
        if (dwarf_whatattr(list[i], &an, &d->err) != DW_DLV_OK) {
            ct_dw_note_error(d);
            an = 0;
        }
        switch (an) {
        case DW_AT_name:
            o->name = attr_string(d, list[i]);
            break;
        case DW_AT_linkage_name:
        case DW_AT_MIPS_linkage_name:
            o->linkage = attr_string(d, list[i]);
            break;
        case DW_AT_decl_file:
            o->has_file = attr_udata(d, list[i], &o->file);
            break;
        case DW_AT_decl_line:
            o->has_line = attr_udata(d, list[i], &o->line);
            break;
        case DW_AT_specification:
        case DW_AT_abstract_origin:
            if (dwarf_global_formref(list[i], &off, &d->err) == DW_DLV_OK) {
                o->ref = off;
                o->has_ref = true;
            }
            ct_dw_note_error(d);
            break;
        default:
            break;
        }
        dwarf_dealloc_attribute(list[i]);
    }
    dwarf_dealloc(d->dbg, list, DW_DLA_LIST);
}

/* scope + "::" + name into the arena (name alone for an empty scope). */
CT_NOINST static const char *qualify(struct ct_dw *d, const char *scope, size_t ls, const char *name)
{
    size_t ln = strlen(name);
    if (!ls)
        return ct_arena_strndup(d->ctx->arena, name, ln);
    char *s = ct_arena_alloc(d->ctx->arena, ls + 2 + ln + 1);
    if (!s)
        return NULL;
    memcpy(s, scope, ls);
    memcpy(s + ls, "::", 2);
    memcpy(s + ls + 2, name, ln + 1);
    return s;
}

/* Fills sym's name, file and line from die and the DIEs it refers to. */
CT_INTERNAL void ct_dw_name_function(struct ct_dw *d, Dwarf_Die die, Dwarf_Off off, struct ct_symbol *sym)
{
    const char *name = NULL, *linkage = NULL;
    Dwarf_Unsigned file = 0, line = 0;
    bool has_file = false, has_line = false, followed = false;
    size_t file_cu = SIZE_MAX;
    Dwarf_Die cur = die, owned = NULL;
    Dwarf_Off cur_off = off;

    for (unsigned hop = 0;; hop++) {
        struct dieinfo di;
        read_info(d, cur, &di);
        if (!name)
            name = di.name;
        if (!linkage)
            linkage = di.linkage;
        if (!has_line && di.has_line) {
            line = di.line;
            has_line = true;
        }
        if (!has_file && di.has_file) {
            file = di.file;
            has_file = true;
            file_cu = cu_of(d, cur, cur_off);
        }
        if (!di.has_ref || hop + 1 >= MAX_HOPS)
            break;
        /* Without a demangler the chain's end gives the scope: keep going. */
        if (name && linkage && has_file && has_line && ct_can_demangle(d->ctx))
            break;
        Dwarf_Die next = NULL;
        if (dwarf_offdie_b(d->dbg, di.ref, true, &next, &d->err) != DW_DLV_OK) {
            ct_dw_note_error(d);
            break;
        }
        if (owned)
            dwarf_dealloc_die(owned);
        cur = owned = next;
        cur_off = di.ref;
        followed = true;
    }
    if (owned)
        dwarf_dealloc_die(owned);
    if ((!has_file || !has_line) && d->scope_die) {
        /* A lambda's operator() says nowhere where it is; its closure type,
         * which holds it, does: the lambda expression. */
        struct dieinfo di;
        read_info(d, d->scope_die, &di);
        if (!has_file && di.has_file) {
            file = di.file;
            has_file = true;
            file_cu = cu_of(d, d->scope_die, d->cu_lo);
        }
        if (!has_line && di.has_line) {
            line = di.line;
            has_line = true;
        }
    }

    sym->file = (has_file && file_cu != SIZE_MAX) ? file_path(d, file_cu, file) : NULL;
    sym->line = has_line ? (unsigned)line : 0;

    const char *dem = linkage ? ct_demangle(d->ctx, linkage) : NULL;
    if (dem) {
        sym->name = dem;
    } else if (name) {
        sym->name = qualify(d, d->scope, d->scope_len, name);
        if (sym->name && !linkage && d->cu_is_cxx && strcmp(name, "main") != 0 && ct_can_demangle(d->ctx) &&
            grow(&d->unmangled->v, &d->unmangled->cap, d->unmangled->n, sizeof *d->unmangled->v))
            d->unmangled->v[d->unmangled->n++] = sym;
        /* A definition outside its class: qualify it from its declaration
         * once every declaration has been seen. */
        if (followed && sym->name &&
            grow(&d->pend, &d->cappend, d->npend, sizeof *d->pend))
            d->pend[d->npend++] = (struct ct_dw_pending){sym, cur_off, qualify(d, "", 0, name)};
    } else if (linkage) {
        sym->name = ct_arena_strndup(d->ctx->arena, linkage, strlen(linkage));
    }
    if (!sym->name)
        sym->name = ct_hexname(d->ctx->arena, sym->entry);
}

CT_INTERNAL void ct_dw_record_decl(struct ct_dw *d, Dwarf_Die die)
{
    Dwarf_Off off = 0;
    if (dwarf_dieoffset(die, &off, &d->err) != DW_DLV_OK) {
        ct_dw_note_error(d);
        return;
    }
    if (!d->last_scope || strcmp(d->last_scope, d->scope) != 0)
        d->last_scope = ct_arena_strndup(d->ctx->arena, d->scope, d->scope_len);
    if (d->last_scope && grow(&d->decls, &d->capdecls, d->ndecls, sizeof *d->decls))
        d->decls[d->ndecls++] = (struct ct_dw_decl){off, d->last_scope};
}

/* ---- scopes ------------------------------------------------------------- */

CT_INTERNAL void ct_dw_push_scope(struct ct_dw *d, Dwarf_Die die, Dwarf_Half tag)
{
    const char *name = die_string(d, die, DW_AT_name);
    if (!name && tag == DW_TAG_namespace)
        name = "(anonymous namespace)";
    if (!name)
        return; /* unnamed aggregate: adds nothing to the qualified name */
    size_t ln = strlen(name), need = d->scope_len + 2 + ln + 1;
    if (need > d->scope_cap) {
        size_t cap = need * 2;
        char *p = realloc(d->scope, cap);
        if (!p)
            return;
        d->scope = p;
        d->scope_cap = cap;
    }
    if (d->scope_len) {
        memcpy(d->scope + d->scope_len, "::", 2);
        d->scope_len += 2;
    }
    memcpy(d->scope + d->scope_len, name, ln + 1);
    d->scope_len += ln;
}

CT_NOINST static int cmp_decl(const void *a, const void *b)
{
    Dwarf_Off x = ((const struct ct_dw_decl *)a)->off, y = ((const struct ct_dw_decl *)b)->off;
    return (x > y) - (x < y);
}

/* Qualifies out-of-class definitions from the scope of their declaration. */
CT_INTERNAL void ct_dw_resolve_pending(struct ct_dw *d)
{
    if (!d->npend || !d->ndecls)
        return;
    qsort(d->decls, d->ndecls, sizeof *d->decls, cmp_decl);
    for (size_t i = 0; i < d->npend; i++) {
        struct ct_dw_decl key = {d->pend[i].target, NULL};
        const struct ct_dw_decl *hit = bsearch(&key, d->decls, d->ndecls, sizeof *d->decls, cmp_decl);
        if (hit && d->pend[i].name) {
            const char *q = qualify(d, hit->scope, strlen(hit->scope), d->pend[i].name);
            if (q)
                d->pend[i].sym->name = q;
        }
    }
}

/* ---- libdwarf 20210528 guard --------------------------------------------- */

/* libdwarf 20210528 reads every .debug_rnglists and .debug_loclists header on
 * the first dwarf_next_cu_header_d(), and on a malformed header its error
 * path frees the list it is building and then keeps using it (use after free,
 * double free: found by fuzzing this reader; fixed in later libdwarf). So we
 * check those headers ourselves first, at least as strictly as libdwarf does,
 * and do not hand a file that fails to libdwarf at all. */
CT_NOINST static bool list_headers_ok(const unsigned char *p, size_t size)
{
    size_t off = 0;
    while (off < size) {
        if (size - off < 4)
            return false;
        uint32_t len32;
        memcpy(&len32, p + off, 4);
        uint64_t len;
        size_t hdr;
        if (len32 == 0xffffffffu) {
            if (size - off < 12)
                return false;
            memcpy(&len, p + off + 4, 8);
            hdr = 12;
        } else if (len32 == 0 || len32 >= 0xfffffff0u) {
            return false; /* reserved, or IRIX's 64-bit convention */
        } else {
            len = len32;
            hdr = 4;
        }
        /* version (2), address_size (1), segment_selector_size (1),
         * offset_entry_count (4) */
        if (len < 8 || len > size - off - hdr)
            return false;
        uint16_t version;
        memcpy(&version, p + off + hdr, 2);
        unsigned addr_size = p[off + hdr + 2];
        if (version != 5 || (addr_size != 2 && addr_size != 4 && addr_size != 8))
            return false;
        off += hdr + (size_t)len;
    }
    return true;
}

/* Opens the ELF file for the checks above, and keeps .debug_line at hand
 * (see line_version()). Returns NULL when libdwarf must not see the file. */
CT_NOINST static Elf *ct_dw_elf_precheck(struct ct_dw *d, int fd)
{
    if (elf_version(EV_CURRENT) == EV_NONE)
        return NULL;
    Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    if (!e)
        return NULL;
    bool ok = elf_kind(e) == ELF_K_ELF;
    size_t shstrndx = 0;
    if (ok && elf_getshdrstrndx(e, &shstrndx) != 0)
        ok = false;
    Elf_Scn *scn = NULL;
    while (ok && (scn = elf_nextscn(e, scn)) != NULL) {
        GElf_Shdr sh;
        /* A section libelf cannot name (a section-name table that is not
         * SHT_STRTAB, an offset past it) libdwarf's own ELF reader still
         * may: it would go unchecked. (Found by tests/fuzz/fuzz_dwarf.) */
        const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(e, shstrndx, sh.sh_name) : NULL;
        if (!name) {
            ok = false;
            break;
        }
        if (sh.sh_type == SHT_NOBITS)
            continue;
        bool z = strncmp(name, ".zdebug_", 8) == 0;
        const char *base = z ? name + 8 : strncmp(name, ".debug_", 7) == 0 ? name + 7 : NULL;
        if (!base)
            continue;
        bool lists = strcmp(base, "rnglists") == 0 || strcmp(base, "loclists") == 0;
        bool line = strcmp(base, "line") == 0;
        if (!lists && !line)
            continue;
        /* Look at what libdwarf will look at: the uncompressed bytes. */
        if ((z && elf_compress_gnu(scn, 0, 0) < 0) ||
            (!z && (sh.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)) {
            ok = !lists;
            continue;
        }
        /* The file's bytes when not compressed: elf_getdata() converts by
         * sh_type, and refuses a type it cannot convert (SHT_HASH with an
         * odd size), which libdwarf does not care about. (Found by
         * tests/fuzz/fuzz_dwarf.) */
        bool decompressed = z || (sh.sh_flags & SHF_COMPRESSED);
        Elf_Data *data = decompressed ? elf_getdata(scn, NULL) : elf_rawdata(scn, NULL);
        if (!data && lists) {
            ok = false; /* bytes libdwarf would read unchecked */
            continue;
        }
        if (!data || !data->d_buf || !data->d_size)
            continue;
        if (lists) {
            ok = list_headers_ok(data->d_buf, data->d_size);
        } else {
            d->line_data = data->d_buf;
            d->line_size = data->d_size;
        }
    }
    if (!ok) {
        elf_end(e);
        return NULL;
    }
    return e;
}

CT_INTERNAL Elf *ct_dw_open(const char *path, struct ct_dw *d, int *fd)
{
    memset(d, 0, sizeof(*d));
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return NULL;
    Elf *elf = ct_dw_elf_precheck(d, *fd);
    if (!elf) {
        ct_debug("%s: not ELF, or malformed range/location lists: DWARF not read", path);
        close(*fd);
        *fd = -1;
    }
    return elf;
}
