/* ret_tramp.S — the return trampoline: where a hijacked return lands
 * (capture.c plants it; capture_return.c is its C side): saves the return
 * registers, asks ct_ret_c for the real return address and records the
 * value, restores, jumps back. */
        .text

/* The return trampoline. It has unwind information of its own so that an
 * unwinder walking through a hijacked frame does the right thing:
 *  - the row for the byte before ct_ret_tramp (an unwinder looks up a
 *    return address minus one) gives a zero-size frame whose return address
 *    is the word below the CFA, i.e. the hijacked slot itself, unless that
 *    still holds ct_ret_tramp (recognised by the magic number the first
 *    instruction carries): then 0, the end of the stack, so a backtrace stops
 *    cleanly;
 *  - its personality routine (ct_tramp_personality, capture_return.c) runs first
 *    when an exception or a forced unwind (pthread_exit) passes, and puts
 *    the real return address back in the slot: the unwinder reads it right
 *    after and carries on into the real caller. */
#define CT_TRAMP_MAGIC 0x43545452414d5021  /* "!PMARTTC" */
        .globl  ct_ret_tramp
        .hidden ct_ret_tramp
        .globl  ct_ret_tramp_lo
        .hidden ct_ret_tramp_lo
        .type   ct_ret_tramp, @function
        .p2align 4
ct_ret_tramp_lo:
        .cfi_startproc
        .cfi_personality 0x1b, ct_tramp_personality  /* pcrel sdata4 */
        .cfi_def_cfa %rsp, 0
        /* DW_CFA_val_expression r16 (return address):
         *   CFA lit8 minus deref        the slot's value v
         *   dup plus_uconst 2 deref     the 8 bytes at v + 2
         *   const8u MAGIC ne bra +2     not the trampoline: keep v
         *   drop lit0                   the trampoline: 0 */
        .cfi_escape 0x16, 0x10, 22, 0x38, 0x1c, 0x06, 0x12, 0x23, 0x02, 0x06, 0x0e, 0x21, 0x50, 0x4d, 0x41, 0x52, 0x54, 0x54, 0x43, 0x2e, 0x28, 0x02, 0x00, 0x13, 0x30
        nop
ct_ret_tramp:
        movabsq $CT_TRAMP_MAGIC, %r11   /* bytes 2..9: the magic */
        .cfi_undefined rip              /* inside: no caller to unwind to */
        subq    $80, %rsp               /* 0 (mod 16) on entry: the CFA of the returning frame */
        movq    %rax, 0(%rsp)
        movq    %rdx, 8(%rsp)
        movdqu  %xmm0, 16(%rsp)
        movdqu  %xmm1, 32(%rsp)
        leaq    80(%rsp), %rax
        movq    %rax, 48(%rsp)          /* cfa */
        movq    %rsp, %rdi              /* struct ct_retregs * */
        call    ct_ret_c                /* the real return address */
        movq    %rax, %r11
        movq    0(%rsp), %rax
        movq    8(%rsp), %rdx
        movdqu  16(%rsp), %xmm0
        movdqu  32(%rsp), %xmm1
        addq    $80, %rsp
        jmp     *%r11
        .cfi_endproc
        .size   ct_ret_tramp, .-ct_ret_tramp

        .section .note.GNU-stack,"",@progbits
