// capture_idioms: common C++ idioms whose functions return values, built
// with the standard library's templates instrumented too (no exclude list):
// with CALLTRACE_CAPTURE_ARGS=1 every one of those frames has its return
// address hijacked. The output and exit status must be the same with and
// without capture.
//   std::sort with an instrumented comparator function, and with a lambda;
//   std::function wrapping lambdas (capturing, recursive), std::accumulate,
//   std::transform, std::map with a comparator object, virtual functions,
//   structs returned in registers and in memory, doubles, std::string;
//   an exception thrown by a comparator out of std::sort, and by a lambda
//   through std::function, caught in main.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

struct Item {
    int key;
    int id;
};

__attribute__((noinline)) bool by_key(const Item &a, const Item &b)
{
    return a.key < b.key || (a.key == b.key && a.id < b.id);
}

struct Pair {
    long a, b; // returned in rax:rdx
};

struct Big {
    long v[6]; // returned in memory
};

__attribute__((noinline)) Pair make_pair_of(long x)
{
    return Pair{x, x * 2};
}

__attribute__((noinline)) Big make_big(long x)
{
    Big b;
    for (int i = 0; i < 6; i++)
        b.v[i] = x + i;
    return b;
}

__attribute__((noinline)) double halve(double d)
{
    return d / 2.0;
}

__attribute__((noinline)) std::string label(int k)
{
    return "item-" + std::to_string(k);
}

struct Shape {
    virtual ~Shape() = default;
    virtual long area() const = 0;
};

struct Rect : Shape {
    long w, h;
    Rect(long w_, long h_) : w(w_), h(h_) {}
    long area() const override { return w * h; }
};

struct Square : Shape {
    long s;
    explicit Square(long s_) : s(s_) {}
    long area() const override { return s * s; }
};

struct ByLength {
    bool operator()(const std::string &a, const std::string &b) const
    {
        return a.size() < b.size() || (a.size() == b.size() && a < b);
    }
};

struct Bad {
    int at;
};

__attribute__((noinline)) bool throwing_cmp(const Item &a, const Item &b)
{
    if (a.key == 13 || b.key == 13)
        throw Bad{13};
    return a.key < b.key;
}

int main()
{
    // std::sort with a comparator function, then with a lambda
    std::vector<Item> items;
    unsigned seed = 12345;
    for (int i = 0; i < 300; i++) {
        seed = seed * 1103515245u + 12345u;
        items.push_back(Item{(int)((seed >> 16) % 100), i});
    }
    std::vector<Item> sorted = items;
    std::sort(sorted.begin(), sorted.end(), by_key);
    long h = 0;
    for (const Item &it : sorted)
        h = h * 31 + it.key * 1000 + it.id;
    std::printf("sorted first=%d/%d last=%d/%d hash=%ld\n", sorted.front().key, sorted.front().id,
                sorted.back().key, sorted.back().id, h);
    std::vector<Item> desc = items;
    std::stable_sort(desc.begin(), desc.end(),
                     [](const Item &a, const Item &b) { return a.key > b.key; });
    h = 0;
    for (const Item &it : desc)
        h = h * 31 + it.key * 1000 + it.id;
    std::printf("stable desc hash=%ld\n", h);

    // std::function and lambdas
    int base = 7;
    std::function<int(int)> add_base = [base](int x) { return x + base; };
    std::function<long(long)> fact = [&fact](long n) { return n <= 1 ? 1 : n * fact(n - 1); };
    auto twice = [](int x) -> int { return 2 * x; };
    std::vector<int> nums(50);
    std::iota(nums.begin(), nums.end(), 1);
    std::vector<int> out(nums.size());
    std::transform(nums.begin(), nums.end(), out.begin(),
                   [&](int x) { return twice(add_base(x)); });
    long acc = std::accumulate(out.begin(), out.end(), 0L,
                               [](long s, int x) { return s + x; });
    std::printf("fact(15)=%ld acc=%ld add_base(5)=%d\n", fact(15), acc, add_base(5));

    // a map with a comparator object
    std::map<std::string, int, ByLength> m;
    for (int k = 0; k < 40; k++)
        m[label(k * 7 % 40)] = k;
    std::string keys;
    for (const auto &kv : m)
        keys += kv.first.substr(5) + ",";
    std::printf("map size=%zu keys=%s\n", m.size(), keys.c_str());

    // virtual calls, structs, doubles
    std::vector<std::unique_ptr<Shape>> shapes;
    for (long k = 1; k <= 20; k++) {
        if (k % 2)
            shapes.emplace_back(new Rect(k, k + 1));
        else
            shapes.emplace_back(new Square(k));
    }
    long areas = 0;
    for (const auto &s : shapes)
        areas += s->area();
    long pairs = 0, bigs = 0;
    double d = 1000.0;
    for (long k = 0; k < 30; k++) {
        Pair p = make_pair_of(k);
        pairs += p.a * 3 + p.b;
        Big b = make_big(k);
        for (long v : b.v)
            bigs += v;
        d = halve(d) + 1.0;
    }
    std::printf("areas=%ld pairs=%ld bigs=%ld d=%.6f\n", areas, pairs, bigs, d);

    // exceptions out of std::sort and through std::function
    std::vector<Item> boom = items;
    boom[150].key = 13;
    int caught = 0;
    try {
        std::sort(boom.begin(), boom.end(), throwing_cmp);
    } catch (const Bad &b) {
        caught += b.at;
    }
    std::function<int(int)> thrower = [](int x) -> int {
        if (x > 3)
            throw std::runtime_error("too big: " + std::to_string(x));
        return x;
    };
    int tsum = 0;
    for (int x = 0; x < 6; x++) {
        try {
            tsum += thrower(x);
        } catch (const std::runtime_error &e) {
            tsum += (int)std::string(e.what()).size();
        }
    }
    std::printf("caught=%d tsum=%d\n", caught, tsum);
    std::sort(sorted.begin(), sorted.end(), [](const Item &a, const Item &b) { return by_key(b, a); });
    std::printf("resorted first=%d/%d\n", sorted.front().key, sorted.front().id);
    return 0;
}
