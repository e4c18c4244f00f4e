// The C program's job from C++: the generated headers are C++-clean.
#include "layer.h"
#include "tiny.h"

#include <cstdio>
#include <vector>

static void print(const char *what, const std::vector<float> &y) {
  std::printf("%s:", what);
  for (float v : y)
    std::printf(" %.9g", v);
  std::printf("\n");
}

int main() {
  std::vector<float> x(37 * 4);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = float(int(i % 7) - 3) / 4;
  for (int64_t batch : {1, 37}) {
    std::vector<float> y(TINY_RESULT0_ELEMENTS(batch));
    tiny(batch, x.data(), y.data());
    print(batch == 1 ? "tiny batch 1" : "tiny batch 37", y);
  }
  std::vector<float> z(LAYER_RESULT0_ELEMENTS);
  layer(x.data(), z.data());
  print("layer", z);
  return 0;
}
