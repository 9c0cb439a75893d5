#ifndef SHAPES_H
#define SHAPES_H
int rect_area(int w, int h);
int shapes_total(void);
#endif
