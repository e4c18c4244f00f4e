// Linalg ops whose indexing maps divide a loop index (nearest upsampling
// reads `d floordiv s`) on the default (vectorized) CPU pipeline. Tiling such
// a loop into vector tiles that do not start at multiples of the divisor
// read the wrong elements (72 of 864 in @upsample_2x3, tiles of 16 over 24
// columns); the loop is now kept whole when it fits a vector, else tiled by 1.
// Both results equal numpy's repeat.
// RUN: %python -c "import numpy as np; np.save('%t.x.npy', (np.arange(144) * 37 % 256 - 128).astype(np.int8).reshape(1, 3, 6, 8)); np.save('%t.long.npy', (np.arange(100) * 11 % 256 - 128).astype(np.int8).reshape(1, 1, 2, 50))"
// RUN: qc-run %s --entry upsample_2x3 --input %t.x.npy --output %t.y.npy
// RUN: qc-run %s --entry upsample_long --input %t.long.npy --output %t.ylong.npy
// RUN: %python -c "import numpy as np; x = np.load('%t.x.npy'); y = np.load('%t.y.npy'); assert (y == x.repeat(2, 2).repeat(3, 3)).all(), (y != x.repeat(2, 2).repeat(3, 3)).sum(); x = np.load('%t.long.npy'); y = np.load('%t.ylong.npy'); assert (y == x.repeat(4, 3)).all(), (y != x.repeat(4, 3)).sum(); print('ok')" | FileCheck %s
// CHECK: ok

#upsample_in = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 floordiv 2, d3 floordiv 3)>
#long_in = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3 floordiv 4)>
#identity = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>

func.func @upsample_2x3(%x: tensor<1x3x6x8xi8>) -> tensor<1x3x12x24xi8> {
  %e = tensor.empty() : tensor<1x3x12x24xi8>
  %r = linalg.generic {indexing_maps = [#upsample_in, #identity],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x3x6x8xi8>) outs(%e : tensor<1x3x12x24xi8>) {
  ^bb0(%a: i8, %b: i8):
    linalg.yield %a : i8
  } -> tensor<1x3x12x24xi8>
  return %r : tensor<1x3x12x24xi8>
}

// 200 columns: more than one vector, so the divided loop is tiled by 1.
func.func @upsample_long(%x: tensor<1x1x2x50xi8>) -> tensor<1x1x2x200xi8> {
  %e = tensor.empty() : tensor<1x1x2x200xi8>
  %r = linalg.generic {indexing_maps = [#long_in, #identity],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x1x2x50xi8>) outs(%e : tensor<1x1x2x200xi8>) {
  ^bb0(%a: i8, %b: i8):
    linalg.yield %a : i8
  } -> tensor<1x1x2x200xi8>
  return %r : tensor<1x1x2x200xi8>
}
