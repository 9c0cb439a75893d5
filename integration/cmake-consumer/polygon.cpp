// C++: a class in a namespace, a template, called from C through cpp_entry().
namespace geometry {

class Polygon {
public:
    Polygon(int sides, int length) : sides_(sides), length_(length) {}
    int perimeter() const { return sides_ * length_; }

private:
    int sides_;
    int length_;
};

template <typename T> T twice(T x) { return x + x; }

} // namespace geometry

extern "C" int cpp_entry(int side)
{
    geometry::Polygon triangle(3, side);
    return geometry::twice(triangle.perimeter()) / 2;
}
