// RUN: qc-opt %s -split-input-file --canonicalize --qc-fold-fake-quant | FileCheck %s
// RUN: qc-opt %s -split-input-file --canonicalize | FileCheck %s --check-prefix=CANON

// Canonicalization before the pass keeps qc.fake_quant (it only rewrites
// the min/max form into the nudged !quant.uniform form), so the QAT graph
// still folds into integer ops afterwards.

// CANON-LABEL: func.func @qat_survives_canonicalize
// CANON:         qc.fake_quant %{{.*}} to !quant.uniform<i8:f32, 0.011764705882352941:-43>
// CANON:         qc.fake_quant %{{.*}} to !quant.uniform<i8:f32, 1.000000e-01>
// CANON:         qc.fake_quant %{{.*}} to !quant.uniform<i8:f32, 2.000000e-01>
// CHECK-LABEL: func.func @qat_survives_canonicalize
// CHECK:         %[[Q:.*]] = qc.quantize %{{.*}} -> tensor<2x2x!quant.uniform<i8:f32, 0.011764705882352941:-43>>
// CHECK:         qc.matmul %[[Q]], %{{.*}} -> tensor<2x2x!quant.uniform<i8:f32, 2.000000e-01>>
// CHECK-NOT:     qc.fake_quant
func.func @qat_survives_canonicalize(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %xq = qc.fake_quant %x {min = array<f64: -1.0>, max = array<f64: 2.0>} : tensor<2x2xf32>
  %w = arith.constant dense<0.5> : tensor<2x2xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.1> : tensor<2x2xf32>
  %zero = arith.constant dense<0.0> : tensor<2x2xf32>
  %m = linalg.matmul ins(%xq, %wq : tensor<2x2xf32>, tensor<2x2xf32>) outs(%zero : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = qc.fake_quant %m to !quant.uniform<i8:f32, 0.2> : tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// NOTE: upstream's folder removes quant.dcast(quant.qcast(x)) on the
// activation, so canonicalize must run after --qc-fold-fake-quant on QDQ
// input (the pass itself converts qcast/dcast before any folding). Here the
// activation boundary is lost and the matmul stays float.
// CANON-LABEL: func.func @qdq_lost_to_canonicalize
// CANON-NOT:     quant.qcast
// CHECK-LABEL: func.func @qdq_lost_to_canonicalize
// CHECK:         linalg.matmul
// CHECK-NOT:     qc.matmul
func.func @qdq_lost_to_canonicalize(%x: tensor<2x2xf32>, %w: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %q = quant.qcast %x : tensor<2x2xf32> to tensor<2x2x!quant.uniform<i8:f32, 0.1>>
  %d = quant.dcast %q : tensor<2x2x!quant.uniform<i8:f32, 0.1>> to tensor<2x2xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.1> : tensor<2x2xf32>
  %zero = arith.constant dense<0.0> : tensor<2x2xf32>
  %m = linalg.matmul ins(%d, %wq : tensor<2x2xf32>, tensor<2x2xf32>) outs(%zero : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = qc.fake_quant %m to !quant.uniform<i8:f32, 0.2> : tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
