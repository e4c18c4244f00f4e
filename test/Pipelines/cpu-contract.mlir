// The integer contract of qc-cpu-pipeline: with integer-only, qc-verify-integer-contract
// rejects float computation right after qc-lower-to-linalg (qc-verify-cpu-contract
// checks the LLVM output again at the end).
// RUN: qc-opt %s -split-input-file -verify-diagnostics --qc-cpu-pipeline="integer-only=true"
// RUN: qc-opt %s -split-input-file --qc-cpu-pipeline | FileCheck %s

// A float computation passes the default contract but not integer-only
// (outlined into the entry's kernel function).
// CHECK-LABEL: llvm.func internal @scale_kernel0
// CHECK:       llvm.fmul
// CHECK-LABEL: llvm.func @scale
func.func @scale(%x: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8xf32>
  // expected-error@+1 {{computes on floating-point values outside a qc.float_boundary op}}
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %y = arith.mulf %v, %v : f32
    linalg.yield %y : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}
