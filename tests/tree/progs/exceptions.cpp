// C++ exceptions through instrumented frames: every frame an exception
// leaves is unwound, whatever the hook set; the calls a cleanup makes while
// the exception is in flight (a destructor and what it calls, an exception
// thrown and caught inside a destructor) return normally. No standard
// library header that defines functions: every node is one of ours.
#include <cstdio>

struct Boom {
    int code;
};

static volatile int sink;

__attribute__((noinline)) void helper(int k)
{
    sink = sink + k;
}

__attribute__((noinline)) void thrower(int k)
{
    sink = sink + k;
    throw Boom{k};
}

// thrown and caught while another exception unwinds the frames around it
__attribute__((noinline)) void inner_catch(int k)
{
    try {
        thrower(k);
    } catch (const Boom &b) {
        sink = sink + b.code;
    }
}

struct Guard {
    int k;
    ~Guard() { helper(k); }
};

struct Nested {
    ~Nested() { inner_catch(5); }
};

__attribute__((noinline)) void middle(int k)
{
    Guard g{k};
    thrower(k);
    sink = sink - 1; // not reached
}

__attribute__((noinline)) void outer(int k)
{
    Nested n;
    middle(k);
    sink = sink - 1; // not reached
}

// caught, then thrown again with no call in between
__attribute__((noinline)) void rethrower(int k)
{
    try {
        thrower(k);
    } catch (...) {
        throw;
    }
}

__attribute__((noinline)) int catcher(int k)
{
    try {
        if (k > 3)
            rethrower(k);
        else
            outer(k);
    } catch (const Boom &b) {
        return b.code;
    }
    return 0;
}

int main()
{
    int c = catcher(3);
    helper(1);
    c += catcher(4);
    std::printf("caught=%d\n", c);
    return 0;
}
