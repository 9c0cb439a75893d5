/* nested_unions.c — an 8-byte argument whose type is unions of unions, 8 deep
 * with 4 members each: 65536 JSON values if written whole. */
#include <stdio.h>
union u0 { char a; short b; int c; long d; };
union u1 { union u0 a, b, c, d; };
union u2 { union u1 a, b, c, d; };
union u3 { union u2 a, b, c, d; };
union u4 { union u3 a, b, c, d; };
union u5 { union u4 a, b, c, d; };
union u6 { union u5 a, b, c, d; };
union u7 { union u6 a, b, c, d; };
__attribute__((noinline)) long take(union u7 x) { return x.a.a.a.a.a.a.a.d; }
int main(void) { union u7 x = {0}; x.a.a.a.a.a.a.a.d = 42; long s = 0; for (int i = 0; i < 3; i++) s += take(x); printf("%ld\n", s); return 0; }
