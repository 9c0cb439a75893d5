#ifndef TALLY_H
#define TALLY_H
int tally_add(int total, int x);
int tally_sum(const int *xs, int n);
#endif
