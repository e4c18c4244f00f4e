/* Calls the digits MLP imported from ONNX and compiled by qc-compile through
 * its generated header: a program with its own main links the model's entry
 * (digits_mlp) without a clash. */
#include "libclassifier.h"

#include <stdio.h>

int main(void) {
  static float x[37 * 64], y[37 * 10];
  for (int i = 0; i < 37 * 64; ++i)
    x[i] = (float)((i * 7) % 17) / 16.0f;
  for (int batch = 1; batch <= 37; batch += 36) {
    digits_mlp(batch, x, y);
    printf("batch %d:", batch);
    for (long i = 0; i < DIGITS_MLP_RESULT0_ELEMENTS(batch); ++i)
      printf(" %.9g", y[i]);
    printf("\n");
  }
  return 0;
}
