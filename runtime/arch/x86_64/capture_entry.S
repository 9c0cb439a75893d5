/* capture_entry.S — what argument and return-value capture needs below C.
 *
 * ct_args_enter     the enter and exit hooks of the capturing hook set:
 * ct_args_exit      save the instrumented function's callee-saved
 *                   registers (the only registers DWARF can locate an
 *                   argument in once the hook has been called, and where
 *                   the compiler keeps a return value across the exit
 *                   hook) and call ct_args_enter_c / ct_args_exit_c.
 * ct_ret_tramp      where a hijacked return lands (capture.c): saves the
 *                   return registers, asks ct_ret_c for the real return
 *                   address and the value to record, restores, jumps back.
 * ct_probe_copy     memcpy that reports a fault instead of crashing; and
 * ct_probe_str      a bounded strcpy likewise: the SIGSEGV/SIGBUS handler
 *                   (signals.c) resumes a fault inside them at
 *                   ct_probe_fault, which returns -1. */
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

/* The return trampoline. It has unwind information of its own so that an
 * unwinder walking through a hijacked frame does the right thing:
 *  - the row for the byte before ct_ret_tramp (an unwinder looks up a
 *    return address minus one) gives a zero-size frame whose return address
 *    is the word below the CFA, i.e. the hijacked slot itself, unless that
 *    still holds ct_ret_tramp (recognised by the magic number the first
 *    instruction carries): then 0, the end of the stack, so a backtrace stops
 *    cleanly;
 *  - its personality routine (ct_tramp_personality, capture.c) runs first
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

/* int ct_probe_copy(void *dst, const void *src, size_t n): 0, or -1 on a fault. */
        .globl  ct_probe_copy
        .hidden ct_probe_copy
        .globl  ct_probe_lo
        .hidden ct_probe_lo
        .globl  ct_probe_hi
        .hidden ct_probe_hi
        .globl  ct_probe_fault
        .hidden ct_probe_fault
        .type   ct_probe_copy, @function
        .p2align 4
ct_probe_copy:
        .cfi_startproc
        movq    %rdx, %rcx
ct_probe_lo:
        rep movsb
        xorl    %eax, %eax
        ret
        .cfi_endproc
        .size   ct_probe_copy, .-ct_probe_copy

/* long ct_probe_str(char *dst, const char *src, size_t max): the length of
 * the string (its bytes copied, no NUL), max if no NUL came first, -1 on a
 * fault. Bytes one at a time up to an 8-byte boundary of src, then aligned
 * words (an aligned word never crosses a page, so it faults only where the
 * byte loop would): a word holds a NUL when (w - 0x01..01) & ~w & 0x80..80
 * is not zero, its lowest set bit marking the first one. dst gets the whole
 * word, up to 7 bytes past the length, never past max. */
        .globl  ct_probe_str
        .hidden ct_probe_str
        .type   ct_probe_str, @function
        .p2align 4
ct_probe_str:
        .cfi_startproc
        xorl    %eax, %eax
        movabsq $0x0101010101010101, %r10
        movabsq $0x8080808080808080, %r11
1:      cmpq    %rdx, %rax
        jae     4f                      /* max bytes and no NUL */
        leaq    (%rsi,%rax), %r9
        testb   $7, %r9b
        jnz     3f                      /* not aligned yet: one byte */
        leaq    8(%rax), %r8
        cmpq    %rdx, %r8
        ja      3f                      /* fewer than 8 before max: one byte */
        movq    (%r9), %rcx
        movq    %rcx, (%rdi,%rax)
        movq    %rcx, %r8
        subq    %r10, %r8
        notq    %rcx
        andq    %rcx, %r8
        andq    %r11, %r8
        jnz     2f
        addq    $8, %rax
        jmp     1b
2:      bsfq    %r8, %r8                /* the first NUL's bit: 8 x its byte + 7 */
        shrq    $3, %r8
        addq    %r8, %rax
        ret
3:      movzbl  (%r9), %ecx
        testl   %ecx, %ecx
        je      4f
        movb    %cl, (%rdi,%rax)
        incq    %rax
        jmp     1b
4:      ret
ct_probe_hi:
        .cfi_endproc
        .size   ct_probe_str, .-ct_probe_str

        .type   ct_probe_fault, @function
ct_probe_fault:
        .cfi_startproc
        movq    $-1, %rax
        ret
        .cfi_endproc
        .size   ct_probe_fault, .-ct_probe_fault

        .section .note.GNU-stack,"",@progbits
