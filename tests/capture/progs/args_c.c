/* args_c: every call passes known values, for CALLTRACE_CAPTURE_ARGS. Each test
 * function is called once (counter() five times) with literal values, uses every
 * argument (folded into a volatile sink) and is externally visible and noipa, so
 * -O2 keeps real calls with the real arguments. Values known only at run time
 * (addresses) are printed on stdout as key=0x...; check_args.c holds the truth
 * table. Nothing here writes to a buffer it has passed. */
#define _GNU_SOURCE
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__clang__)
#define T __attribute__((noinline, used))
#else
#define T __attribute__((noinline, noclone, noipa, used))
#endif

volatile long sink_l;
volatile double sink_d;
volatile long double sink_ld;

int g_int = 1234;
char g_buf[] = "mutable buffer";
static char g_long[301];

enum color { RED, GREEN, BLUE };
enum flags { F_A = 1, F_B = 2, F_C = 4 };

struct point { int x; int y; };
typedef struct point point_t;
struct pair_long { long a; long b; };
struct mixed { int i; double d; };
struct with_array { int n; int v[3]; };
struct outer { struct point p; int tag; };
struct big { long a, b, c, d, e, f, g, h; };
struct vec2 { double x; double y; };
union u { int i; float f; };

/* ---- integers */
T void take_i8(int8_t a, int8_t b, int8_t c) { sink_l += a + b + c; }
T void take_u8(uint8_t a, uint8_t b) { sink_l += a + b; }
T void take_chars_signed(signed char a, unsigned char b) { sink_l += a + b; }
T void take_i16(int16_t a, int16_t b, uint16_t c) { sink_l += a + b + c; }
T void take_short(short a, unsigned short b) { sink_l += a + b; }
T void take_i32(int32_t a, int32_t b, int c, int d) { sink_l += (long)a + b + c + d; }
T void take_u32(uint32_t a, unsigned int b) { sink_l += (long)a + b; }
T void take_i64(int64_t a, int64_t b, long c) { sink_l += (long)((uint64_t)a + (uint64_t)b) + c; }
T void take_u64(uint64_t a, unsigned long long b, size_t c) { sink_l += (long)(a + b + c); }
T void take_bool(bool a, bool b) { sink_l += a * 2 + b; }
T void take_char(char a, char b, char c, char d) { sink_l += a + b + c + d; }

/* ---- floating point */
T void take_float(float a, float b) { sink_d += a + b; }
T void take_double(double a, double b, double c) { sink_d += a + b + c; }
T void take_special(double a, double b, double c) { sink_d += a + b + c; }
T void take_ldouble(long double a, long double b) { sink_ld += a + b; }

/* ---- enums */
T void take_enum(enum color a, enum flags b, enum color c) { sink_l += (long)a + b + c; }

/* ---- pointers and strings */
T void take_ptr(int *p, void *q) { sink_l += (long)(uintptr_t)p + (long)(uintptr_t)q; }
T void take_strs(const char *a, const char *b, char *c)
{
    sink_l += a[0] + b[0] + c[0];
}
T void take_long_str(const char *s) { sink_l += s[299]; }
T void take_esc_str(const char *s) { sink_l += s[0]; }
T void take_null_str(const char *s) { sink_l += s ? 1 : 2; }
/* never dereferenced: s is not a readable address */
T void take_bad_str(const char *s) { sink_l += (long)(uintptr_t)s; }
T void take_unmapped_str(const char *s) { sink_l += (long)(uintptr_t)s; }
T int callback(int v) { return v * 3; }
T int take_fnptr(int (*fn)(int), int v) { return fn(v); }

/* ---- aggregates by value */
T void take_point(struct point p) { sink_l += p.x + p.y; }
T void take_point_t(point_t p) { sink_l += p.x - p.y; }
T void take_pair_long(struct pair_long p) { sink_l += p.a + p.b; }
T void take_mixed(struct mixed m) { sink_d += m.i + m.d; }
T void take_with_array(struct with_array w) { sink_l += w.n + w.v[0] + w.v[1] + w.v[2]; }
T void take_outer(struct outer o) { sink_l += o.p.x + o.p.y + o.tag; }
T void take_big(struct big b) { sink_l += b.a + b.b + b.c + b.d + b.e + b.f + b.g + b.h; }
T void take_union(union u v) { sink_l += v.i; }
T void take_vec2(struct vec2 v, int k) { sink_d += v.x + v.y + k; }

/* ---- many arguments: the rest are on the stack */
T void ten_ints(int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7, int a8, int a9)
{
    sink_l += a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9;
}
T void ten_doubles(double d0, double d1, double d2, double d3, double d4, double d5, double d6,
                   double d7, double d8, double d9)
{
    sink_d += d0 + d1 + d2 + d3 + d4 + d5 + d6 + d7 + d8 + d9;
}
T void mixed_many(int i0, double d0, long i1, float f0, int i2, double d1, int i3, double d2,
                  int i4, double d3, int i5, double d4, int i6, double d5, int i7, double d6,
                  double d7, double d8, struct point p)
{
    sink_l += i0 + i1 + i2 + i3 + i4 + i5 + i6 + i7 + p.x + p.y;
    sink_d += d0 + f0 + d1 + d2 + d3 + d4 + d5 + d6 + d7 + d8;
}
T int sum_ints(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    int s = 0;
    for (int i = 0; i < n; i++)
        s += va_arg(ap, int);
    va_end(ap);
    return s;
}

/* ---- return values */
T int ret_int(int x) { sink_l += x; return -42; }
T long ret_long(void) { sink_l++; return INT64_MIN; }
T unsigned long long ret_ull(void) { sink_l++; return UINT64_MAX; }
T bool ret_bool(int x) { sink_l += x; return x == 3; }
T char ret_char(void) { sink_l++; return 'Z'; }
T enum color ret_enum(void) { sink_l++; return GREEN; }
T int *ret_ptr(void) { sink_l++; return &g_int; }
T const char *ret_str(void) { sink_l++; return "result string"; }
T float ret_float(void) { sink_l++; return -1.25f; }
T double ret_double(void) { sink_l++; return 0.1; }
T long double ret_ldouble(void) { sink_l++; return -0.375L; }
T struct point ret_point(void) { sink_l++; return (struct point){3, -4}; }
T struct pair_long ret_pair_long(void) { sink_l++; return (struct pair_long){INT64_MIN, 7}; }
T struct vec2 ret_vec2(void) { sink_l++; return (struct vec2){0.5, -8.25}; }
T struct big ret_big(void) { sink_l++; return (struct big){1, 2, 3, 4, 5, 6, 7, 8}; }
T void ret_void(int x) { sink_l += x; }
T int bump(int x) { x += 5; sink_l += x; return x; }
T int counter(int i) { sink_l += i; return i * i; }

/* left by longjmp: the node is unwound and has no return value */
static jmp_buf g_jb;
T int jumper(int x)
{
    sink_l += x;
    if (x == 77)
        longjmp(g_jb, 1);
    return x;
}

int main(int argc, char **argv)
{
    printf("argv=%p\n", (void *)argv);
    take_i8(INT8_MIN, INT8_MAX, -1);
    take_u8(UINT8_MAX, 0);
    take_chars_signed(-128, 255);
    take_i16(INT16_MIN, INT16_MAX, UINT16_MAX);
    take_short(-1, 65535);
    take_i32(INT32_MIN, INT32_MAX, 0, -1);
    take_u32(UINT32_MAX, 0);
    take_i64(INT64_MIN, INT64_MAX, -1);
    take_u64(UINT64_MAX, 0, 12345);
    take_bool(true, false);
    take_char('A', '\0', '\xff', '\n');

    take_float(1.5f, 0.1f);
    take_double(0.1, -0.0, 1e308);
    take_special(NAN, INFINITY, -INFINITY);
    take_ldouble(0.1L, -2.5L);

    take_enum(BLUE, F_A | F_C, (enum color)40);

    printf("g_int=%p\n", (void *)&g_int);
    take_ptr(&g_int, NULL);
    take_strs("hello", "", g_buf);
    for (int i = 0; i < 300; i++)
        g_long[i] = (char)('a' + i % 26);
    take_long_str(g_long);
    take_esc_str("q\"b\\s\nt\tu\xc3\xa9\xe2\x82\xac!");
    take_null_str(NULL);
    take_bad_str((const char *)0x10);
    long pg = sysconf(_SC_PAGESIZE);
    char *gone = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (gone == MAP_FAILED)
        return 3;
    strcpy(gone, "unmapped");
    munmap(gone, (size_t)pg);
    printf("unmapped=%p\n", (void *)gone);
    take_unmapped_str(gone);
    printf("callback=%p\n", (void *)(uintptr_t)callback);
    sink_l += take_fnptr(callback, 5);

    take_point((struct point){1, -2});
    take_point_t((point_t){-7, 8});
    take_pair_long((struct pair_long){-1, INT64_MAX});
    take_mixed((struct mixed){-5, 0.25});
    take_with_array((struct with_array){3, {10, -20, 30}});
    take_outer((struct outer){{1, 2}, 7});
    take_big((struct big){-1, 2, -3, 4, -5, 6, -7, 8});
    take_union((union u){.f = 1.5f});
    take_vec2((struct vec2){2.5, -0.125}, 9);

    ten_ints(101, -102, 103, -104, 105, -106, 107, -108, 109, -110);
    ten_doubles(0.5, -1.5, 2.5, -3.5, 4.5, -5.5, 6.5, -7.5, 8.5, -9.5);
    mixed_many(1, 1.5, -2, 2.5f, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9.5, 10.5,
               (struct point){11, 12});
    sink_l += sum_ints(3, 10, 20, 30);

    sink_l += ret_int(1);
    sink_l += ret_long();
    sink_l += (long)ret_ull();
    sink_l += ret_bool(3);
    sink_l += ret_char();
    sink_l += ret_enum();
    sink_l += *ret_ptr();
    sink_l += ret_str()[0];
    sink_d += ret_float();
    sink_d += ret_double();
    sink_ld += ret_ldouble();
    sink_l += ret_point().y;
    sink_l += ret_pair_long().b;
    sink_d += ret_vec2().y;
    sink_l += ret_big().h;
    ret_void(4);
    sink_l += bump(10);
    for (int i = 0; i < 5; i++)
        sink_l += counter(i);
    if (setjmp(g_jb) == 0)
        sink_l += jumper(77);
    sink_l += jumper(78);
    printf("done argc=%d\n", argc);
    return 0;
}
