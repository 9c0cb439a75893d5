/* capture_entry.S — what argument and return-value capture needs below C.
 *
 * ct_args_enter     the enter and exit hooks of the capturing hook set:
 * ct_args_exit      save the instrumented function's callee-saved
 *                   registers (the only registers DWARF can locate an
 *                   argument in once the hook has been called, and where
 *                   the compiler keeps a return value across the exit
 *                   hook) and call ct_args_enter_c / ct_args_exit_c.
 * The return trampoline is in ret_tramp.S, the fault-safe reads the values
 * take in probe.S. */
        .text

/* void ct_args_enter(fn, site, gate, sp) and ct_args_exit, as
 * hooks_entry.S jumps here (rdi, rsi, rdx, rcx; rsp points at the hook's
 * return address): call ct_args_enter_c / ct_args_exit_c with the
 * instrumented function's registers as a fifth argument, an array in DWARF
 * numbering (struct ct_cregs): rbx 3, rbp 6, rsp 7 (the function's, = sp),
 * r12-r15 12-15; the others, which the hook call clobbered, 0. */
.macro CT_REGS_STUB name, target
        .globl  \name
        .hidden \name
        .type   \name, @function
        .p2align 4
\name:
        .cfi_startproc
        subq    $136, %rsp              /* 8 (mod 16) on entry: aligned for the call */
        .cfi_adjust_cfa_offset 136
        xorl    %eax, %eax
        movq    %rax, 0(%rsp)           /* rax */
        movq    %rax, 8(%rsp)           /* rdx */
        movq    %rax, 16(%rsp)          /* rcx */
        movq    %rbx, 24(%rsp)
        movq    %rax, 32(%rsp)          /* rsi */
        movq    %rax, 40(%rsp)          /* rdi */
        movq    %rbp, 48(%rsp)
        movq    %rcx, 56(%rsp)          /* rsp */
        movq    %rax, 64(%rsp)          /* r8 - r11 */
        movq    %rax, 72(%rsp)
        movq    %rax, 80(%rsp)
        movq    %rax, 88(%rsp)
        movq    %r12, 96(%rsp)
        movq    %r13, 104(%rsp)
        movq    %r14, 112(%rsp)
        movq    %r15, 120(%rsp)
        movq    %rsp, %r8               /* struct ct_cregs * */
        call    \target
        addq    $136, %rsp
        .cfi_adjust_cfa_offset -136
        ret
        .cfi_endproc
        .size   \name, .-\name
.endm

        CT_REGS_STUB ct_args_enter, ct_args_enter_c
        CT_REGS_STUB ct_args_exit, ct_args_exit_c

        .section .note.GNU-stack,"",@progbits
