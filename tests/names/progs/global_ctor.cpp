// global_ctor.cpp — a C++ global object: the compiler generates functions
// (_GLOBAL__sub_I_g, the static initialisation) that have DWARF entries but
// no file or line. They are named, and no "no DWARF" line is printed.
struct G {
    int v;
    G() : v(1) {}
};
G g;
int main() { return g.v - 1; }
