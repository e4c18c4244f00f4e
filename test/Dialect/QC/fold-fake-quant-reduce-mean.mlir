// RUN: qc-opt %s -split-input-file --qc-fold-fake-quant | FileCheck %s
// --qc-fold-fake-quant on a quantized mean over any axes (ONNX ReduceMean as
// the importer writes it): one qc.avg_pool2d whose window covers the reduced
// elements, between qc.reshape views (FoldFakeQuantReduceMean.cpp).

// Mean over a middle axis, new parameters after it: [2, 3, 8] viewed as NHWC
// [2, 3, 1, 8], a (3 x 1) window, requantized, viewed as [2, 8].
// CHECK-LABEL: func.func @mean_axis1
// CHECK:         %[[Q:.*]] = qc.quantize %arg0 : tensor<2x3x8xf32> -> tensor<2x3x8x!quant.uniform<u8:f32, 5.000000e-02:3>>
// CHECK:         %[[V:.*]] = qc.reshape %[[Q]] : tensor<2x3x8x!quant.uniform<u8:f32, 5.000000e-02:3>> -> tensor<2x3x1x8x!quant.uniform<u8:f32, 5.000000e-02:3>>
// CHECK:         %[[P:.*]] = qc.avg_pool2d %[[V]] {kernel = array<i64: 3, 1>} : tensor<2x3x1x8x!quant.uniform<u8:f32, 5.000000e-02:3>> -> tensor<2x1x1x8x!quant.uniform<u8:f32, 5.000000e-02:3>>
// CHECK:         %[[R:.*]] = qc.requantize %[[P]]{{.*}} -> tensor<2x1x1x8x!quant.uniform<u8:f32, 2.500000e-02:7>>
// CHECK:         %[[K:.*]] = qc.reshape %[[R]] : tensor<2x1x1x8x!quant.uniform<u8:f32, 2.500000e-02:7>> -> tensor<2x8x!quant.uniform<u8:f32, 2.500000e-02:7>>
// CHECK:         qc.dequantize %[[K]]
// CHECK-NOT:     linalg.reduce
func.func @mean_axis1(%arg0: tensor<2x3x8xf32>) -> tensor<2x8xf32> {
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 3.0 : f32
  %x = qc.fake_quant %arg0 to !quant.uniform<u8:f32, 0.05:3> : tensor<2x3x8xf32>
  %e = tensor.empty() : tensor<2x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
  %sum = linalg.reduce ins(%x : tensor<2x3x8xf32>) outs(%init : tensor<2x8xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  %e2 = tensor.empty() : tensor<2x8xf32>
  %mean = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%sum : tensor<2x8xf32>) outs(%e2 : tensor<2x8xf32>) {
  ^bb0(%b: f32, %out: f32):
    %d = arith.divf %b, %n : f32
    linalg.yield %d : f32
  } -> tensor<2x8xf32>
  %y = qc.fake_quant %mean to !quant.uniform<u8:f32, 0.025:7> : tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Axes 0 and 2 of [4, 5, 6] are not adjacent: moved last by a qc.transpose,
// [5, 24] viewed as [5, 24, 1, 1]; same parameters after: no requantize.
// CHECK-LABEL: func.func @mean_axes_0_2
// CHECK:         %[[Q:.*]] = qc.quantize %arg0
// CHECK:         %[[T:.*]] = qc.transpose %[[Q]] [1, 0, 2] : tensor<4x5x6x!quant.uniform<i8:f32, 1.000000e-01:-5>> -> tensor<5x4x6x!quant.uniform<i8:f32, 1.000000e-01:-5>>
// CHECK:         %[[V:.*]] = qc.reshape %[[T]] : {{.*}} -> tensor<5x24x1x1x!quant.uniform<i8:f32, 1.000000e-01:-5>>
// CHECK:         %[[P:.*]] = qc.avg_pool2d %[[V]] {kernel = array<i64: 24, 1>} : {{.*}} -> tensor<5x1x1x1x!quant.uniform<i8:f32, 1.000000e-01:-5>>
// CHECK:         %[[K:.*]] = qc.reshape %[[P]] : {{.*}} -> tensor<5x!quant.uniform<i8:f32, 1.000000e-01:-5>>
// CHECK-NOT:     qc.requantize
// CHECK:         qc.dequantize %[[K]]
func.func @mean_axes_0_2(%arg0: tensor<4x5x6xf32>) -> tensor<5xf32> {
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 24.0 : f32
  %x = qc.fake_quant %arg0 to !quant.uniform<i8:f32, 0.1:-5> : tensor<4x5x6xf32>
  %e = tensor.empty() : tensor<5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<5xf32>) -> tensor<5xf32>
  %sum = linalg.reduce ins(%x : tensor<4x5x6xf32>) outs(%init : tensor<5xf32>) dimensions = [0, 2]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  %e2 = tensor.empty() : tensor<5xf32>
  %mean = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%sum : tensor<5xf32>) outs(%e2 : tensor<5xf32>) {
  ^bb0(%b: f32, %out: f32):
    %d = arith.divf %b, %n : f32
    linalg.yield %d : f32
  } -> tensor<5xf32>
  %y = qc.fake_quant %mean to !quant.uniform<i8:f32, 0.1:-5> : tensor<5xf32>
  return %y : tensor<5xf32>
}

// -----

// A divisor that is not the count of reduced elements is not a mean: it
// stays in float.
// CHECK-LABEL: func.func @not_a_mean
// CHECK:         linalg.reduce
// CHECK-NOT:     qc.avg_pool2d
func.func @not_a_mean(%arg0: tensor<2x3x8xf32>) -> tensor<2x8xf32> {
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 4.0 : f32
  %x = qc.fake_quant %arg0 to !quant.uniform<u8:f32, 0.05:3> : tensor<2x3x8xf32>
  %e = tensor.empty() : tensor<2x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
  %sum = linalg.reduce ins(%x : tensor<2x3x8xf32>) outs(%init : tensor<2x8xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  %e2 = tensor.empty() : tensor<2x8xf32>
  %mean = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%sum : tensor<2x8xf32>) outs(%e2 : tensor<2x8xf32>) {
  ^bb0(%b: f32, %out: f32):
    %d = arith.divf %b, %n : f32
    linalg.yield %d : f32
  } -> tensor<2x8xf32>
  %y = qc.fake_quant %mean to !quant.uniform<u8:f32, 0.025:7> : tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}
