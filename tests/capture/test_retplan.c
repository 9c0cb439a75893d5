/* Unit tests of the exit-hook return value decoder (capture_ret.c): the
 * epilogues GCC emits after the exit hook call, byte for byte, give exactly
 * where the return value is; everything the decoder does not model (a store,
 * a call, a branch, a register already popped, a narrower move) is refused,
 * so that the trampoline takes those values instead. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "capture/capture.h"

#define LO 0x401000u
enum { RAX = 0, RBX = 3, RBP = 6, RSP = 7, R12 = 12, NONE = 0xff };

/* Decodes code as if it were a function at LO whose exit hook call returns
 * to LO + at, with rbp as its frame pointer unless g_no_fp. */
static bool g_no_fp;
static bool decode(const uint8_t *code, size_t len, size_t at, unsigned size, bool sse,
                   struct ct_rplan *p)
{
    memset(p, 0x5a, sizeof(*p));
    return ct_ret_decode(code, LO, LO + len, LO + at, size, sse, !g_no_fp, p);
}

static void expect(const struct ct_rplan *p, int kind, int a, int b, int scale, int64_t off)
{
    assert_int_equal(p->kind, kind);
    assert_int_equal(p->a, a);
    assert_int_equal(p->b, b);
    if (b != NONE)
        assert_int_equal(p->scale, scale);
    assert_int_equal(p->off, off);
}

/* gcc -O2: add $8,%rsp; lea (%rbx,%rbp,1),%eax; pop x4; ret */
static void o2_lea_after_the_hook(void **state)
{
    (void)state;
    static const uint8_t c[] = {0x48, 0x83, 0xc4, 0x08, 0x8d, 0x04, 0x2b, 0x5b,
                                0x5d, 0x41, 0x5c, 0x41, 0x5d, 0xc3};
    struct ct_rplan p;
    assert_true(decode(c, sizeof c, 0, 4, false, &p));
    expect(&p, CT_RP_VAL, RBX, RBP, 1, 0);
    assert_false(decode(c, sizeof c, 0, 8, false, &p)); /* a 32-bit lea: not a long */
}

/* gcc -O0: mov -0x14(%rbp),%eax; mov -0x8(%rbp),%rbx; leave; ret */
static void o0_stack_slot(void **state)
{
    (void)state;
    static const uint8_t c[] = {0x8b, 0x45, 0xec, 0x48, 0x8b, 0x5d, 0xf8, 0xc9, 0xc3};
    struct ct_rplan p;
    assert_true(decode(c, sizeof c, 0, 4, false, &p));
    expect(&p, CT_RP_MEM, RBP, NONE, 1, -0x14);
    assert_true(decode(c, sizeof c, 0, 0, false, &p)); /* void: reaches ret */
    /* rbp not a frame pointer: a pointer like any other */
    g_no_fp = true;
    assert_false(decode(c, sizeof c, 0, 4, false, &p));
    g_no_fp = false;
}

/* Loads through a pointer (another thread may store meanwhile) are refused;
 * a fixed address is left to the caller (read-only or not). */
static void loads_only_from_the_frame(void **state)
{
    (void)state;
    static const uint8_t heap[] = {0x8b, 0x43, 0x08, 0x5b, 0xc3};       /* mov 8(%rbx),%eax */
    static const uint8_t indexed[] = {0x8b, 0x04, 0x1c, 0xc3};         /* mov (%rsp,%rbx),%eax */
    static const uint8_t fixed[] = {0x8b, 0x05, 0x10, 0x00, 0x00, 0x00, 0xc3}; /* mov x(%rip),%eax */
    struct ct_rplan p;
    assert_false(decode(heap, sizeof heap, 0, 4, false, &p));
    assert_false(decode(indexed, sizeof indexed, 0, 4, false, &p));
    assert_true(decode(fixed, sizeof fixed, 0, 4, false, &p));
    expect(&p, CT_RP_MEM, NONE, NONE, 1, LO + 6 + 0x10);
}

/* mov %ebx,%eax; pop %rbx; ret — and the same with the pop first */
static void register_copy_and_order(void **state)
{
    (void)state;
    static const uint8_t ok[] = {0x89, 0xd8, 0x5b, 0xc3};
    static const uint8_t popped[] = {0x5b, 0x89, 0xd8, 0xc3};
    static const uint8_t wide[] = {0x48, 0x89, 0xd8, 0x5b, 0xc3}; /* mov %rbx,%rax */
    struct ct_rplan p;
    assert_true(decode(ok, sizeof ok, 0, 4, false, &p));
    expect(&p, CT_RP_VAL, RBX, NONE, 1, 0);
    assert_false(decode(ok, sizeof ok, 0, 8, false, &p)); /* 32 bits moved, 64 wanted */
    assert_false(decode(popped, sizeof popped, 0, 4, false, &p));
    assert_true(decode(wide, sizeof wide, 0, 8, false, &p));
    expect(&p, CT_RP_VAL, RBX, NONE, 1, 0);
}

/* xor %eax,%eax / mov $42,%eax / lea str(%rip),%rax: constants */
static void constants(void **state)
{
    (void)state;
    static const uint8_t zero[] = {0x31, 0xc0, 0xc3};
    static const uint8_t imm[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3};
    static const uint8_t rip[] = {0x48, 0x8d, 0x05, 0x10, 0x00, 0x00, 0x00, 0xc3};
    struct ct_rplan p;
    assert_true(decode(zero, sizeof zero, 0, 8, false, &p));
    expect(&p, CT_RP_VAL, NONE, NONE, 1, 0);
    assert_true(decode(imm, sizeof imm, 0, 4, false, &p));
    expect(&p, CT_RP_VAL, NONE, NONE, 1, 42);
    assert_true(decode(rip, sizeof rip, 0, 8, false, &p));
    expect(&p, CT_RP_VAL, NONE, NONE, 1, LO + 7 + 0x10);
}

/* movsd 0x8(%rsp),%xmm0; add $0x18,%rsp; ret — and movq %rbx,%xmm0 */
static void floating_point(void **state)
{
    (void)state;
    static const uint8_t slot[] = {0xf2, 0x0f, 0x10, 0x44, 0x24, 0x08, 0x48, 0x83, 0xc4, 0x18, 0xc3};
    static const uint8_t gpr[] = {0x66, 0x48, 0x0f, 0x6e, 0xc3, 0x5b, 0xc3};
    struct ct_rplan p;
    assert_true(decode(slot, sizeof slot, 0, 8, true, &p));
    expect(&p, CT_RP_MEM, RSP, NONE, 1, 8);
    assert_false(decode(slot, sizeof slot, 0, 8, false, &p)); /* rax was never set */
    assert_true(decode(gpr, sizeof gpr, 0, 8, true, &p));
    expect(&p, CT_RP_VAL, RBX, NONE, 1, 0);
}

/* movzbl -0x1(%rbp),%eax: a bool; the same bytes for an int would be wrong */
static void narrow_loads(void **state)
{
    (void)state;
    static const uint8_t c[] = {0x0f, 0xb6, 0x45, 0xff, 0xc9, 0xc3};
    struct ct_rplan p;
    assert_true(decode(c, sizeof c, 0, 1, false, &p));
    expect(&p, CT_RP_MEM, RBP, NONE, 1, -1);
    assert_false(decode(c, sizeof c, 0, 4, false, &p));
}

/* mov %r12d,%eax; jmp to a shared epilogue past an int3; pop; ret */
static void jumps_followed(void **state)
{
    (void)state;
    static const uint8_t c[] = {0x44, 0x89, 0xe0, 0xeb, 0x01, 0xcc, 0x41, 0x5c, 0xc3};
    struct ct_rplan p;
    assert_true(decode(c, sizeof c, 0, 4, false, &p));
    expect(&p, CT_RP_VAL, R12, NONE, 1, 0);
    static const uint8_t out[] = {0x89, 0xd8, 0xeb, 0x10, 0xc3}; /* past the function */
    assert_false(decode(out, sizeof out, 0, 4, false, &p));
}

/* -fstack-protector: the canary copy compared with %fs:0x28, then je over
 * the call to __stack_chk_fail (-O0) or jne to it (-O2). */
static void stack_protector(void **state)
{
    (void)state;
    static const uint8_t o0[] = {0x89, 0xd8, 0x48, 0x8b, 0x55, 0xe8, 0x64, 0x48, 0x2b, 0x14, 0x25,
                                 0x28, 0x00, 0x00, 0x00, 0x74, 0x05, 0xe8, 0x00, 0x00, 0x00, 0x00,
                                 0x48, 0x8b, 0x5d, 0xf8, 0xc9, 0xc3};
    static const uint8_t o2[] = {0x48, 0x8b, 0x44, 0x24, 0x28, 0x64, 0x48, 0x2b, 0x04, 0x25, 0x28,
                                 0x00, 0x00, 0x00, 0x75, 0x09, 0x48, 0x83, 0xc4, 0x38, 0x89, 0xd8,
                                 0x5b, 0x5d, 0xc3, 0xe8, 0x00, 0x00, 0x00, 0x00};
    /* the value moved to eax first, then rax used for the check: spent */
    static const uint8_t spent[] = {0x89, 0xd8, 0x48, 0x8b, 0x44, 0x24, 0x28, 0x64, 0x48, 0x2b,
                                    0x04, 0x25, 0x28, 0x00, 0x00, 0x00, 0x75, 0x01, 0xc3, 0xcc};
    /* another %fs: offset is not the canary */
    static const uint8_t other[] = {0x89, 0xd8, 0x64, 0x48, 0x2b, 0x14, 0x25, 0x30, 0x00, 0x00,
                                    0x00, 0x75, 0x01, 0xc3, 0xcc};
    struct ct_rplan p;
    assert_true(decode(o0, sizeof o0, 0, 4, false, &p));
    expect(&p, CT_RP_VAL, RBX, NONE, 1, 0);
    assert_true(decode(o2, sizeof o2, 0, 4, false, &p));
    expect(&p, CT_RP_VAL, RBX, NONE, 1, 0);
    assert_false(decode(spent, sizeof spent, 0, 4, false, &p));
    assert_false(decode(other, sizeof other, 0, 4, false, &p));
    /* a je not right after the check is an ordinary branch */
    static const uint8_t late[] = {0x89, 0xd8, 0x64, 0x48, 0x2b, 0x14, 0x25, 0x28, 0x00, 0x00,
                                   0x00, 0x90, 0x74, 0x01, 0xcc, 0xc3};
    assert_false(decode(late, sizeof late, 0, 4, false, &p));
}

/* What is refused: stores, calls, conditional branches, loads below the
 * stack pointer, through a popped base, unknown opcodes, running off the end. */
static void refused(void **state)
{
    (void)state;
    static const uint8_t store[] = {0x89, 0x45, 0xfc, 0x8b, 0x45, 0xfc, 0xc9, 0xc3};
    static const uint8_t call[] = {0x89, 0xd8, 0xe8, 0x00, 0x00, 0x00, 0x00, 0xc3};
    static const uint8_t branch[] = {0x89, 0xd8, 0x75, 0x00, 0xc3};
    static const uint8_t below[] = {0x8b, 0x44, 0x24, 0xf8, 0xc3};
    static const uint8_t after_leave[] = {0xc9, 0x8b, 0x45, 0xec, 0xc3};
    static const uint8_t push[] = {0x53, 0x89, 0xd8, 0x5b, 0xc3};
    static const uint8_t cut[] = {0x89, 0xd8, 0x5b};
    static const uint8_t resume[] = {0x48, 0x89, 0xdf, 0xe8, 0x00, 0x00, 0x00, 0x00};
    struct ct_rplan p;
    assert_false(decode(store, sizeof store, 0, 4, false, &p));
    assert_false(decode(call, sizeof call, 0, 4, false, &p));
    assert_false(decode(branch, sizeof branch, 0, 4, false, &p));
    assert_false(decode(below, sizeof below, 0, 4, false, &p));
    assert_false(decode(after_leave, sizeof after_leave, 0, 4, false, &p));
    assert_false(decode(push, sizeof push, 0, 4, false, &p));
    assert_false(decode(cut, sizeof cut, 0, 4, false, &p));
    assert_false(decode(cut, sizeof cut, 0, 0, false, &p));
    /* a landing pad: mov %rbx,%rdi; call _Unwind_Resume — not a return */
    assert_false(decode(resume, sizeof resume, 0, 0, false, &p));
    /* a start outside the code given */
    assert_false(decode(store, sizeof store, sizeof store, 0, false, &p));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(o2_lea_after_the_hook),
        cmocka_unit_test(o0_stack_slot),
        cmocka_unit_test(loads_only_from_the_frame),
        cmocka_unit_test(register_copy_and_order),
        cmocka_unit_test(constants),
        cmocka_unit_test(floating_point),
        cmocka_unit_test(narrow_loads),
        cmocka_unit_test(jumps_followed),
        cmocka_unit_test(stack_protector),
        cmocka_unit_test(refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
