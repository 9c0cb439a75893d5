#ifndef REPORT_H
#define REPORT_H
void report_total(int total);
#endif
