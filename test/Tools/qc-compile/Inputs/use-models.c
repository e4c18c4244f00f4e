/* Calls two models compiled by qc-compile through their generated headers:
 * tiny (dynamic batch) at batch 1 and 37, and layer (static batch 2). Both
 * libraries link into one program: their internal symbols do not clash. */
#include "layer.h"
#include "tiny.h"

#include <stdio.h>

static void print(const char *what, const float *y, long count) {
  printf("%s:", what);
  for (long i = 0; i < count; ++i)
    printf(" %.9g", y[i]);
  printf("\n");
}

int main(void) {
  float x[37 * 4], y[37 * 3], z[LAYER_RESULT0_ELEMENTS];
  for (int i = 0; i < 37 * 4; ++i)
    x[i] = (float)(i % 7 - 3) / 4;
  tiny(1, x, y);
  print("tiny batch 1", y, TINY_RESULT0_ELEMENTS(1));
  tiny(37, x, y);
  print("tiny batch 37", y, TINY_RESULT0_ELEMENTS(37));
  layer(x, z);
  print("layer", z, LAYER_RESULT0_ELEMENTS);
  return 0;
}
