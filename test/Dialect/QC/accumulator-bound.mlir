// RUN: qc-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// The i32 accumulator bound (docs/Numerics.md, "Operations") is proven from
// the reduction size, so every contraction needs a static one; the dynamic
// batch (the leading dimension) and dynamic spatial sizes are not reductions
// and stay accepted.

// Dynamic batch M of qc.matmul.
// CHECK-LABEL: func.func @matmul_dynamic_batch
// CHECK: qc.matmul %{{.*}}, %{{.*}} : tensor<?x8x!quant.uniform<i8:f32, 1.000000e-01:3>>, tensor<8x3x!quant.uniform<i8:f32, 2.000000e-02>> -> tensor<?x3x!quant.uniform<i8:f32, 2.500000e-01:-5>>
func.func @matmul_dynamic_batch(%a: tensor<?x8x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<8x3x!quant.uniform<i8:f32, 0.02>>) -> tensor<?x3x!quant.uniform<i8:f32, 0.25:-5>> {
  %0 = qc.matmul %a, %w : tensor<?x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<8x3x!quant.uniform<i8:f32, 0.02>> -> tensor<?x3x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<?x3x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// Dynamic batch and spatial sizes of qc.conv2d: the reduction is
// KH * KW * C / groups, all static.
// CHECK-LABEL: func.func @conv_dynamic_batch
// CHECK: qc.conv2d {{.*}} -> tensor<?x?x?x6x!quant.uniform<i8:f32, 2.500000e-01:-5>>
func.func @conv_dynamic_batch(%x: tensor<?x?x?x4x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>>) -> tensor<?x?x?x6x!quant.uniform<i8:f32, 0.25:-5>> {
  %0 = qc.conv2d %x, %w : tensor<?x?x?x4x!quant.uniform<i8:f32, 0.1:3>>, tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>> -> tensor<?x?x?x6x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<?x?x?x6x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// Dynamic batch B and rows M of qc.batch_matmul.
// CHECK-LABEL: func.func @batch_matmul_dynamic_batch
// CHECK: qc.batch_matmul {{.*}} -> tensor<?x?x5x!quant.uniform<i8:f32, 5.000000e-01:2>>
func.func @batch_matmul_dynamic_batch(%a: tensor<?x?x8x!quant.uniform<i8:f32, 0.1:3>>, %b: tensor<2x8x5x!quant.uniform<i8:f32, 0.2>>) -> tensor<?x?x5x!quant.uniform<i8:f32, 0.5:2>> {
  %y = qc.batch_matmul %a, %b : tensor<?x?x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<2x8x5x!quant.uniform<i8:f32, 0.2>> -> tensor<?x?x5x!quant.uniform<i8:f32, 0.5:2>>
  return %y : tensor<?x?x5x!quant.uniform<i8:f32, 0.5:2>>
}

// -----

// A dynamic K: no bound can be proven.
func.func @matmul_dynamic_k(%a: tensor<4x?x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<?x3x!quant.uniform<i8:f32, 0.02>>) -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{the reduction size K must be static (the i32 accumulator bound is proven from it)}}
  %0 = qc.matmul %a, %w : tensor<4x?x!quant.uniform<i8:f32, 0.1:3>>, tensor<?x3x!quant.uniform<i8:f32, 0.02>> -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// Dynamic input channels of a convolution: its reduction is KH * KW * C.
func.func @conv_dynamic_channels(%x: tensor<1x8x8x?x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>>) -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{channel counts and filter sizes must be static}}
  %0 = qc.conv2d %x, %w : tensor<1x8x8x?x!quant.uniform<i8:f32, 0.1:3>>, tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>> -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// A dynamic K of a batched matmul of activations.
func.func @batch_matmul_dynamic_k(%a: tensor<2x4x?x!quant.uniform<i8:f32, 0.1:3>>, %b: tensor<2x8x5x!quant.uniform<i8:f32, 0.2>>) -> tensor<2x4x5x!quant.uniform<i8:f32, 0.5:2>> {
  // expected-error@+1 {{K, N and the batch of rhs must be static}}
  %y = qc.batch_matmul %a, %b : tensor<2x4x?x!quant.uniform<i8:f32, 0.1:3>>, tensor<2x8x5x!quant.uniform<i8:f32, 0.2>> -> tensor<2x4x5x!quant.uniform<i8:f32, 0.5:2>>
  return %y : tensor<2x4x5x!quant.uniform<i8:f32, 0.5:2>>
}

// -----

// The bound itself for a batched matmul: 131 * 128 * 128100 > 2^31 - 1.
func.func @batch_matmul_overflow(%a: tensor<1x1x128100x!quant.uniform<i8:f32, 0.1:3>>, %b: tensor<1x128100x1x!quant.uniform<i8:f32, 0.2>>) -> tensor<1x1x1x!quant.uniform<i8:f32, 0.5:2>> {
  // expected-error@+1 {{i32 accumulator may overflow: 128100 products of up to 131 x 128 exceed 2^31 - 1}}
  %y = qc.batch_matmul %a, %b : tensor<1x1x128100x!quant.uniform<i8:f32, 0.1:3>>, tensor<1x128100x1x!quant.uniform<i8:f32, 0.2>> -> tensor<1x1x1x!quant.uniform<i8:f32, 0.5:2>>
  return %y : tensor<1x1x1x!quant.uniform<i8:f32, 0.5:2>>
}
