/* capture_entry.S — what argument and return-value capture needs below C.
 *
 * ct_args_enter     the enter and exit hooks of the capturing hook set, as
 * ct_args_exit      the hook table reaches them: save the instrumented
 *                   function's registers the hook entry left intact (the
 *                   callee-saved ones, where the compiler keeps a return
 *                   value across the exit hook, among them) and call
 *                   ct_args_enter_c / ct_args_exit_c. With capture on, the
 *                   enter hook saves every register itself (hooks_entry.S).
 * The return trampoline is in ret_tramp.S, the fault-safe reads the values
 * take in probe.S. */
        .text

/* void ct_args_enter(fn, site, gate, sp) and ct_args_exit, as
 * hooks_entry.S jumps here (rdi, rsi, rdx, rcx; rsp points at the hook's
 * return address): call ct_args_enter_c / ct_args_exit_c with the
 * instrumented function's registers as a fifth argument, a struct ct_cregs
 * (capture_priv.h: DWARF numbering, then a mask of the valid ones). The
 * hook entry has clobbered rax, rdx, rcx and r8 (with capture on, the
 * enter hook takes hooks_entry.S's ct_enter_regs instead, which saves them
 * too); rdi and rsi hold fn and the call site, as at the call. */
#define CT_CREGS_SIZE   264
#define CT_VALID_KEPT   0x01fefef8      /* all of hooks_entry.S's but rax, rdx, rcx, r8 */
.macro CT_REGS_STUB name, target
        .globl  \name
        .hidden \name
        .type   \name, @function
        .p2align 4
\name:
        .cfi_startproc
        subq    $CT_CREGS_SIZE, %rsp    /* 8 (mod 16) on entry: aligned for the call */
        .cfi_adjust_cfa_offset CT_CREGS_SIZE
        movq    %rbx, 24(%rsp)
        movq    %rsi, 32(%rsp)
        movq    %rdi, 40(%rsp)
        movq    %rbp, 48(%rsp)
        movq    %rcx, 56(%rsp)          /* rsp */
        movq    %r9, 72(%rsp)
        movq    %r10, 80(%rsp)
        movq    %r11, 88(%rsp)
        movq    %r12, 96(%rsp)
        movq    %r13, 104(%rsp)
        movq    %r14, 112(%rsp)
        movq    %r15, 120(%rsp)
        movq    %xmm0, 136(%rsp)
        movq    %xmm1, 144(%rsp)
        movq    %xmm2, 152(%rsp)
        movq    %xmm3, 160(%rsp)
        movq    %xmm4, 168(%rsp)
        movq    %xmm5, 176(%rsp)
        movq    %xmm6, 184(%rsp)
        movq    %xmm7, 192(%rsp)
        movq    $CT_VALID_KEPT, 256(%rsp)
        movq    %rsp, %r8               /* struct ct_cregs * */
        call    \target
        addq    $CT_CREGS_SIZE, %rsp
        .cfi_adjust_cfa_offset -CT_CREGS_SIZE
        ret
        .cfi_endproc
        .size   \name, .-\name
.endm

        CT_REGS_STUB ct_args_enter, ct_args_enter_c
        CT_REGS_STUB ct_args_exit, ct_args_exit_c

        .section .note.GNU-stack,"",@progbits
