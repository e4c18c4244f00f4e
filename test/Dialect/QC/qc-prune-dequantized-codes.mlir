// RUN: qc-opt %s --qc-prune="sparsity=0.5" 2>/dev/null | FileCheck %s
// A weight that arrives as codes read as floats (quant.dcast of quant.scast,
// the ONNX importer's form of an int8 initializer, docs/Importers.md) is
// pruned in its codes, as after the fold. A chain with another user is
// cloned for the consumer it rewrites, so each matmul reads its own codes
// through its own scast and dcast.

// CHECK-LABEL: func.func @shared
// CHECK-DAG: %[[C0:.*]] = arith.constant dense<{{\[}}[0, 0], [0, 0], [0, -6], [0, 8], [0, 10], [0, -12], [13, -14], [-15, 16]]> : tensor<8x2xi8>
// CHECK-DAG: %[[C1:.*]] = arith.constant dense<{{\[}}[0, 0], [0, 0], [0, -6], [0, 8], [0, 10], [0, -12], [13, -14], [-15, 16]]> : tensor<8x2xi8>
// CHECK-DAG: %[[Q0:.*]] = quant.scast %[[C0]] :
// CHECK-DAG: %[[Q1:.*]] = quant.scast %[[C1]] :
// CHECK-DAG: %[[W0:.*]] = quant.dcast %[[Q0]] : {{.*}} to tensor<8x2xf32>
// CHECK-DAG: %[[W1:.*]] = quant.dcast %[[Q1]] : {{.*}} to tensor<8x2xf32>
// CHECK-DAG: linalg.matmul ins(%{{.*}}, %[[W0]] :
// CHECK-DAG: linalg.matmul ins(%{{.*}}, %[[W1]] :
// CHECK-NOT: arith.constant
func.func @shared(%x: tensor<4x8xf32>, %o: tensor<4x2xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  %c = arith.constant dense<[[1, 2], [3, -4], [5, -6], [7, 8], [9, 10], [11, -12], [13, -14], [-15, 16]]> : tensor<8x2xi8>
  %q = quant.scast %c : tensor<8x2xi8> to tensor<8x2x!quant.uniform<i8:f32:1, {0.01, 0.02}>>
  %w = quant.dcast %q : tensor<8x2x!quant.uniform<i8:f32:1, {0.01, 0.02}>> to tensor<8x2xf32>
  %r = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%o : tensor<4x2xf32>) -> tensor<4x2xf32>
  %s = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%o : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %r, %s : tensor<4x2xf32>, tensor<4x2xf32>
}

// A dcast of something other than a quant.scast of a constant is no weight.
// CHECK-LABEL: func.func @not_a_constant
// CHECK: %[[W:.*]] = quant.dcast %arg2
// CHECK: linalg.matmul ins(%arg0, %[[W]] :
func.func @not_a_constant(%x: tensor<4x8xf32>, %o: tensor<4x2xf32>,
                          %q: tensor<8x2x!quant.uniform<i8:f32, 0.5>>) -> tensor<4x2xf32> {
  %w = quant.dcast %q : tensor<8x2x!quant.uniform<i8:f32, 0.5>> to tensor<8x2xf32>
  %r = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%o : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}
