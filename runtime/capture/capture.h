/* capture.h — argument and return-value capture (CALLTRACE_CAPTURE_ARGS).
 * Internal.
 *
 * At init, capture_dwarf.c reads the executable's DWARF once and builds a
 * descriptor per function: its parameters (name, type, DWARF location as it
 * stands at the enter hook's call instruction, as a debugger stopped there
 * reads it), its return type, and the CFA rule there (from .eh_frame). The
 * descriptors are immutable afterwards; the hot path (capture.c) finds one
 * by a hash of the function's address, evaluates each location against the
 * registers as they were at the call (hooks_entry.S saves them all) and
 * the stack, and appends the raw bytes to the
 * event stream after the enter record. A return trampoline records the
 * return registers the same way after the exit record. Output
 * (views/fmt_values.c) turns the bytes into JSON with the same descriptors.
 *
 * Recorded layout of one value (arguments: one per parameter in order;
 * return value: the function's address, then one value):
 *   u8 status            CT_VAL_*
 *   if CT_VAL_OK: min(size, CT_VAL_BYTES) bytes of the value, then
 *     char * / const char *   u8 status, u16 length, the bytes (string)
 *     reference               u8 status, the referred value's bytes
 *                             (and a string for a std::string &)
 *     std::string             the string (as for char *)
 * A signature of the descriptor (parameter kinds and sizes) goes with the
 * record, so that a reader with different DWARF never misreads bytes. */
#ifndef CT_CAPTURE_H
#define CT_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/ct.h"
#include "stream/event.h"

enum ct_tkind {
    CT_T_UNKNOWN = 0, /* not shown beyond its type name */
    CT_T_SINT,
    CT_T_UINT,
    CT_T_BOOL,
    CT_T_CHAR,   /* plain char: shown as a character */
    CT_T_FLOAT,  /* float, double, long double by size */
    CT_T_ENUM,
    CT_T_PTR,
    CT_T_CSTR,   /* char *, const char *: the string */
    CT_T_FNPTR,  /* pointer to function: address and symbol */
    CT_T_STRUCT, /* struct or class */
    CT_T_UNION,
    CT_T_ARRAY,
    CT_T_REF,    /* C++ & and && */
    CT_T_STDSTR, /* std::string (libstdc++'s) */
};

struct ct_type;
struct ct_member {
    const char *name;
    uint32_t off;
    uint16_t bit_off, bit_size; /* bit_size 0: not a bit-field */
    const struct ct_type *type;
};
struct ct_enumer {
    const char *name;
    int64_t value;
};
struct ct_type {
    uint8_t kind;
    bool is_signed;               /* enums: the underlying type's sign */
    uint32_t size;
    const char *name;             /* as written: "const char *", "struct point" */
    const struct ct_type *target; /* pointee, referent, element */
    uint32_t count;               /* array elements */
    uint32_t n;                   /* members or enumerators */
    struct ct_member *members;
    struct ct_enumer *enums;
};

/* A DWARF expression decoded by libdwarf: atom and operands. */
struct ct_op {
    uint8_t atom;
    uint64_t a, b;
};
#define CT_LOC_OPS 24
struct ct_loc {
    uint8_t n; /* 0: no location here (optimized out) */
    struct ct_op ops[CT_LOC_OPS];
};

struct ct_param {
    const char *name;
    const struct ct_type *type;
    struct ct_loc loc;
};

/* How the enter hook reads one parameter, decided at load from its
 * location (capture_loc.c) so that the usual cases need no expression
 * interpreter: a stack slot or a callee-saved register. */
enum ct_how {
    CT_HOW_OUT,  /* optimized out, or a type not shown: the status alone */
    CT_HOW_MEM,  /* size bytes at reg[reg] + off, size <= 8 */
    CT_HOW_REG,  /* the low size bytes of reg[reg], size <= 8 */
    CT_HOW_EXPR, /* anything else: evaluate loc */
    CT_HOW_BLOCK, /* as MEM, more than 8 bytes (a struct passed on the stack) */
};
struct ct_plan {
    uint8_t how, reg;
    uint16_t size;
    bool extra; /* a string or referent follows the value (capture.h) */
    int32_t off;
};

enum ct_fb { CT_FB_NONE, CT_FB_CFA, CT_FB_REG };
#define CT_SMALL_ARGS 32u /* the most bytes of arguments recorded without the general path */

struct ct_fdesc {
    uint64_t fn;                 /* runtime entry address */
    uint64_t hook_pc;            /* runtime return address of the enter hook call; 0: unknown */
    int cfa_reg;                 /* CFA = reg + cfa_off at hook_pc; -1: unknown */
    int64_t cfa_off;
    uint8_t fb, fb_reg;          /* DW_AT_frame_base */
    uint16_t nparams;
    const struct ct_param *params;
    const struct ct_plan *plan;  /* per parameter (live tables only, else NULL) */
    const struct ct_type *ret;   /* NULL: void */
    uint8_t ret_class[2];        /* per eightbyte: CT_RC_* */
    uint8_t ret_small;           /* 1..8: a scalar returned whole in rax or xmm0, this many bytes */
    bool needs_cs;               /* some parameter may come from the caller's call-site constants */
    uint32_t vregs;              /* the registers (DWARF numbers) the direct plans read */
    uint8_t small_len;           /* 1..CT_SMALL_ARGS: every parameter is read directly (MEM, REG
                                  * or OUT, no string) and the values take this many bytes */
    bool ret_at_exit;            /* the exit hook takes the return value (or there is none, and
                                  * no exception can pass): no return trampoline */
    uint32_t sig;                /* 24 bits */
    uint64_t die, origin;        /* DIE offsets: the definition, its declaration or abstract instance */
};
enum { CT_RC_NONE, CT_RC_INT, CT_RC_SSE, CT_RC_MEM };

/* Value status bytes. */
enum { CT_VAL_OK = 0, CT_VAL_OUT = 1, CT_VAL_UNREADABLE = 2, CT_VAL_NULL = 3,
       CT_VAL_TRUNCATED = 4, CT_VAL_UNWOUND = CT_RETVAL_UNWOUND };
#define CT_VAL_BYTES 256u  /* the most bytes of one value recorded */
#define CT_STR_BYTES 256u  /* the most bytes of one string recorded */

/* A call site whose argument registers the caller's DWARF gives as
 * constants (DW_TAG_call_site_parameter, DW_AT_call_value): what a parameter
 * described only by its entry value was at that call. */
#define CT_CS_PARAMS 6
struct ct_csite {
    uint64_t ret_pc; /* runtime return address of the call */
    uint64_t callee; /* DIE offset of the function called (DW_AT_call_origin) */
    uint8_t n;
    uint8_t reg[CT_CS_PARAMS];
    uint64_t val[CT_CS_PARAMS];
};
/* A parameter located as DW_OP_entry_value(DW_OP_regN), DW_OP_stack_value is
 * kept as one operation of this atom, a = N. */
#define CT_OP_ENTRY_REG 0xa3

/* Where a small return value is while the exit hook runs (capture_ret.c):
 * VAL, the value reg[a] + reg[b] * scale + off; MEM, the bytes at that
 * address (a, b: DWARF register numbers as in struct ct_cregs, 0xff for
 * none). */
enum { CT_RP_VAL = 1, CT_RP_MEM = 2 };
#define CT_RP_NONE 0xff
struct ct_rplan {
    uint8_t kind, a, b, scale;
    int64_t off;
};
/* An exit hook call whose function's return value is read there: no return
 * trampoline needed. */
struct ct_xsite {
    uint64_t ret_pc; /* runtime return address of the exit hook call */
    const struct ct_fdesc *d;
    struct ct_rplan plan;
};
/* Decodes the code of a function, code[0, hi - lo) mapped at lo, from pc (the
 * return address of an exit hook call) to its `ret`: where a return value of
 * size bytes (in xmm0 when sse, else rax) is in terms of the registers at the
 * hook call (size 0: only that the code reaches `ret`). A value loaded from
 * memory is accepted from the frame (rsp-based, or rbp-based when rbp_frame:
 * the function keeps its frame pointer there) or from a fixed address (the
 * caller checks it is read-only). False when the code does anything not
 * modelled exactly. */
CT_INTERNAL bool ct_ret_decode(const uint8_t *code, uint64_t lo, uint64_t hi, uint64_t pc,
                               unsigned size, bool sse, bool rbp_frame, struct ct_rplan *out);

/* The enter hook call of an inlined instance (capture_inline.c): the
 * runtime return address of the call, and the instance's descriptor (fn:
 * its out-of-line copy, which the hook is given). */
struct ct_isite {
    uint64_t hook_pc;
    const struct ct_fdesc *d;
};

/* clang -O0: the DWARF slot `to` of a parameter (rbp-based) gets the value
 * stored before the enter hook call in slot `from`, size bytes
 * (arch/x86_64/capture_spill.c). */
struct ct_spill {
    int32_t to, from;
    uint8_t size;
};
#define CT_SPILLS 32
/* Simulates the code of a function, code[0, hi - lo) mapped at lo, from pc
 * (the return address of its enter hook call) while it only loads from and
 * stores to rbp-based slots: the pairs, at most max. */
CT_INTERNAL size_t ct_spill_decode(const uint8_t *code, uint64_t lo, uint64_t hi, uint64_t pc,
                                   struct ct_spill *out, size_t max);

/* Records whose first field is their uint64_t key (a function's address, a
 * call's return address), found by that key: open addressing, built once,
 * read-only afterwards. */
struct ct_keyed {
    const void **slots;
    size_t nslots, n;
};

/* The descriptors of one executable. */
struct ct_ftab {
    struct ct_keyed fns;   /* struct ct_fdesc by fn */
    struct ct_keyed sites; /* struct ct_csite by ret_pc */
    struct ct_keyed exits; /* struct ct_xsite by ret_pc */
    struct ct_keyed inl;   /* struct ct_isite by hook_pc */
    void *arena;
};

CT_INTERNAL const struct ct_fdesc *ct_ftab_find(const struct ct_ftab *tab, uint64_t fn);
CT_INTERNAL const struct ct_csite *ct_ftab_callsite(const struct ct_ftab *tab, uint64_t ret_pc);
CT_INTERNAL const struct ct_xsite *ct_ftab_exit(const struct ct_ftab *tab, uint64_t ret_pc);
/* The descriptor of the inlined instance whose enter hook call returns to
 * hook_pc, if its function is fn; else NULL. */
CT_INTERNAL const struct ct_fdesc *ct_ftab_inline(const struct ct_ftab *tab, uint64_t hook_pc, uint64_t fn);
/* This process's hooks, for a live table: the runtime addresses of the
 * enter and exit hooks (__cyg_profile_func_enter/exit: ct_capture_init()
 * finds them). The table finds each function's calls to them. */
struct ct_hook_pcs {
    uint64_t enter, exit;
};
/* Reads the DWARF of the ELF file at path, loaded at bias. live: this
 * process's executable and its hooks (hook call sites, CFA rules and
 * call-site constants are looked up too); NULL for another process's
 * executable (output, calltrace-convert). Returns the number of functions
 * described, or -1. */
CT_INTERNAL long ct_ftab_load(struct ct_ftab *tab, const char *path, uint64_t bias,
                              const struct ct_hook_pcs *live);
CT_INTERNAL void ct_ftab_free(struct ct_ftab *tab);

/* Recording. This process's table and whether return values are recorded
 * (capture_init.c). */
/* Hidden: the hooks reach them without going through the GOT. */
extern struct ct_ftab ct_capture_tab __attribute__((visibility("hidden")));
extern bool ct_capture_retval __attribute__((visibility("hidden")));
/* Nonzero once the table is built: the enter hook saves every register
 * (arch/x86_64/hooks_entry.S reads it). */
extern uint8_t ct_args_regs __attribute__((visibility("hidden")));
/* At init with CALLTRACE_CAPTURE_ARGS, before the thread registry's own key:
 * the per-thread shadow stack's key (its destructor must run first)
 * (capture.c). */
CT_INTERNAL void ct_capture_early(void);
/* At init with CALLTRACE_CAPTURE_ARGS: builds the table of this executable
 * (capture_init.c). 0, or -1 (then recording goes on without values). */
CT_INTERNAL int ct_capture_init(void);
/* For the SIGSEGV/SIGBUS handler: a fault inside a probe resumes at
 * ct_probe_fault. True when it was one (capture_read.c). */
CT_INTERNAL bool ct_probe_recover(void *ucontext);
/* Set by core once that handler is installed, with its address: the probes
 * run only while it is still the handler of SIGSEGV and SIGBUS (else the
 * kernel copies, process_vm_readv). */
extern bool ct_probe_armed __attribute__((visibility("hidden")));
extern uintptr_t ct_probe_handler __attribute__((visibility("hidden")));

/* Values as JSON: views/values.h, with these descriptors. */

/* The argument-capturing hook set (arch/x86_64/capture_entry.S), for
 * core's table. */
CT_INTERNAL void ct_args_enter(void *fn, void *site, uint64_t gate, uint64_t sp);
CT_INTERNAL void ct_args_exit(void *fn, void *site, uint64_t gate, uint64_t sp);

#endif
