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

        .globl  __cyg_profile_func_enter
        .type   __cyg_profile_func_enter, @function
        .p2align 4
__cyg_profile_func_enter:
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
        jmp     *(%r8,%rax)             /* .enter of the hook set */
        .cfi_endproc
        .size   __cyg_profile_func_enter, .-__cyg_profile_func_enter

        .globl  __cyg_profile_func_exit
        .type   __cyg_profile_func_exit, @function
        .p2align 4
__cyg_profile_func_exit:
        .cfi_startproc
        endbr64
        movq    ct_gate(%rip), %rdx
        movl    %edx, %eax
        andl    $7, %eax
        jne     1f
        ret
1:      leaq    8(%rsp), %rcx
        leaq    ct_hook_table(%rip), %r8
        shll    $4, %eax
        jmp     *8(%r8,%rax)            /* .exit of the hook set */
        .cfi_endproc
        .size   __cyg_profile_func_exit, .-__cyg_profile_func_exit

        .section .note.GNU-stack,"",@progbits
