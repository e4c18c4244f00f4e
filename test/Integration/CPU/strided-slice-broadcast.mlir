// Nearest upsampling as the ONNX importer writes it (expand_shape, broadcast
// generic, collapse_shape) of a strided slice of a computed tensor, on the
// default CPU pipeline. The broadcast reads single elements through a
// memref with stride 2; those 0-d transfer_reads were left for
// convert-vector-to-llvm, which does not lower transfers ("'builtin.
// unrealized_conversion_cast' ... (i64) -> index"). The result equals numpy.
// RUN: %python -c "import numpy as np; r = np.random.default_rng(3); np.save('%t.a.npy', r.integers(-60, 60, (1, 3, 6, 8)).astype(np.int8)); np.save('%t.b.npy', r.integers(-60, 60, (1, 3, 6, 8)).astype(np.int8))"
// RUN: qc-run %s --input %t.a.npy --input %t.b.npy --output %t.y.npy
// RUN: %python -c "import numpy as np; a = np.load('%t.a.npy'); b = np.load('%t.b.npy'); y = np.load('%t.y.npy'); want = (a + b)[:, :, 1:5, 2::2].repeat(2, 2).repeat(3, 3); assert y.shape == want.shape and (y == want).all(), (y.shape, (y != want).sum()); print('ok')" | FileCheck %s
// CHECK: ok

#broadcast_in = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, 0, d4, 0)>
#identity = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>

func.func @add_slice_upsample(%a: tensor<1x3x6x8xi8>, %b: tensor<1x3x6x8xi8>) -> tensor<1x3x8x9xi8> {
  %e0 = tensor.empty() : tensor<1x3x6x8xi8>
  %sum = linalg.add ins(%a, %b : tensor<1x3x6x8xi8>, tensor<1x3x6x8xi8>) outs(%e0 : tensor<1x3x6x8xi8>) -> tensor<1x3x6x8xi8>
  %slice = tensor.extract_slice %sum[0, 0, 1, 2] [1, 3, 4, 3] [1, 1, 1, 2] : tensor<1x3x6x8xi8> to tensor<1x3x4x3xi8>
  %expanded = tensor.expand_shape %slice [[0], [1], [2, 3], [4, 5]] output_shape [1, 3, 4, 1, 3, 1] : tensor<1x3x4x3xi8> into tensor<1x3x4x1x3x1xi8>
  %e = tensor.empty() : tensor<1x3x4x2x3x3xi8>
  %up = linalg.generic {indexing_maps = [#broadcast_in, #identity],
                        iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%expanded : tensor<1x3x4x1x3x1xi8>) outs(%e : tensor<1x3x4x2x3x3xi8>) {
  ^bb0(%in: i8, %out: i8):
    linalg.yield %in : i8
  } -> tensor<1x3x4x2x3x3xi8>
  %collapsed = tensor.collapse_shape %up [[0], [1], [2, 3], [4, 5]] : tensor<1x3x4x2x3x3xi8> into tensor<1x3x8x9xi8>
  return %collapsed : tensor<1x3x8x9xi8>
}
