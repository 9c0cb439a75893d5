/* dwarf_open.c — opening an ELF file for the DWARF walker (dwarf_walk.h):
 * libelf first, to keep from libdwarf 20210528 what is known to crash it,
 * then libdwarf, told to report errors rather than abort. */
#include <fcntl.h>
#include <gelf.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "symbols/dwarf.h"
#include "symbols/dwarf_walk.h"

#define DWARF32_ESCAPE 0xffffffffu     /* unit length: a 64-bit length follows */
#define DWARF32_RESERVED 0xfffffff0u   /* unit lengths from here up are reserved */
#define LIST_HEADER_REST 8u            /* version 2, address_size 1, segment_selector_size 1,
                                        * offset_entry_count 4 */
#define LIST_VERSION 5u                /* .debug_rnglists / .debug_loclists */

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
        if (len32 == DWARF32_ESCAPE) {
            if (size - off < 12)
                return false;
            memcpy(&len, p + off + 4, 8);
            hdr = 12;
        } else if (len32 == 0 || len32 >= DWARF32_RESERVED) {
            return false; /* reserved, or IRIX's 64-bit convention */
        } else {
            len = len32;
            hdr = 4;
        }
        if (len < LIST_HEADER_REST || len > size - off - hdr)
            return false;
        uint16_t version;
        memcpy(&version, p + off + hdr, 2);
        unsigned addr_size = p[off + hdr + 2];
        if (version != LIST_VERSION || (addr_size != 2 && addr_size != 4 && addr_size != 8))
            return false;
        off += hdr + (size_t)len;
    }
    return true;
}

/* One section of the checks below: false when libdwarf must not see the
 * file. Keeps .debug_line in w. */
CT_NOINST static bool section_ok(struct ct_dwalk *w, Elf_Scn *scn, const GElf_Shdr *sh, const char *name)
{
    if (sh->sh_type == SHT_NOBITS)
        return true;
    bool z = strncmp(name, ".zdebug_", 8) == 0;
    const char *base = z ? name + 8 : strncmp(name, ".debug_", 7) == 0 ? name + 7 : NULL;
    if (!base)
        return true;
    bool lists = strcmp(base, "rnglists") == 0 || strcmp(base, "loclists") == 0;
    if (!lists && strcmp(base, "line") != 0)
        return true;
    /* Look at what libdwarf will look at: the uncompressed bytes. */
    if ((z && elf_compress_gnu(scn, 0, 0) < 0) ||
        (!z && (sh->sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0))
        return !lists;
    /* The file's bytes when not compressed: elf_getdata() converts by
     * sh_type, and refuses a type it cannot convert (SHT_HASH with an odd
     * size), which libdwarf does not care about. (Found by
     * tests/fuzz/fuzz_dwarf.) */
    bool decompressed = z || (sh->sh_flags & SHF_COMPRESSED);
    Elf_Data *data = decompressed ? elf_getdata(scn, NULL) : elf_rawdata(scn, NULL);
    if (!data && lists)
        return false; /* bytes libdwarf would read unchecked */
    if (!data || !data->d_buf || !data->d_size)
        return true;
    if (lists)
        return list_headers_ok(data->d_buf, data->d_size);
    w->line_data = data->d_buf;
    w->line_size = data->d_size;
    return true;
}

/* The ELF file for the checks above, or NULL when libdwarf must not see it. */
CT_NOINST static Elf *elf_precheck(struct ct_dwalk *w, int fd)
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
        ok = name && section_ok(w, scn, &sh, name);
    }
    if (!ok) {
        elf_end(e);
        return NULL;
    }
    return e;
}

CT_INTERNAL int ct_dwalk_open(struct ct_dwalk *w, const char *path)
{
    memset(w, 0, sizeof(*w));
    w->fd = ct_open_object(path);
    if (w->fd < 0)
        return -1;
    w->elf = elf_precheck(w, w->fd);
    if (!w->elf) {
        ct_debug("%s: not ELF, or malformed range/location lists: DWARF not read", path);
        close(w->fd);
        return -1;
    }
    /* No error handler and a non-NULL Dwarf_Error*: libdwarf reports every
     * failure by DW_DLV_ERROR instead of calling abort(). */
    int res = dwarf_init_b(w->fd, DW_DLC_READ, DW_GROUPNUMBER_ANY, NULL, NULL, &w->dbg, &w->err);
    if (res != DW_DLV_OK) {
        if (res == DW_DLV_ERROR) {
            ct_debug("%s: no usable DWARF: %s", path, dwarf_errmsg(w->err));
            dwarf_dealloc(NULL, w->err, DW_DLA_ERROR);
        }
        elf_end(w->elf);
        close(w->fd);
        memset(w, 0, sizeof(*w));
        return -1;
    }
    return 0;
}

CT_INTERNAL void ct_dwalk_close(struct ct_dwalk *w)
{
    w->err = NULL;
    if (dwarf_finish(w->dbg, &w->err) != DW_DLV_OK && w->err)
        dwarf_dealloc(NULL, w->err, DW_DLA_ERROR);
    elf_end(w->elf);
    close(w->fd);
    w->dbg = NULL;
    w->err = NULL;
    w->elf = NULL;
    w->fd = -1;
}
