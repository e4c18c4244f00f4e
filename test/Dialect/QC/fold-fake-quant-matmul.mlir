// RUN: qc-opt %s -split-input-file --qc-fold-fake-quant | FileCheck %s

// The QAT form: fake_quant on the activation and on a constant weight, a
// zero-initialized matmul, a bias add (torch-mlir's broadcasting generic) and
// a ReLU6, then the output fake_quant. Everything becomes one qc.matmul with
// an i32 bias (scale 0.05 * 0.01) and the ReLU6 as output clamp.

// CHECK-LABEL: func.func @matmul_bias_relu6
// CHECK-SAME:    (%[[X:.*]]: tensor<2x4xf32>) -> tensor<2x3xf32>
// CHECK-DAG:     %[[B:.*]] = arith.constant dense<[200, -400, 2000]> : tensor<3xi32>
// CHECK-DAG:     %[[W:.*]] = arith.constant dense<{{\[}}[10, 20, 30], [-10, -20, -30], [0, 127, -127], [50, 50, 50]]> : tensor<4x3xi8>
// CHECK:         %[[XQ:.*]] = qc.quantize %[[X]] : tensor<2x4xf32> -> tensor<2x4x!quant.uniform<i8:f32, 5.000000e-02:-3>>
// CHECK:         %[[WQ:.*]] = quant.scast %[[W]] : tensor<4x3xi8> to tensor<4x3x!quant.uniform<i8<-127:127>:f32, 1.000000e-02>>
// CHECK:         %[[BQ:.*]] = quant.scast %[[B]] : tensor<3xi32> to tensor<3x!quant.uniform<i32:f32, 5.000000e-04>>
// CHECK:         %[[Y:.*]] = qc.matmul %[[XQ]], %[[WQ]] bias %[[BQ]] clamp [-128, -8]
// CHECK-SAME:      -> tensor<2x3x!quant.uniform<i8:f32, 5.000000e-02:-128>>
// CHECK:         %[[R:.*]] = qc.dequantize %[[Y]]
// CHECK:         return %[[R]] : tensor<2x3xf32>
// CHECK-NOT:     linalg
func.func @matmul_bias_relu6(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.05:-3> : tensor<2x4xf32>
  %w = arith.constant dense<[[0.1, 0.2, 0.3], [-0.1, -0.2, -0.3], [0.0, 1.5, -1.5], [0.5, 0.5, 0.5]]> : tensor<4x3xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8<-127:127>:f32, 0.01> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %mm = linalg.matmul ins(%xq, %wq : tensor<2x4xf32>, tensor<4x3xf32>) outs(%init : tensor<2x3xf32>) -> tensor<2x3xf32>
  %b = arith.constant dense<[0.1, -0.2, 1.0]> : tensor<3xf32>
  %add = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%mm, %b : tensor<2x3xf32>, tensor<3xf32>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<2x3xf32>
  %relu6 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%add : tensor<2x3xf32>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %lo = arith.maximumf %a, %zero : f32
    %hi = arith.minimumf %lo, %six : f32
    linalg.yield %hi : f32
  } -> tensor<2x3xf32>
  %y = qc.fake_quant %relu6 to !quant.uniform<i8:f32, 0.05:-128> : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Bias as the matmul init (a linalg.broadcast of a constant) and ReLU in
// torch-mlir's cmpf + select form; the output zero point is -10, so the ReLU
// becomes clamp [-10, 127].

// CHECK-LABEL: func.func @matmul_bias_init_relu
// CHECK-DAG:     arith.constant dense<[100, 200]> : tensor<2xi32>
// CHECK:         qc.matmul %{{.*}}, %{{.*}} bias %{{.*}} clamp [-10, 127]
// CHECK-SAME:      tensor<2x!quant.uniform<i32:f32, 1.000000e-03>> -> tensor<3x2x!quant.uniform<i8:f32, 1.000000e-01:-10>>
// CHECK-NOT:     linalg
func.func @matmul_bias_init_relu(%x: tensor<3x5xf32>) -> tensor<3x2xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<3x5xf32>
  %w = arith.constant dense<0.05> : tensor<5x2xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.01> : tensor<5x2xf32>
  %b = arith.constant dense<[0.1, 0.2]> : tensor<2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %init = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<3x2xf32>) dimensions = [0]
  %mm = linalg.matmul ins(%xq, %wq : tensor<3x5xf32>, tensor<5x2xf32>) outs(%init : tensor<3x2xf32>) -> tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %relu = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%mm : tensor<3x2xf32>) outs(%e : tensor<3x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %c = arith.cmpf ugt, %a, %zero : f32
    %s = arith.select %c, %a, %zero : f32
    linalg.yield %s : f32
  } -> tensor<3x2xf32>
  %y = qc.fake_quant %relu to !quant.uniform<i8:f32, 0.1:-10> : tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// No bias, a zero constant init, and an output with other parameters than
// the input: the clamp attribute is absent (no ReLU).

// CHECK-LABEL: func.func @matmul_no_bias
// CHECK:         %[[Y:.*]] = qc.matmul %{{.*}}, %{{.*}} : tensor<2x2x!quant.uniform<i8:f32, 2.500000e-01:1>>, tensor<2x2x!quant.uniform<i8:f32, 5.000000e-01>> -> tensor<2x2x!quant.uniform<i8:f32, 1.000000e+00:3>>
// CHECK-NEXT:    qc.dequantize %[[Y]]
func.func @matmul_no_bias(%x: tensor<2x2xf32>, %w: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.25:1> : tensor<2x2xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.5> : tensor<2x2xf32>
  %zero = arith.constant dense<0.0> : tensor<2x2xf32>
  %mm = linalg.matmul ins(%xq, %wq : tensor<2x2xf32>, tensor<2x2xf32>) outs(%zero : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = qc.fake_quant %mm to !quant.uniform<i8:f32, 1.0:3> : tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// PyTorch's linear keeps W as [N, K] and transposes it: the transpose of the
// quantized constant moves below the dequantize as qc.transpose and is then
// done at compile time, so the matmul gets a [K, N] constant.

// CHECK-LABEL: func.func @linear_transposed_weight
// CHECK:         %[[W:.*]] = arith.constant dense<{{\[}}[10, -10], [20, -20], [30, -30]]> : tensor<3x2xi8>
// CHECK:         %[[WQ:.*]] = quant.scast %[[W]] : tensor<3x2xi8> to tensor<3x2x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         qc.matmul %{{.*}}, %[[WQ]] :
// CHECK-NOT:     qc.transpose
func.func @linear_transposed_weight(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.02> : tensor<4x3xf32>
  %w = arith.constant dense<[[1.0, 2.0, 3.0], [-1.0, -2.0, -3.0]]> : tensor<2x3xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.1> : tensor<2x3xf32>
  %e0 = tensor.empty() : tensor<3x2xf32>
  %wt = linalg.transpose ins(%wq : tensor<2x3xf32>) outs(%e0 : tensor<3x2xf32>) permutation = [1, 0]
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %mm = linalg.matmul ins(%xq, %wt : tensor<4x3xf32>, tensor<3x2xf32>) outs(%init : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = qc.fake_quant %mm to !quant.uniform<i8:f32, 0.05> : tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Function boundaries stay float: a quantize at entry, a dequantize at exit,
// and the weight quantized with the fake_quant's rounding (half_away: 0.25 /
// 0.1 = 2.5 rounds to 3; half_even would give 2).

// CHECK-LABEL: func.func @weight_rounding
// CHECK:         arith.constant dense<{{\[}}[3], [-3]]> : tensor<2x1xi8>
func.func @weight_rounding(%x: tensor<1x2xf32>) -> tensor<1x1xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<1x2xf32>
  %w = arith.constant dense<[[0.25], [-0.25]]> : tensor<2x1xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.1> rounding <half_away> : tensor<2x1xf32>
  %zero = arith.constant dense<0.0> : tensor<1x1xf32>
  %mm = linalg.matmul ins(%xq, %wq : tensor<1x2xf32>, tensor<2x1xf32>) outs(%zero : tensor<1x1xf32>) -> tensor<1x1xf32>
  %y = qc.fake_quant %mm to !quant.uniform<i8:f32, 0.1> : tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// batch_matmul with a static batch of 1 (torch-mlir's bmm, tosa.matmul
// lowered to linalg): the batch is dropped with qc.reshape on the
// activation, the per-channel constant weight is re-emitted as [K, N] (axis
// 2 -> 1), and the [M, N] result is reshaped back.

// CHECK-LABEL: func.func @batch_matmul_batch1
// CHECK-DAG:     %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<3x2xi8>
// CHECK:         %[[Q:.*]] = qc.quantize %{{.*}} -> tensor<1x4x3x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         %[[L:.*]] = qc.reshape %[[Q]] : {{.*}} -> tensor<4x3x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         %[[WQ:.*]] = quant.scast %[[W]] : tensor<3x2xi8> to tensor<3x2x!quant.uniform<i8:f32:1, {1.000000e-01,2.000000e-01}>>
// CHECK:         %[[M:.*]] = qc.matmul %[[L]], %[[WQ]] bias %{{.*}} : {{.*}} -> tensor<4x2x!quant.uniform<i8:f32, 5.000000e-01>>
// CHECK:         %[[R:.*]] = qc.reshape %[[M]] : {{.*}} -> tensor<1x4x2x!quant.uniform<i8:f32, 5.000000e-01>>
// CHECK:         qc.dequantize %[[R]]
// CHECK-NOT:     linalg
func.func @batch_matmul_batch1(%x: tensor<1x4x3xf32>) -> tensor<1x4x2xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<1x4x3xf32>
  %w = arith.constant dense<[[[1.0, 2.0], [0.5, -2.0], [0.0, 4.0]]]> : tensor<1x3x2xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32:2, {0.1, 0.2}> : tensor<1x3x2xf32>
  %zero = arith.constant dense<0.0> : tensor<1x4x2xf32>
  %mm = linalg.batch_matmul ins(%xq, %wq : tensor<1x4x3xf32>, tensor<1x3x2xf32>) outs(%zero : tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %b = arith.constant dense<[[[0.5, 1.0]]]> : tensor<1x1x2xf32>
  %e = tensor.empty() : tensor<1x4x2xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (0, 0, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%mm, %b : tensor<1x4x2xf32>, tensor<1x1x2xf32>) outs(%e : tensor<1x4x2xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<1x4x2xf32>
  %y = qc.fake_quant %s to !quant.uniform<i8:f32, 0.5> : tensor<1x4x2xf32>
  return %y : tensor<1x4x2xf32>
}

// -----

// linalg.matmul with transposing indexing maps (torch-mlir's linear with a
// [N, K] weight, per channel along N = axis 0): the activation goes through
// qc.transpose; the constant weight is transposed at compile time and its
// per-axis axis moves to 1.

// CHECK-LABEL: func.func @matmul_transposed_maps
// CHECK:         %[[W:.*]] = arith.constant dense<{{\[}}[10, 5, 3, 2], [10, 5, 3, 2], [10, 5, 3, 2]]> : tensor<3x4xi8>
// CHECK:         %[[XT:.*]] = qc.transpose %{{.*}} [1, 0] : tensor<3x2x!quant.uniform<i8:f32, 1.000000e-01>> -> tensor<2x3x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         %[[WQ:.*]] = quant.scast %[[W]] : tensor<3x4xi8> to tensor<3x4x!quant.uniform<i8:f32:1, {1.000000e-01,2.000000e-01,3.000000e-01,4.000000e-01}>>
// CHECK:         qc.matmul %[[XT]], %[[WQ]] : {{.*}} -> tensor<2x4x!quant.uniform<i8:f32, 1.000000e-01>>
func.func @matmul_transposed_maps(%x: tensor<3x2xf32>) -> tensor<2x4xf32> {
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<3x2xf32>
  %w = arith.constant dense<1.0> : tensor<4x3xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32:0, {0.1, 0.2, 0.3, 0.4}> : tensor<4x3xf32>
  %zero = arith.constant dense<0.0> : tensor<2x4xf32>
  %m = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d0)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>]
       ins(%xq, %wq : tensor<3x2xf32>, tensor<4x3xf32>) outs(%zero : tensor<2x4xf32>) -> tensor<2x4xf32>
  %y = qc.fake_quant %m to !quant.uniform<i8:f32, 0.1> : tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
