// RUN: qc-opt %s -split-input-file --qc-fold-fake-quant | FileCheck %s

// The QDQ form of ONNX and PT2E: upstream quant.qcast / quant.dcast around a
// float matmul, the weight stored already quantized (i8 constant +
// quant.scast) and a per-channel scale. qcast becomes qc.quantize with
// half_even rounding; the chain becomes qc.matmul.

// CHECK-LABEL: func.func @qdq_matmul
// CHECK-SAME:    (%[[X:.*]]: tensor<2x4xf32>)
// CHECK-DAG:     %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<4x3xi8>
// CHECK:         %[[Q:.*]] = qc.quantize %[[X]] : tensor<2x4xf32> -> tensor<2x4x!quant.uniform<u8:f32, 2.000000e-02:128>>
// CHECK:         %[[WQ:.*]] = quant.scast %[[W]]
// CHECK:         %[[Y:.*]] = qc.matmul %[[Q]], %[[WQ]] : {{.*}} -> tensor<2x3x!quant.uniform<i8:f32, 5.000000e-01>>
// CHECK:         %[[D:.*]] = qc.dequantize %[[Y]]
// CHECK:         return %[[D]]
// CHECK-NOT:     quant.qcast
// CHECK-NOT:     quant.dcast
func.func @qdq_matmul(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %q = quant.qcast %x : tensor<2x4xf32> to tensor<2x4x!quant.uniform<u8:f32, 0.02:128>>
  %d = quant.dcast %q : tensor<2x4x!quant.uniform<u8:f32, 0.02:128>> to tensor<2x4xf32>
  %wi = arith.constant dense<[[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]> : tensor<4x3xi8>
  %ws = quant.scast %wi : tensor<4x3xi8> to tensor<4x3x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3}>>
  %w = quant.dcast %ws : tensor<4x3x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3}>> to tensor<4x3xf32>
  %zero = arith.constant dense<0.0> : tensor<2x3xf32>
  %mm = linalg.matmul ins(%d, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%zero : tensor<2x3xf32>) -> tensor<2x3xf32>
  %yq = quant.qcast %mm : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32, 0.5>>
  %y = quant.dcast %yq : tensor<2x3x!quant.uniform<i8:f32, 0.5>> to tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// A float weight behind qcast/dcast is quantized at compile time (half_even:
// 0.25 / 0.1 = 2.5 -> 2); the QDQ around an add becomes qc.add, and a mixed
// form (qc.fake_quant on one side) works the same.

// CHECK-LABEL: func.func @qdq_weight_and_add
// CHECK-DAG:     arith.constant dense<[2, -2, 10, 0]> : tensor<4xi8>
// CHECK:         qc.add %{{.*}}, %{{.*}} : {{.*}} -> tensor<4x!quant.uniform<i8:f32, 2.000000e-01>>
// CHECK-NOT:     quant.qcast
func.func @qdq_weight_and_add(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = arith.constant dense<[0.25, -0.25, 1.0, 0.0]> : tensor<4xf32>
  %cq = quant.qcast %c : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.1>>
  %cd = quant.dcast %cq : tensor<4x!quant.uniform<i8:f32, 0.1>> to tensor<4xf32>
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  %s = arith.addf %xq, %cd : tensor<4xf32>
  %sq = quant.qcast %s : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.2>>
  %sd = quant.dcast %sq : tensor<4x!quant.uniform<i8:f32, 0.2>> to tensor<4xf32>
  return %sd : tensor<4xf32>
}
