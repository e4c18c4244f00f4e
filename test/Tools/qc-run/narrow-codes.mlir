// Narrow codes at the boundary: an i4 (u4) argument or result is an int8
// (uint8) .npy holding one code per element; every input code is checked
// against the N-bit range, and unsigned results come back as their codes
// (not the sign-extended bytes the compiled code keeps).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/i4.npy', np.array([-8, -1, 0, 7], np.int8)); np.save('%t/u4.npy', np.array([0, 9, 15, 12], np.uint8)); np.save('%t/i4-high.npy', np.array([-8, -1, 0, 8], np.int8)); np.save('%t/u4-high.npy', np.array([[0, 9], [16, 1]], np.uint8)); np.save('%t/i4-low.npy', np.array([-9, 0, 0, 0], np.int8))"
// RUN: qc-run %s --entry codes --input %t/i4.npy --input %t/u4.npy --output %t/a.npy --output %t/b.npy --output %t/r.npy
// RUN: %python -c "import numpy as np; [print(n, np.load('%t/' + n + '.npy').dtype, np.load('%t/' + n + '.npy').tolist()) for n in ['a', 'b', 'r']]" | FileCheck %s
// CHECK: a int8 [-8, -1, 0, 7]
// CHECK: b uint8 [0, 9, 15, 12]
// u4 9 is read as 9, not as the i4 pattern -7: 2 * (9 - 8) = 2.
// CHECK: r uint8 [0, 2, 14, 8]

// RUN: not qc-run %s --entry codes --input %t/i4-high.npy --input %t/u4.npy 2>&1 | FileCheck %s --check-prefix=HIGH
// HIGH: qc-run: error: argument #0 of @codes ('{{.*}}i4-high.npy'): element [3] is 8, outside the i4 range [-8, 7]
// RUN: not qc-run %s --entry codes --input %t/i4-low.npy --input %t/u4.npy 2>&1 | FileCheck %s --check-prefix=LOW
// LOW: qc-run: error: argument #0 of @codes ('{{.*}}i4-low.npy'): element [0] is -9, outside the i4 range [-8, 7]
// RUN: not qc-run %s --entry matrix --input %t/u4-high.npy 2>&1 | FileCheck %s --check-prefix=U4
// U4: qc-run: error: argument #0 of @matrix ('{{.*}}u4-high.npy'): element [1, 0] is 16, outside the u4 range [0, 15]
// RUN: not qc-run %s --entry codes --input %t/u4.npy --input %t/u4.npy 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: qc-run: error: argument #0 of @codes ('{{.*}}u4.npy'): expected int8[4] of i4 codes, got uint8[4]

!i4 = !quant.uniform<i4:f32, 0.5>
!u4 = !quant.uniform<u4:f32, 1.0:8>
!u4h = !quant.uniform<u4:f32, 0.5>
func.func @codes(%a: tensor<4x!i4>, %b: tensor<4x!u4>) -> (tensor<4x!i4>, tensor<4x!u4>, tensor<4x!u4h>) {
  %r = qc.requantize %b : tensor<4x!u4> -> tensor<4x!u4h>
  return %a, %b, %r : tensor<4x!i4>, tensor<4x!u4>, tensor<4x!u4h>
}

func.func @matrix(%a: tensor<2x2x!u4>) -> tensor<2x2x!u4> {
  return %a : tensor<2x2x!u4>
}
