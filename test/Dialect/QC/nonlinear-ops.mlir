// RUN: qc-opt %s | qc-opt | FileCheck %s
// Round trip of qc.table, qc.softmax, qc.layer_norm, qc.batch_matmul and
// qc.avg_pool2d's count_include_pad.

// CHECK-LABEL: func.func @table
// CHECK:         qc.table %{{.*}} table dense<{{.*}}> : tensor<16xi32> : tensor<2x3x!quant.uniform<i4:f32, 5.000000e-01:1>> -> tensor<2x3x!quant.uniform<u8:f32, 1.000000e-01:7>>
func.func @table(%x: tensor<2x3x!quant.uniform<i4:f32, 0.5:1>>) -> tensor<2x3x!quant.uniform<u8:f32, 0.1:7>> {
  %y = qc.table %x table dense<[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 255]> : tensor<16xi32>
      : tensor<2x3x!quant.uniform<i4:f32, 0.5:1>> -> tensor<2x3x!quant.uniform<u8:f32, 0.1:7>>
  return %y : tensor<2x3x!quant.uniform<u8:f32, 0.1:7>>
}

// CHECK-LABEL: func.func @softmax
// CHECK:         qc.softmax %{{.*}} axis 1 profile <single_round> : tensor<2x16x!quant.uniform<i8:f32, 1.000000e-01:3>> -> tensor<2x16x!quant.uniform<u8:f32, 3.906250e-03>>
func.func @softmax(%x: tensor<2x16x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<2x16x!quant.uniform<u8:f32, 0.00390625>> {
  %y = qc.softmax %x axis 1 profile <single_round> : tensor<2x16x!quant.uniform<i8:f32, 0.1:3>> -> tensor<2x16x!quant.uniform<u8:f32, 0.00390625>>
  return %y : tensor<2x16x!quant.uniform<u8:f32, 0.00390625>>
}

// CHECK-LABEL: func.func @layer_norm
// CHECK:         qc.layer_norm %{{.*}} gamma [1.000000e+00, 5.000000e-01] beta [0.000000e+00, 1.000000e-01] epsilon 1.000000e-05 : tensor<4x2x!quant.uniform<i8:f32, 1.000000e-01:3>> -> tensor<4x2x!quant.uniform<i8:f32, 5.000000e-02:-1>>
func.func @layer_norm(%x: tensor<4x2x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x2x!quant.uniform<i8:f32, 0.05:-1>> {
  %y = qc.layer_norm %x gamma [1.0, 0.5] beta [0.0, 0.1] epsilon 1.0e-05
      : tensor<4x2x!quant.uniform<i8:f32, 0.1:3>> -> tensor<4x2x!quant.uniform<i8:f32, 0.05:-1>>
  return %y : tensor<4x2x!quant.uniform<i8:f32, 0.05:-1>>
}

// CHECK-LABEL: func.func @batch_matmul
// CHECK:         qc.batch_matmul %{{.*}}, %{{.*}} clamp [0, 100] : tensor<2x4x8x!quant.uniform<i8:f32, 1.000000e-01:3>>, tensor<2x8x5x!quant.uniform<u8:f32, 2.000000e-01:128>> -> tensor<2x4x5x!quant.uniform<i8:f32, 5.000000e-01:2>>
func.func @batch_matmul(%a: tensor<2x4x8x!quant.uniform<i8:f32, 0.1:3>>, %b: tensor<2x8x5x!quant.uniform<u8:f32, 0.2:128>>) -> tensor<2x4x5x!quant.uniform<i8:f32, 0.5:2>> {
  %y = qc.batch_matmul %a, %b clamp [0, 100] : tensor<2x4x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<2x8x5x!quant.uniform<u8:f32, 0.2:128>> -> tensor<2x4x5x!quant.uniform<i8:f32, 0.5:2>>
  return %y : tensor<2x4x5x!quant.uniform<i8:f32, 0.5:2>>
}

// CHECK-LABEL: func.func @avg_pool_include_pad
// CHECK:         qc.avg_pool2d %{{.*}} {count_include_pad, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>}
func.func @avg_pool_include_pad(%x: tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>> {
  %y = qc.avg_pool2d %x {count_include_pad, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>} : tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>> -> tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>>
  return %y : tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>>
}

// CHECK-LABEL: func.func @float_island
// CHECK:         %[[I:.*]] = qc.float_island "f.float0" -> tensor<4xf32> {
// CHECK:           %[[L:.*]] = math.log %{{.*}} : tensor<4xf32>
// CHECK:           qc.yield %[[L]] : tensor<4xf32>
// CHECK:         }
// CHECK:         return %[[I]]
func.func @float_island(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = qc.float_island "f.float0" -> tensor<4xf32> {
    %l = math.log %x : tensor<4xf32>
    qc.yield %l : tensor<4xf32>
  }
  return %y : tensor<4xf32>
}
