/* probe.S — reading memory the program points to without crashing on it
 * (capture_read.c). Apart from capture_entry.S, which calls up into the
 * hooks (capture.c): the readers below them use these.
 *
 * ct_probe_copy     memcpy that reports a fault instead of crashing; and
 * ct_probe_str      a bounded strcpy likewise: the SIGSEGV/SIGBUS handler
 *                   (core/signals.c, through ct_probe_recover) resumes a
 *                   fault inside them at ct_probe_fault, which returns -1. */
        .text

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
