/* Methods of local classes: one in an always_inline template function (at
 * -O2 the function exists only as an abstract, inline-only DWARF instance,
 * with the out-of-line constructor below it), one in a plain function. Each
 * prints the line its method is declared on. */
#include <cstdio>

static int acc_line, counter_line, bump_line;

namespace ns {
template <typename T> __attribute__((always_inline)) inline T outer(T v)
{
    struct acc {
        T sum;
        enum { line = __LINE__ + 1 };
        explicit acc(T x) : sum(x) {}
    };
    acc_line = acc::line;
    acc a(v);
    return a.sum;
}
} // namespace ns

static int plain_local(int v)
{
    struct counter {
        int n;
        enum { line = __LINE__ + 1 };
        counter(int s) : n(s) {}
        enum { bump_line = __LINE__ + 1 };
        int bump() { return ++n; }
    };
    counter_line = counter::line;
    bump_line = counter::bump_line;
    counter c(v);
    return c.bump();
}

int main()
{
    int r = ns::outer<int>(1) + plain_local(2);
    std::printf("result=%d\nacc_line=%d\ncounter_line=%d\nbump_line=%d\n", r, acc_line,
                counter_line, bump_line);
    return 0;
}
