// RUN: qc-opt %s -split-input-file --qc-fold-fake-quant | FileCheck %s

// Elementwise add in its three float spellings (linalg.add, a linalg.generic
// with arith.addf, arith.addf on tensors) becomes qc.add with the operands'
// own parameters; a ReLU after it becomes the output clamp.

// CHECK-LABEL: func.func @add_forms
// CHECK-SAME:    (%[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK:         %[[QA:.*]] = qc.quantize %[[A]] : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 1.000000e-01>>
// CHECK:         %[[QB:.*]] = qc.quantize %[[B]] : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 2.000000e-01:1>>
// CHECK:         %[[S1:.*]] = qc.add %[[QA]], %[[QB]] : {{.*}} -> tensor<4x!quant.uniform<i8:f32, 3.000000e-01:-2>>
// CHECK:         %[[S2:.*]] = qc.add %[[QB]], %[[QA]] clamp [-2, 127] : {{.*}} -> tensor<4x!quant.uniform<i8:f32, 3.000000e-01:-2>>
// CHECK:         %[[S3:.*]] = qc.add %[[QA]], %[[QB]] : {{.*}} -> tensor<4x!quant.uniform<i8:f32, 3.000000e-01:-2>>
// CHECK-NOT:     arith.addf
// CHECK-NOT:     linalg
func.func @add_forms(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %qa = qc.fake_quant %a to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  %qb = qc.fake_quant %b to !quant.uniform<i8:f32, 0.2:1> : tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  %s1 = linalg.add ins(%qa, %qb : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %y1 = qc.fake_quant %s1 to !quant.uniform<i8:f32, 0.3:-2> : tensor<4xf32>
  %s2 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%qb, %qa : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %y, %x : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %zeros = arith.constant dense<0.0> : tensor<4xf32>
  %r2 = arith.maxnumf %s2, %zeros : tensor<4xf32>
  %y2 = qc.fake_quant %r2 to !quant.uniform<i8:f32, 0.3:-2> : tensor<4xf32>
  %s3 = arith.addf %qa, %qb : tensor<4xf32>
  %y3 = qc.fake_quant %s3 to !quant.uniform<i8:f32, 0.3:-2> : tensor<4xf32>
  return %y1, %y2, %y3 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @mul_forms
// CHECK:         qc.mul %{{.*}}, %{{.*}} : {{.*}} -> tensor<2x2x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK:         qc.mul %{{.*}}, %{{.*}} : {{.*}} -> tensor<2x2x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK:         qc.mul %{{.*}}, %{{.*}} : {{.*}} -> tensor<2x2x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK-NOT:     arith.mulf
func.func @mul_forms(%a: tensor<2x2xf32>, %b: tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) {
  %qa = qc.fake_quant %a to !quant.uniform<i8:f32, 0.1> : tensor<2x2xf32>
  %qb = qc.fake_quant %b to !quant.uniform<i8:f32, 0.2:1> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %m1 = linalg.mul ins(%qa, %qb : tensor<2x2xf32>, tensor<2x2xf32>) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y1 = qc.fake_quant %m1 to !quant.uniform<i8:f32, 0.05> : tensor<2x2xf32>
  %m2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%qa, %qb : tensor<2x2xf32>, tensor<2x2xf32>) outs(%e : tensor<2x2xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.mulf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<2x2xf32>
  %y2 = qc.fake_quant %m2 to !quant.uniform<i8:f32, 0.05> : tensor<2x2xf32>
  %m3 = arith.mulf %qa, %qb : tensor<2x2xf32>
  %y3 = qc.fake_quant %m3 to !quant.uniform<i8:f32, 0.05> : tensor<2x2xf32>
  return %y1, %y2, %y3 : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>
}

// -----

// A ReLU / ReLU6 / clamp on its own: with the same parameters on both sides
// it is qc.clamp on the storage codes; with other output parameters it is a
// qc.requantize whose clamp is in the output's codes.

// CHECK-LABEL: func.func @standalone_clamps
// CHECK:         %[[Q:.*]] = qc.quantize %{{.*}} : tensor<8xf32> -> tensor<8x!quant.uniform<i8:f32, 1.000000e-01:4>>
// CHECK:         %[[R:.*]] = qc.clamp %[[Q]] [4, 64] : tensor<8x!quant.uniform<i8:f32, 1.000000e-01:4>>
// CHECK:         %[[R2:.*]] = qc.requantize %[[Q]] clamp [0, 40] : tensor<8x!quant.uniform<i8:f32, 1.000000e-01:4>> -> tensor<8x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK:         %[[R3:.*]] = qc.clamp %[[Q]] [-6, 24] : tensor<8x!quant.uniform<i8:f32, 1.000000e-01:4>>
func.func @standalone_clamps(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %q = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1:4> : tensor<8xf32>
  %e = tensor.empty() : tensor<8xf32>
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %relu6 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%q : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %lo = arith.maximumf %a, %zero : f32
    %hi = arith.minimumf %lo, %six : f32
    linalg.yield %hi : f32
  } -> tensor<8xf32>
  %y1 = qc.fake_quant %relu6 to !quant.uniform<i8:f32, 0.1:4> : tensor<8xf32>
  %two = arith.constant dense<2.0> : tensor<8xf32>
  %zeros = arith.constant dense<0.0> : tensor<8xf32>
  %c0 = arith.maximumf %q, %zeros : tensor<8xf32>
  %c1 = arith.minimumf %c0, %two : tensor<8xf32>
  %y2 = qc.fake_quant %c1 to !quant.uniform<i8:f32, 0.05> : tensor<8xf32>
  %m1 = arith.constant dense<-1.0> : tensor<8xf32>
  %c2 = arith.maximumf %q, %m1 : tensor<8xf32>
  %c3 = arith.minimumf %c2, %two : tensor<8xf32>
  %y3 = qc.fake_quant %c3 to !quant.uniform<i8:f32, 0.1:4> : tensor<8xf32>
  return %y1, %y2, %y3 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

// Constant operands quantized at compile time keep their exact codes at
// every storage width: negative i4 codes, i16, and a splat (the codes are
// written as the attribute's raw bytes).

// CHECK-LABEL: func.func @const_codes_i4
// CHECK:         arith.constant dense<[-8, 7, -1, 0]> : tensor<4xi4>
func.func @const_codes_i4(%x: tensor<4xf32>) -> tensor<4xf32> {
  %w = arith.constant dense<[-0.8, 0.7, -0.1, 0.0]> : tensor<4xf32>
  %q = qc.fake_quant %w to !quant.uniform<i4:f32, 0.1> : tensor<4xf32>
  %a = qc.fake_quant %x to !quant.uniform<i4:f32, 0.1> : tensor<4xf32>
  %s = arith.addf %a, %q : tensor<4xf32>
  %r = qc.fake_quant %s to !quant.uniform<i4:f32, 0.1> : tensor<4xf32>
  return %r : tensor<4xf32>
}

// CHECK-LABEL: func.func @const_codes_i16
// CHECK:         arith.constant dense<[-30000, 30000, -5000]> : tensor<3xi16>
func.func @const_codes_i16(%x: tensor<3xf32>) -> tensor<3xf32> {
  %w = arith.constant dense<[-3.0, 3.0, -0.5]> : tensor<3xf32>
  %q = qc.fake_quant %w to !quant.uniform<i16:f32, 0.0001> : tensor<3xf32>
  %a = qc.fake_quant %x to !quant.uniform<i16:f32, 0.0001> : tensor<3xf32>
  %s = arith.addf %a, %q : tensor<3xf32>
  %r = qc.fake_quant %s to !quant.uniform<i16:f32, 0.0001> : tensor<3xf32>
  return %r : tensor<3xf32>
}

// CHECK-LABEL: func.func @const_codes_splat
// CHECK:         arith.constant dense<-3> : tensor<4xi8>
func.func @const_codes_splat(%x: tensor<4xf32>) -> tensor<4xf32> {
  %w = arith.constant dense<-0.3> : tensor<4xf32>
  %q = qc.fake_quant %w to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  %a = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  %s = arith.addf %a, %q : tensor<4xf32>
  %r = qc.fake_quant %s to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>
  return %r : tensor<4xf32>
}
