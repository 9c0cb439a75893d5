// args_cxx: C++ arguments for CALLTRACE_CAPTURE_ARGS: `this`, references,
// std::string by reference and by value, a member function's return value, a
// function returning std::string, overloads. Each call is made once with known
// values; addresses are printed on stdout as key=0x...; check_args.c holds the
// truth table.
#include <cstdint>
#include <cstdio>
#include <string>

#define T __attribute__((noinline, noclone, noipa, used))

volatile long sink_l;
volatile double sink_d;

namespace calc {

class Acc {
public:
    explicit Acc(int base) : base_(base) {}
    T int add(int x) const;
    T int get() const;
    T void scale(int &r, const int &by);

private:
    int base_;
};

int Acc::add(int x) const
{
    sink_l += x;
    return base_ + x;
}

int Acc::get() const
{
    sink_l++;
    return base_;
}

void Acc::scale(int &r, const int &by)
{
    sink_l += r * by + base_;
}

} // namespace calc

T void take_refs(int &r, const int &cr)
{
    sink_l += r + cr;
}

T int take_rvalue(int &&x)
{
    sink_l += x;
    return x + 1;
}

T std::size_t str_len_ref(const std::string &s)
{
    sink_l += (long)s.size();
    return s.size();
}

T std::size_t str_len_val(std::string s)
{
    sink_l += (long)s.size();
    return s.size();
}

T std::string make_name(int n)
{
    sink_l += n;
    return "name-" + std::to_string(n);
}

T bool take_flag(bool b)
{
    sink_l += b;
    return !b;
}

T int over(int v)
{
    sink_l += v;
    return v + 1;
}

T int over(double v)
{
    sink_d += v;
    return (int)v + 2;
}

T int over(const char *s)
{
    sink_l += s[0];
    return 3;
}

int main()
{
    calc::Acc acc(100);
    std::printf("acc=%p\n", (void *)&acc);
    sink_l += acc.add(23);
    sink_l += acc.get();
    int r = 7;
    const int by = 9;
    acc.scale(r, by);
    int a = -3;
    const int b = 2147483647;
    take_refs(a, b);
    sink_l += take_rvalue(41);
    const std::string shortstr("hello world");
    sink_l += (long)str_len_ref(shortstr);
    std::string longstr("a string longer than fifteen chars");
    sink_l += (long)str_len_val(longstr);
    std::string name = make_name(7);
    sink_l += (long)name.size();
    sink_l += take_flag(true);
    sink_l += over(5);
    sink_l += over(2.5);
    sink_l += over("xyz");
    std::printf("done %s\n", name.c_str());
    return 0;
}
