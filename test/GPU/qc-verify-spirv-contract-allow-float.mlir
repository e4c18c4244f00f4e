// RUN: qc-opt %s --qc-verify-spirv-contract=allow-float | FileCheck %s
// RUN: not qc-opt %s --qc-verify-spirv-contract 2>&1 | FileCheck %s --check-prefix=DEFAULT

// allow-float accepts a kernel that computes in f32; the default rejects it.
// CHECK: spirv.Constant 1.000000e+00 : f32
// DEFAULT: error: floating-point computation in kernel __spv__k
module {
  spirv.module @__spv__k Logical GLSL450 {
    spirv.func @k() "None" {
      %0 = spirv.Constant 1.0 : f32
      spirv.Return
    }
  }
}
