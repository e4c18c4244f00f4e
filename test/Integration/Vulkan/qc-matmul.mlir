// A qc.matmul on quantized tensors (zero points, i32 bias, fixed-point
// requantization with i64 intermediates) runs through qc-lower-to-linalg on
// both targets; the Vulkan result equals the CPU result byte for byte, and
// the reference of python/qc/reference.py.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; r = np.random.default_rng(5); np.save('%t/a.npy', r.integers(-128, 128, (37, 53), dtype=np.int8)); np.save('%t/w.npy', r.integers(-127, 128, (53, 29), dtype=np.int8)); np.save('%t/b.npy', r.integers(-3000, 3000, (29,), dtype=np.int32))"
// RUN: qc-run --target=vulkan %s --input %t/a.npy --input %t/w.npy --input %t/b.npy --output %t/vulkan.npy
// RUN: qc-run --target=cpu %s --input %t/a.npy --input %t/w.npy --input %t/b.npy --output %t/cpu.npy
// RUN: %python -c "import numpy as np; from qc import reference as ref; a, w, b = (np.load('%t/' + n + '.npy') for n in 'awb'); acc = ref.matmul(a, 3, w, 0, b); want = ref.output_stage(acc, 0.1 * 0.05 / 2.0, -5, -128, 127).astype(np.int8); v = np.load('%t/vulkan.npy'); c = np.load('%t/cpu.npy'); print('distinct', len(np.unique(want)) > 50, 'vulkan', v.dtype, (v == want).all(), 'cpu', (c == want).all())" | FileCheck %s
// CHECK: distinct True vulkan int8 True cpu True

// Portable mode (no Int8/Int64 device features: i64 emulated with i32 pairs,
// i8 buffers in i32 words) computes the same bytes.
// RUN: qc-run --target=vulkan --pipeline-options=portable %s --input %t/a.npy --input %t/w.npy --input %t/b.npy --output %t/portable.npy
// RUN: %python -c "import numpy as np; print('portable equals cpu', np.array_equal(np.load('%t/portable.npy'), np.load('%t/cpu.npy')))" | FileCheck %s --check-prefix=PORTABLE
// PORTABLE: portable equals cpu True

!a = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32, 0.05>
!b = !quant.uniform<i32:f32, 0.005>
!y = !quant.uniform<i8:f32, 2.0:-5>
func.func @main(%a: tensor<37x53x!a>, %w: tensor<53x29x!w>, %b: tensor<29x!b>) -> tensor<37x29x!y> {
  %0 = qc.matmul %a, %w bias %b : tensor<37x53x!a>, tensor<53x29x!w>, tensor<29x!b> -> tensor<37x29x!y>
  return %0 : tensor<37x29x!y>
}
