// shapes.cpp — C++ names in the trace.
//
// calltrace names functions from the program's DWARF debug information, so C++
// functions appear with their qualified, demangled names and their parameter
// lists: "geo::Circle::area() const", "geo::Square::Square(double)", and the
// two overloads "geo::scale(geo::Circle&, double)" and
// "geo::scale(geo::Square&, double)" are told apart. Template instantiations
// carry their template arguments and, as the demangler prints them, their
// return type: "geo::Circle& geo::enlarge<geo::Circle>(geo::Circle&, double)".
//
// What the program does (all deterministic):
//   - constructs a geo::Circle and a geo::Square (each constructor calls the
//     geo::Shape base constructor);
//   - enlarges both through the template geo::enlarge<S>(), which calls the
//     overload geo::scale(Circle&, double) or geo::scale(Square&, double);
//   - puts them in a std::vector and sums the areas with geo::total_area(),
//     which calls the virtual area() of each: geo::Circle::area and
//     geo::Square::area;
//   - leaves main, destroying both (geo::Square::~Square, geo::Circle::~Circle,
//     each followed by geo::Shape::~Shape).
//
// Functions defined in headers (std::vector's members, its iterators, the
// allocator) are compiled into this program too, so they are instrumented and
// show up as well, under their std:: and __gnu_cxx:: names: about 170 of the
// calls. Every node carries the source file it comes from, which is the
// easiest way to keep only your own code (to not record the standard library
// at all, compile with -finstrument-functions-exclude-file-list=/usr/include).
//
// The calls of this file's functions are deterministic: main plus 15 geo::
// calls (see the end of main).
//
// The trace is written at exit to <executable>.json beside the executable (or
// $CALLTRACE_OUTPUT):
//   jq '.call_trees[].root_calls[0].children[].function' shapes.json
//   jq '[.. | objects | select(.file? // "" | endswith("shapes.cpp")) | .function] | unique' shapes.json
//   jq '[.. | objects | select(.file? // "" | endswith("shapes.cpp"))] | length' shapes.json  -> 16
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace geo {

class Shape {
public:
    Shape() {}
    virtual ~Shape() {}
    virtual double area() const = 0;
};

class Circle : public Shape {
public:
    explicit Circle(double radius) : radius_(radius) {}
    ~Circle() override {}
    double area() const override { return 3.141592653589793 * radius_ * radius_; }

private:
    double radius_;
    friend void scale(Circle &c, double factor);
};

class Square : public Shape {
public:
    explicit Square(double side) : side_(side) {}
    ~Square() override {}
    double area() const override { return side_ * side_; }

private:
    double side_;
    friend void scale(Square &s, double factor);
};

// Two overloads with the same name: the trace tells them apart.
void scale(Circle &c, double factor)
{
    c.radius_ *= factor;
}

void scale(Square &s, double factor)
{
    s.side_ *= factor;
}

// A function template: each instantiation is its own function in the trace,
// geo::enlarge<geo::Circle> and geo::enlarge<geo::Square>.
template <typename S>
S &enlarge(S &shape, double factor)
{
    scale(shape, factor);
    return shape;
}

// Virtual calls: which area() runs is decided at run time, and the trace
// records the one that ran.
double total_area(const std::vector<const Shape *> &shapes)
{
    double sum = 0.0;
    for (const Shape *s : shapes)
        sum += s->area();
    return sum;
}

} // namespace geo

int main()
{
    geo::Circle circle(1.0); // area pi
    geo::Square square(3.0); // area 9

    geo::enlarge(circle, 2.0); // radius 2: area 4 pi
    geo::enlarge(square, 0.5); // side 1.5: area 2.25

    std::vector<const geo::Shape *> shapes;
    shapes.push_back(&circle);
    shapes.push_back(&square);

    double total = geo::total_area(shapes);
    std::printf("total area of a circle of radius 2 and a square of side 1.5: %.4f\n", total);
    std::printf("calls of this file's functions: main + 15 geo:: calls (2 constructors, each "
                "calling geo::Shape::Shape; geo::enlarge<geo::Circle> and <geo::Square>, each "
                "calling its geo::scale overload; geo::total_area, calling geo::Circle::area "
                "and geo::Square::area; 2 destructors, each calling geo::Shape::~Shape)\n");

    const char *out = std::getenv("CALLTRACE_OUTPUT");
    std::printf("trace written to %s at exit; try: jq '[.. | objects | select(.file? // \"\" | "
                "endswith(\"shapes.cpp\")) | .function] | unique' %s\n",
                out && *out ? out : "<executable>.json (beside the executable)",
                out && *out ? out : "shapes.json");
    return 0;
}
