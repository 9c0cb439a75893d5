/* hooks_entry.S — the two symbols instrumented code calls.
 *
 * They are assembly so that the contract with the hook sets is exact rather
 * than whatever the compiler makes of a C function: when the gate says
 * stopped, one load and a return; otherwise a tail jump through
 * ct_hook_table (hooks.c) with
 *     rdi = fn, rsi = call site, rdx = gate, rcx = the instrumented
 *     function's stack pointer at the hook call (rsp + 8 here),
 * and every callee-saved register (rbx, rbp, r12-r15) still holding the
 * instrumented function's values: the argument-capturing hook set
 * (capture_entry.S) reads them there.
 *
 * With argument capture on (ct_args_regs, set once by capture before the
 * gate names its hook set), the enter hook first takes ct_enter_regs: it
 * saves every register as the instrumented function left it at the call,
 * the caller-saved ones too (a parameter may still be in rdx or xmm0 there),
 * before anything here clobbers one. Off, that is one compare of a byte and
 * a branch not taken. */
        .text

/* struct ct_cregs (capture_priv.h): 32 registers in DWARF numbering, then
 * the mask of those that hold the function's values. */
#define CT_CREGS_SIZE   264             /* 8 (mod 16): the frame is aligned for a call */
#define CT_CREGS_VALID  256
#define CT_VALID_ALL    0x01feffff      /* rax..r15 (0-15), xmm0-xmm7 (17-24) */
#define CT_GATE_ARGS    7               /* CT_HOOK_REC_ARGS (record/hooks.h) */

/* One hook: `slot` is the offset of the hook set's function in its
 * ct_hook_table entry (0 enter, 8 exit); `regs` 1: the enter hook. */
        .macro  CT_HOOK name, slot, regs
        .globl  \name
        .type   \name, @function
        .p2align 4
\name:
        .cfi_startproc
        endbr64
        .if \regs
        cmpb    $0, ct_args_regs(%rip)
        jne     ct_enter_regs
        .endif
        movq    ct_gate(%rip), %rdx
        movl    %edx, %eax
        andl    $7, %eax
        jne     1f
        ret                             /* stopped: the cheapest case */
1:
        .if \regs
ct_enter_dispatch:                      /* ct_enter_regs, for another hook set */
        .endif
        leaq    8(%rsp), %rcx
        leaq    ct_hook_table(%rip), %r8
        shll    $4, %eax
        jmp     *\slot(%r8,%rax)
        .cfi_endproc
        .size   \name, .-\name
        .endm

        CT_HOOK __cyg_profile_func_enter, 0, 1
        CT_HOOK __cyg_profile_func_exit, 8, 0

/* The enter hook with argument capture on: rsp points at the return
 * address, rdi = fn and rsi = call site (as the function set them for the
 * call), every other register as at the call instruction. Saves them all
 * into a struct ct_cregs on the stack; with the argument-capturing set in
 * the gate, calls ct_args_enter_c(fn, site, gate, sp, regs), else goes on
 * as the plain hook would. */
        .p2align 4
        .type   ct_enter_regs, @function
ct_enter_regs:
        .cfi_startproc
        testb   $7, ct_gate(%rip)
        jne     1f
        ret                             /* stopped: nothing saved */
1:      subq    $CT_CREGS_SIZE, %rsp
        .cfi_adjust_cfa_offset CT_CREGS_SIZE
        movq    %rax, 0(%rsp)
        movq    %rdx, 8(%rsp)
        movq    %rcx, 16(%rsp)
        movq    %rbx, 24(%rsp)
        movq    %rsi, 32(%rsp)
        movq    %rdi, 40(%rsp)
        movq    %rbp, 48(%rsp)
        leaq    CT_CREGS_SIZE+8(%rsp), %rcx /* the function's rsp */
        movq    %rcx, 56(%rsp)
        movq    %r8, 64(%rsp)
        movq    %r9, 72(%rsp)
        movq    %r10, 80(%rsp)
        movq    %r11, 88(%rsp)
        movq    %r12, 96(%rsp)
        movq    %r13, 104(%rsp)
        movq    %r14, 112(%rsp)
        movq    %r15, 120(%rsp)
        movq    %xmm0, 136(%rsp)        /* DWARF 17-24: the low eightbytes */
        movq    %xmm1, 144(%rsp)
        movq    %xmm2, 152(%rsp)
        movq    %xmm3, 160(%rsp)
        movq    %xmm4, 168(%rsp)
        movq    %xmm5, 176(%rsp)
        movq    %xmm6, 184(%rsp)
        movq    %xmm7, 192(%rsp)
        movq    $CT_VALID_ALL, CT_CREGS_VALID(%rsp)
        movq    ct_gate(%rip), %rdx
        movl    %edx, %eax
        andl    $7, %eax
        cmpl    $CT_GATE_ARGS, %eax
        jne     2f
        movq    %rsp, %r8               /* rcx: sp, as above */
        call    ct_args_enter_c
        addq    $CT_CREGS_SIZE, %rsp
        .cfi_adjust_cfa_offset -CT_CREGS_SIZE
        ret
2:      .cfi_adjust_cfa_offset CT_CREGS_SIZE
        addq    $CT_CREGS_SIZE, %rsp
        .cfi_adjust_cfa_offset -CT_CREGS_SIZE
        testl   %eax, %eax
        jne     ct_enter_dispatch
        ret
        .cfi_endproc
        .size   ct_enter_regs, .-ct_enter_regs

        .section .note.GNU-stack,"",@progbits
