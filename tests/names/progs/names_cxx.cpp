#include <string>

namespace geo {
struct Point {
    double x, y;
    double norm2() const;
};
double Point::norm2() const
{
    return x * x + y * y;
}
namespace detail {
int twice(int v)
{
    return 2 * v;
}
} // namespace detail
} // namespace geo

int over(int v)
{
    return v + 1;
}
int over(double v)
{
    return (int)v + 2;
}
template <typename T> T biggest(T a, T b)
{
    return a > b ? a : b;
}

extern "C" int run_cxx(void)
{
    geo::Point p{3, 4};
    int r = (int)p.norm2() + geo::detail::twice(2) + over(1) + over(1.5);
    r += biggest<int>(1, 2);
    return r;
}
