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
 * (capture_entry.S) reads them there. */
        .text

/* One hook: `slot` is the offset of the hook set's function in its
 * ct_hook_table entry (0 enter, 8 exit). */
        .macro  CT_HOOK name, slot
        .globl  \name
        .type   \name, @function
        .p2align 4
\name:
        .cfi_startproc
        endbr64
        movq    ct_gate(%rip), %rdx
        movl    %edx, %eax
        andl    $7, %eax
        jne     1f
        ret                             /* stopped: the cheapest case */
1:      leaq    8(%rsp), %rcx
        leaq    ct_hook_table(%rip), %r8
        shll    $4, %eax
        jmp     *\slot(%r8,%rax)
        .cfi_endproc
        .size   \name, .-\name
        .endm

        CT_HOOK __cyg_profile_func_enter, 0
        CT_HOOK __cyg_profile_func_exit, 8

        .section .note.GNU-stack,"",@progbits
