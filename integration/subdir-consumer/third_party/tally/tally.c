#include "tally.h"

int tally_add(int total, int x) { return total + x; }

int tally_sum(const int *xs, int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total = tally_add(total, xs[i]);
    return total;
}
