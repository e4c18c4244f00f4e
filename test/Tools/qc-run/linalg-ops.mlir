// Integer linalg ops that qc-lower-to-linalg produces (convolution, batch
// matmul, transpose/reshape/pad/slice, max pooling) run through
// qc-cpu-pipeline, with and without AVX512-VNNI; numpy decides.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/check_linalg_ops.py make %t
// RUN: qc-run %s --entry conv --input %t/cx.npy --input %t/cw.npy --output %t/conv.npy
// RUN: qc-run %s --entry bmm --input %t/ba.npy --input %t/bb.npy --output %t/bmm.npy
// RUN: qc-run %s --entry shapes --input %t/sa.npy --output %t/shapes.npy
// RUN: qc-run %s --entry pool --input %t/px.npy --output %t/pool.npy
// RUN: %python %S/Inputs/check_linalg_ops.py check %t | FileCheck %s
// RUN: qc-run %s --pipeline-options=x86-vnni=false --entry bmm --input %t/ba.npy --input %t/bb.npy --output %t/bmm.npy
// RUN: qc-run %s --pipeline-options=vectorize=false --entry conv --input %t/cx.npy --input %t/cw.npy --output %t/conv.npy
// RUN: %python %S/Inputs/check_linalg_ops.py check %t | FileCheck %s
// CHECK: conv ok
// CHECK: bmm ok
// CHECK: shapes ok
// CHECK: pool ok

func.func @conv(%x: tensor<1x10x10x3xi8>, %w: tensor<3x3x3x8xi8>) -> tensor<1x8x8x8xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x8x8x8xi32>
  %z = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x8x8x8xi32>) -> tensor<1x8x8x8xi32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x10x10x3xi8>, tensor<3x3x3x8xi8>) outs(%z : tensor<1x8x8x8xi32>) -> tensor<1x8x8x8xi32>
  return %r : tensor<1x8x8x8xi32>
}
func.func @bmm(%a: tensor<3x5x64xi8>, %b: tensor<3x64x32xi8>) -> tensor<3x5x32xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<3x5x32xi32>
  %z = linalg.fill ins(%c0 : i32) outs(%e : tensor<3x5x32xi32>) -> tensor<3x5x32xi32>
  %r = linalg.batch_matmul ins(%a, %b : tensor<3x5x64xi8>, tensor<3x64x32xi8>) outs(%z : tensor<3x5x32xi32>) -> tensor<3x5x32xi32>
  return %r : tensor<3x5x32xi32>
}
func.func @shapes(%a: tensor<4x6xi8>) -> tensor<6x4xi8> {
  %e = tensor.empty() : tensor<6x4xi8>
  %t = linalg.transpose ins(%a : tensor<4x6xi8>) outs(%e : tensor<6x4xi8>) permutation = [1, 0]
  %c = tensor.collapse_shape %t [[0, 1]] : tensor<6x4xi8> into tensor<24xi8>
  %p = tensor.expand_shape %c [[0, 1]] output_shape [6, 4] : tensor<24xi8> into tensor<6x4xi8>
  %z = arith.constant 0 : i8
  %pad = tensor.pad %p low[1, 1] high[1, 1] { ^bb0(%i: index, %j: index): tensor.yield %z : i8 } : tensor<6x4xi8> to tensor<8x6xi8>
  %s = tensor.extract_slice %pad[1, 1] [6, 4] [1, 1] : tensor<8x6xi8> to tensor<6x4xi8>
  return %s : tensor<6x4xi8>
}
func.func @pool(%x: tensor<1x8x8x4xi32>) -> tensor<1x4x4x4xi32> {
  %min = arith.constant -2147483648 : i32
  %e = tensor.empty() : tensor<1x4x4x4xi32>
  %f = linalg.fill ins(%min : i32) outs(%e : tensor<1x4x4x4xi32>) -> tensor<1x4x4x4xi32>
  %k = tensor.empty() : tensor<2x2xi32>
  %r = linalg.pooling_nhwc_max {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
     ins(%x, %k : tensor<1x8x8x4xi32>, tensor<2x2xi32>) outs(%f : tensor<1x4x4x4xi32>) -> tensor<1x4x4x4xi32>
  return %r : tensor<1x4x4x4xi32>
}
