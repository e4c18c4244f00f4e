// Intermediate buffers whose uses do not overlap share a device buffer
// (qc::vulkan::planMemory). Each widening below needs a new buffer (the
// squares are computed in place): t1 (i16) lives until t2 is made, t2 (i32)
// until t3 is, so t3 (i64) takes t1's buffer, grown; t2 keeps its own.
// Results stay exact over repeated runs, under the validation layer.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/a.npy', np.random.default_rng(18).integers(-128, 128, (37, 29), dtype=np.int8))"
// RUN: qc-vulkan-run %s --input %t/a.npy --output %t/y.npy --repeat 3 --profile | FileCheck %s
// RUN: qc-vulkan-run %s --input %t/a.npy --output %t/yp.npy --repeat 2 --validation
// RUN: %python -c "import numpy as np; a = np.load('%t/a.npy').astype(np.int64); y = ((a * a) ** 2) ** 2; y = y.astype(np.int32); [np.testing.assert_array_equal(np.load('%t/' + f), y) for f in ('y.npy', 'yp.npy')]; print('PASS')" | FileCheck %s --check-prefix=EXACT
// 37 * 29 elements: t1 2146 bytes, t2 4292, t3 8584 (t1's block grown).
// CHECK: memory: 5 buffers in 4 device buffers, 18244 bytes (20392 without reuse)
// EXACT: PASS

func.func @main(%a: tensor<37x29xi8>) -> tensor<37x29xi32> {
  %t1 = arith.extsi %a : tensor<37x29xi8> to tensor<37x29xi16>
  %s1 = arith.muli %t1, %t1 : tensor<37x29xi16>
  %t2 = arith.extsi %s1 : tensor<37x29xi16> to tensor<37x29xi32>
  %s2 = arith.muli %t2, %t2 : tensor<37x29xi32>
  %t3 = arith.extsi %s2 : tensor<37x29xi32> to tensor<37x29xi64>
  %s3 = arith.muli %t3, %t3 : tensor<37x29xi64>
  %y = arith.trunci %s3 : tensor<37x29xi64> to tensor<37x29xi32>
  return %y : tensor<37x29xi32>
}
