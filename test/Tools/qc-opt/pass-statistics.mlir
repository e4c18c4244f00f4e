// The statistics qc's passes declare, counted (issue 16): qc-opt
// --qc-pass-statistics prints them for the fold and for a CPU pass. Debian's
// release LLVM compiles LLVM's statistics out, so --mlir-pass-statistics
// lists no pass there (the last RUN line shows what it prints).
// RUN: qc-opt %s --pass-pipeline='builtin.module(func.func(qc-fold-fake-quant,qc-copy-repeated-results))' --qc-pass-statistics -o /dev/null 2>&1 | FileCheck %s
// CHECK:      ... qc pass statistics ...
// CHECK:      qc-copy-repeated-results
// CHECK-NEXT:   (S) 2 copied-results
// CHECK-NEXT: qc-fold-fake-quant
// CHECK-NEXT:   (S) 1 folded-ops
// CHECK-NEXT:   (S) 1 kept-float-ops
// CHECK-NOT:  (S)

// Without the option nothing is printed; LLVM's report has no qc pass.
// RUN: qc-opt %s --qc-fold-fake-quant -o /dev/null 2>&1 | count 0
// RUN: qc-opt %s --qc-fold-fake-quant --mlir-pass-statistics -o /dev/null 2>&1 | FileCheck %s --check-prefix=LLVM
// LLVM: ... Pass statistics report ...
// LLVM-NOT: folded-ops

// Folds: a quantized matmul becomes one qc.matmul (the quantize and
// dequantize at its ends are boundaries, not counted).
func.func @folds(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %q = qc.fake_quant %x to !quant.uniform<i8:f32, 0.05> : tensor<2x4xf32>
  %w0 = arith.constant dense<[[0.5, -0.25, 1.0], [0.75, 0.0, -1.0], [0.25, 0.5, 0.5], [-0.5, 1.0, 0.0]]> : tensor<4x3xf32>
  %w = qc.fake_quant %w0 to !quant.uniform<i8<-127:127>:f32, 0.01> : tensor<4x3xf32>
  %zero = arith.constant dense<0.0> : tensor<2x3xf32>
  %mm = linalg.matmul ins(%q, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%zero : tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = qc.fake_quant %mm to !quant.uniform<i8:f32, 0.1> : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// Stays in float: log has no integer table (NaN below the zero point).
func.func @stays_float(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  %t = math.log %q : tensor<4xf32>
  %y = qc.fake_quant %t to !quant.uniform<i8:f32, 0.01> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// A bufferized function that returns one buffer three times: two copies.
func.func @repeated(%m: memref<4xf32>) -> (memref<4xf32>, memref<4xf32>, memref<4xf32>) {
  return %m, %m, %m : memref<4xf32>, memref<4xf32>, memref<4xf32>
}
