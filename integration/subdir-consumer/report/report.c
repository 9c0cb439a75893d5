#include "report.h"

#include <stdio.h>

void report_total(int total) { printf("subdir consumer: total %d\n", total); }
