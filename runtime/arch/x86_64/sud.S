/* sud.S — the code range syscall user dispatch always allows (syscalls/).
 *
 * Every system call the SIGSYS handler performs for the program is made
 * here, between ct_sud_lo and ct_sud_hi, the range given to the kernel: it
 * is never trapped, whatever the thread's selector says. */
    .text
    .p2align 4
    .globl ct_sud_lo, ct_sud_hi, ct_sud_syscall6, ct_sud_restorer
    .globl ct_sud_clone_same, ct_sud_clone_new, ct_sud_resume_stub
    .hidden ct_sud_lo, ct_sud_hi, ct_sud_syscall6, ct_sud_restorer
    .hidden ct_sud_clone_same, ct_sud_clone_new, ct_sud_resume_stub
ct_sud_lo:

/* long ct_sud_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6) */
    .type ct_sud_syscall6, @function
ct_sud_syscall6:
    .cfi_startproc
    mov %rdi, %rax
    mov %rsi, %rdi
    mov %rdx, %rsi
    mov %rcx, %rdx
    mov %r8, %r10
    mov %r9, %r8
    mov 8(%rsp), %r9
    syscall
    ret
    .cfi_endproc
    .size ct_sud_syscall6, .-ct_sud_syscall6

/* The SIGSYS handler's sa_restorer, and where a program handler's own
 * rt_sigreturn is sent: glibc's restorer lies outside the range. */
    .type ct_sud_restorer, @function
ct_sud_restorer:
    mov $15, %eax /* __NR_rt_sigreturn */
    syscall
    ud2
    .size ct_sud_restorer, .-ct_sud_restorer

/* long ct_sud_clone_*(const uint64_t regs[13]): a clone-family call made
 * with the program's registers: regs = rax (the number), rdi, rsi, rdx, r10,
 * r8, r9, rbx, rbp, r12, r13, r14, r15. The parent (and a child without a
 * stack of its own) returns here; in _new, a child on a new stack finds the
 * program's rdi and resume address on top of it (glibc's vfork keeps its
 * return address in rdi) and goes straight there. */
.macro CT_CLONE_BODY
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rdi, %r11
    mov 56(%r11), %rbx
    mov 64(%r11), %rbp
    mov 72(%r11), %r12
    mov 80(%r11), %r13
    mov 88(%r11), %r14
    mov 96(%r11), %r15
    mov 8(%r11), %rdi
    mov 16(%r11), %rsi
    mov 24(%r11), %rdx
    mov 32(%r11), %r10
    mov 40(%r11), %r8
    mov 48(%r11), %r9
    mov 0(%r11), %rax
    syscall
.endm

    .type ct_sud_clone_same, @function
ct_sud_clone_same:
    CT_CLONE_BODY
    jmp 1f
    .size ct_sud_clone_same, .-ct_sud_clone_same

    .type ct_sud_clone_new, @function
ct_sud_clone_new:
    CT_CLONE_BODY
    test %rax, %rax
    jnz 1f
    pop %rdi /* the child, on its own stack: the program's rdi, then to the program */
    ret
1:
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret
    .size ct_sud_clone_new, .-ct_sud_clone_new

/* A call that must not be made inside the SIGSYS handler (sigaltstack: the
 * handler runs on the alternate stack, which cannot be changed from on it):
 * the handler leaves the program's registers as they were and points the
 * context here; the call is made after the handler returned, then the
 * program resumes where ct_sud_resume (TLS) says. rcx and r11 are the
 * system call's scratch registers anyway. */
    .type ct_sud_resume_stub, @function
ct_sud_resume_stub:
    syscall
    movq ct_sud_resume@gottpoff(%rip), %rcx
    jmp *%fs:(%rcx)
    .size ct_sud_resume_stub, .-ct_sud_resume_stub

ct_sud_hi:
    .section .note.GNU-stack,"",@progbits
