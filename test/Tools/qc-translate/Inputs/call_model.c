/* Calls the C entry point of integer-model.mlir from C, as an embedding
   application would, and prints the int8 results one per line. */
#include <stdint.h>
#include <stdio.h>

#define MEMREF(rank)                                                          \
  struct memref##rank {                                                       \
    void *allocated, *aligned;                                                \
    int64_t offset, sizes[rank], strides[rank];                               \
  }
MEMREF(1);
MEMREF(2);

void _mlir_ciface_model(struct memref2 *a, struct memref2 *b,
                        struct memref1 *bias, struct memref2 *out);

int main(void) {
  static int8_t a[8][64], b[64][32], out[8][32];
  static int32_t bias[32];
  for (int i = 0; i < 8; ++i)
    for (int k = 0; k < 64; ++k)
      a[i][k] = (int8_t)((i * 64 + k) * 37 % 256 - 128);
  for (int k = 0; k < 64; ++k)
    for (int j = 0; j < 32; ++j)
      b[k][j] = (int8_t)((k * 32 + j) * 91 % 256 - 128);
  for (int j = 0; j < 32; ++j)
    bias[j] = j * 1000 - 16000;
  struct memref2 ma = {a, a, 0, {8, 64}, {64, 1}};
  struct memref2 mb = {b, b, 0, {64, 32}, {32, 1}};
  struct memref1 mbias = {bias, bias, 0, {32}, {1}};
  struct memref2 mout = {out, out, 0, {8, 32}, {32, 1}};
  _mlir_ciface_model(&ma, &mb, &mbias, &mout);
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 32; ++j)
      printf("%d\n", out[i][j]);
  return 0;
}
