/* Calls: main -> tally_sum (third_party/, added before find_package) -> tally_add x4,
 * main -> report_total (report/, added after). */
#include <calltrace.h>

#include "report.h"
#include "tally.h"

int main(void)
{
    static const int xs[] = {1, 2, 3, 4};
    int total = tally_sum(xs, 4);
    report_total(total);
    return total == 10 ? 0 : 1;
}
