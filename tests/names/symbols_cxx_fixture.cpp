// symbols_cxx_fixture.cpp — C++ functions for test_symbols.c: namespaces,
// classes, overloads, a template, an anonymous namespace, extern "C". The
// table below pairs each function's address with the name symbols.c must
// give it (demangled linkage names, as __cxa_demangle prints them) and the
// line it must report. Build with -g -O0 (any optimisation could merge or
// inline what the table expects to find). The virtual class also makes the
// test need libstdc++ (its type_info), so that __cxa_demangle is there even
// when linking with --as-needed.
#include <cstddef>
#include <cstdint>

// GCC extension: the address of the code a pointer to member function would
// call, given an object ("bound pointer to member function").
#pragma GCC diagnostic ignored "-Wpmf-conversions"

namespace geo {

class Shape {
public:
    explicit Shape(double s) : side(s) {}
    virtual ~Shape() {}
    virtual double area() const;
    static int count(int n);
    // Defined in the class: its out-of-line copy's DIE carries neither name
    // nor line; both come through DW_AT_specification.
    enum { sides_line = __LINE__ + 1 };
    int sides() const { return 4; }

    struct Inner {
        int poke(int x);
    };

private:
    double side;
};

enum { area_line = __LINE__ + 1 };
double Shape::area() const { return side * side; }

enum { count_line = __LINE__ + 1 };
int Shape::count(int n) { return n + 1; }

enum { poke_line = __LINE__ + 1 };
int Shape::Inner::poke(int x) { return x ^ 1; }

namespace detail {
int helper(int x);  // declared first: the line reported is the definition's
enum { helper_line = __LINE__ + 1 };
int helper(int x) { return x * 2; }
}  // namespace detail

enum { twice_line = __LINE__ + 2 };
template <typename T>
T twice(T x) { return x + x; }

// No linkage name: the scope comes from the enclosing namespace DIE.
extern "C" int symbols_cxx_in_ns(int x);
enum { in_ns_line = __LINE__ + 1 };
extern "C" int symbols_cxx_in_ns(int x) { return x - 3; }

}  // namespace geo

int add(int a, int b);
double add(double a, double b);

enum { add_ii_line = __LINE__ + 1 };
int add(int a, int b) { return a + b; }
enum { add_dd_line = __LINE__ + 1 };
double add(double a, double b) { return a + b; }

namespace {
enum { hidden_line = __LINE__ + 1 };
int hidden(int x) { return x - 1; }
}  // namespace

// Internal linkage too: DWARF says "scaled"; the symbol table tells the
// overloads apart (_ZL6scaledi, _ZL6scaledd).
enum { scaled_i_line = __LINE__ + 1 };
static int scaled(int x) { return x * 10; }
enum { scaled_d_line = __LINE__ + 1 };
static double scaled(double x) { return x * 10.0; }

struct symbols_fx {
    uintptr_t addr;
    const char *name;
    unsigned line;
};

extern "C" const struct symbols_fx *symbols_cxx_fixture(size_t *n);

enum { fixture_line = __LINE__ + 1 };
extern "C" const struct symbols_fx *symbols_cxx_fixture(size_t *n)
{
    static geo::Shape shape(2.0);
    static geo::Shape::Inner inner;
    // A lambda's operator() has neither name nor line of its own in DWARF:
    // the name comes from the symbol table, the line from the closure type.
    enum { lambda_line = __LINE__ + 1 };
    static auto lambda = [](int x) { return x * 4; };
    typedef int (*lambda_fn)(const decltype(lambda) *, int);
    typedef double (*area_fn)(const geo::Shape *);
    typedef int (*sides_fn)(const geo::Shape *);
    static const struct symbols_fx table[] = {
        {(uintptr_t)(area_fn)(shape.*(&geo::Shape::area)), "geo::Shape::area() const", geo::area_line},
        {(uintptr_t)(sides_fn)(shape.*(&geo::Shape::sides)), "geo::Shape::sides() const",
         geo::Shape::sides_line},
        {(uintptr_t)&geo::Shape::count, "geo::Shape::count(int)", geo::count_line},
        {(uintptr_t)(int (*)(geo::Shape::Inner *))(inner.*(&geo::Shape::Inner::poke)),
         "geo::Shape::Inner::poke(int)", geo::poke_line},
        {(uintptr_t)&geo::detail::helper, "geo::detail::helper(int)", geo::detail::helper_line},
        {(uintptr_t)&geo::twice<int>, "int geo::twice<int>(int)", geo::twice_line},
        {(uintptr_t)&geo::twice<double>, "double geo::twice<double>(double)", geo::twice_line},
        {(uintptr_t)&geo::symbols_cxx_in_ns, "geo::symbols_cxx_in_ns", geo::in_ns_line},
        {(uintptr_t)(int (*)(int, int))&add, "add(int, int)", add_ii_line},
        {(uintptr_t)(double (*)(double, double))&add, "add(double, double)", add_dd_line},
        {(uintptr_t)&hidden, "(anonymous namespace)::hidden(int)", hidden_line},
        {(uintptr_t)(int (*)(int))&scaled, "scaled(int)", scaled_i_line},
        {(uintptr_t)(double (*)(double))&scaled, "scaled(double)", scaled_d_line},
        {(uintptr_t)(lambda_fn)(lambda.*(&decltype(lambda)::operator())),
         "symbols_cxx_fixture::{lambda(int)#1}::operator()(int) const", lambda_line},
        {(uintptr_t)&symbols_cxx_fixture, "symbols_cxx_fixture", fixture_line},
    };
    *n = sizeof table / sizeof table[0];
    return table;
}
