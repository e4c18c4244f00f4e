/* Calls the C entry point of weights_model.py's model and prints the int32
   results one per line. */
#include <stdint.h>
#include <stdio.h>

struct memref2 {
  void *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
};

void _mlir_ciface_model(struct memref2 *a, struct memref2 *out);

int main(void) {
  static int8_t a[8][64];
  static int32_t out[8][128];
  for (int i = 0; i < 8; ++i)
    for (int k = 0; k < 64; ++k)
      a[i][k] = (int8_t)((i * 64 + k) * 37 % 256 - 128);
  struct memref2 ma = {a, a, 0, {8, 64}, {64, 1}};
  struct memref2 mout = {out, out, 0, {8, 128}, {128, 1}};
  _mlir_ciface_model(&ma, &mout);
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 128; ++j)
      printf("%d\n", out[i][j]);
  return 0;
}
