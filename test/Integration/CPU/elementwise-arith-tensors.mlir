// Bare elementwise arith on tensors (rank 0 and rank 1) on the CPU target.
// Before convert-elementwise-to-linalg ran in qc-cpu-pipeline, bufferization
// stopped at them ("op was not bufferized"); the Vulkan pipeline already
// ran them. The i8 adds wrap (100 + 99 = -57), the i32 multiply is signed;
// every result is compared with numpy's.
// RUN: %python -c "import numpy as np; np.save('%t.a.npy', np.asarray(100, np.int8)); np.save('%t.b.npy', np.asarray(99, np.int8)); np.save('%t.v.npy', np.array([127, -128, 5, -1, 0, 64, -64], np.int8)); np.save('%t.w.npy', np.array([1, -1, -5, -128, 0, 64, 127], np.int8)); np.save('%t.p.npy', np.asarray(-46341, np.int32))"
// RUN: qc-run %s --entry add0 --input %t.a.npy --input %t.b.npy --output %t.add0.npy
// RUN: qc-run %s --entry add1 --input %t.v.npy --input %t.w.npy --output %t.add1.npy
// RUN: qc-run %s --entry mul0 --input %t.p.npy --input %t.p.npy --output %t.mul0.npy
// RUN: %python -c "import numpy as np; l = lambda n: np.load('%t.' + n + '.npy'); r = l('add0'); assert r.shape == () and r.dtype == np.int8 and r == -57, r; v, w = l('v'), l('w'); r = l('add1'); assert r.dtype == np.int8 and (r == (v.astype(np.int16) + w).astype(np.int8)).all(), r; p = l('p'); r = l('mul0'); assert r.shape == () and r.dtype == np.int32 and r == np.int32((int(p) * int(p) + 2**31) %% 2**32 - 2**31), r; print('ok')" | FileCheck %s
// CHECK: ok

func.func @add0(%a: tensor<i8>, %b: tensor<i8>) -> tensor<i8> {
  %s = arith.addi %a, %b : tensor<i8>
  return %s : tensor<i8>
}

func.func @add1(%a: tensor<7xi8>, %b: tensor<7xi8>) -> tensor<7xi8> {
  %s = arith.addi %a, %b : tensor<7xi8>
  return %s : tensor<7xi8>
}

func.func @mul0(%a: tensor<i32>, %b: tensor<i32>) -> tensor<i32> {
  %s = arith.muli %a, %b : tensor<i32>
  return %s : tensor<i32>
}
