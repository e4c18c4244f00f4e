// RUN: qc-opt %s -split-input-file --qc-sparsify="nm-cost=1 ell-cost=1 nm-cost-gemv=0.5 ell-cost-gemv=0.5" -verify-diagnostics | FileCheck %s
// RUN: qc-opt %s -split-input-file --qc-sparsify="target=gpu nm-cost=1 ell-cost=1 nm-cost-gemv=0.5 ell-cost-gemv=0.5" 2>&1 >/dev/null | FileCheck %s --check-prefix=GPU-REMARK
// On linalg.conv_2d_nhwc_hwcf: the filter [KH, KW, C, F] is the
// [R = KH*KW*C, F] weight of a matmul with N*OH*OW rows, r = (kh*KW + kw)*C + c.
// Exactness is checked by execution in test/Integration/CPU/sparsify.py and
// test/Integration/Vulkan/sparsify.py.

// Three non-zeros, C = 2 (no N:M group fits in a tap): ELL with reduction
// indices 2; 11, 17 (-128 at kh=1, kw=2, c=1; 127 at kh=2, kw=2, c=1).
// 4 rows: the row-vector cost 1 * 16 / 4 per entry, mean column 1.5.
// CHECK-LABEL: func.func @ell
// CHECK-DAG: %[[V:.*]] = arith.constant dense<{{\[}}[-128, 0], [5, 127]]> : tensor<2x2xi8>
// CHECK-DAG: %[[I:.*]] = arith.constant dense<{{\[}}[11, 0], [2, 17]]> : tensor<2x2xi16>
// CHECK: linalg.generic {indexing_maps = [#[[WMAP:.*]], #[[WMAP]], #[[OMAP:.*]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[V]], %[[I]] : tensor<2x2xi8>, tensor<2x2xi16>) outs(%arg1 : tensor<1x2x2x2xi32>)
// CHECK: ^bb0(%[[VAL:.*]]: i8, %[[IDX:.*]]: i16, %[[ACC:.*]]: i32):
// CHECK: %[[R:.*]] = arith.index_castui %[[IDX]] : i16 to index
// CHECK: %[[TAP:.*]] = arith.divui %[[R]], %[[C2:.*]] : index
// CHECK: %[[CH:.*]] = arith.remui %[[R]], %{{.*}} : index
// CHECK: %[[KH:.*]] = arith.divui %[[TAP]], %[[C3:.*]] : index
// CHECK: %[[KW:.*]] = arith.remui %[[TAP]], %{{.*}} : index
// CHECK: %[[N:.*]] = linalg.index 0
// CHECK: %[[OH:.*]] = linalg.index 1
// CHECK: %[[OHS:.*]] = arith.muli %[[OH]], %{{.*}}
// CHECK: %[[KHD:.*]] = arith.muli %[[KH]], %{{.*}}
// CHECK: %[[H:.*]] = arith.addi %[[OHS]], %[[KHD]]
// CHECK: %[[OW:.*]] = linalg.index 2
// CHECK: %[[OWS:.*]] = arith.muli %[[OW]], %{{.*}}
// CHECK: %[[KWD:.*]] = arith.muli %[[KW]], %{{.*}}
// CHECK: %[[W:.*]] = arith.addi %[[OWS]], %[[KWD]]
// CHECK: %[[X:.*]] = tensor.extract %arg0[%[[N]], %[[H]], %[[W]], %[[CH]]] : tensor<1x5x5x2xi8>
// CHECK: %[[X32:.*]] = arith.extsi %[[X]] : i8 to i32
// CHECK: %[[W32:.*]] = arith.extsi %[[VAL]] : i8 to i32
// CHECK: %[[P:.*]] = arith.muli %[[X32]], %[[W32]]
// CHECK: arith.addi %[[ACC]], %[[P]]
// CHECK-NOT: linalg.conv_2d
// GPU-REMARK: remark: qc-sparsify: unstructured sparsity 0.917 has no GPU kernel; kept dense
func.func @ell(%x: tensor<1x5x5x2xi8>, %init: tensor<1x2x2x2xi32>) -> tensor<1x2x2x2xi32> {
  %w = arith.constant dense<[[[[0, 0], [0, 0]], [[0, 5], [0, 0]], [[0, 0], [0, 0]]], [[[0, 0], [0, 0]], [[0, 0], [0, 0]], [[0, 0], [-128, 0]]], [[[0, 0], [0, 0]], [[0, 0], [0, 0]], [[0, 0], [0, 127]]]]> : tensor<3x3x2x2xi8>
  // expected-remark@+1 {{qc-sparsify: unstructured (sparsity 0.917, longest column 2 of 18), cost 6.0 vs dense 18.0: ELL kernel}}
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %w : tensor<1x5x5x2xi8>, tensor<3x3x2x2xi8>) outs(%init : tensor<1x2x2x2xi32>) -> tensor<1x2x2x2xi32>
  return %r : tensor<1x2x2x2xi32>
}

// -----

// C = 4 holds groups of 4 along c: 2:4 in both taps of a 1x2 filter with
// dilation 2 along the width; 2 rows (scalar cost 0.5 * 2 per entry).
// CHECK-LABEL: func.func @two_four
// CHECK-DAG: %[[V:.*]] = arith.constant dense<{{\[}}[1, 2, 3, 4], [-128, 0, 127, 0]]> : tensor<2x4xi8>
// CHECK-DAG: %[[O:.*]] = arith.constant dense<{{\[}}[0, 3, 1, 2], [1, 0, 2, 0]]> : tensor<2x4xi8>
// CHECK: linalg.generic {{.*}} ins(%[[V]], %[[O]] : tensor<2x4xi8>, tensor<2x4xi8>) outs(%arg1 : tensor<1x1x2x2xi32>)
// CHECK: %[[G:.*]] = arith.divui %{{.*}}, %c2
// CHECK: %[[BASE:.*]] = arith.muli %[[G]], %c4
// CHECK: %[[R:.*]] = arith.addi %[[BASE]], %{{.*}}
// CHECK: arith.divui %[[R]], %c4
// CHECK: arith.remui %[[R]], %c4
// CHECK: tensor.extract %arg0[{{.*}}] : tensor<1x1x4x4xi8>
// CHECK-NOT: linalg.conv_2d
// GPU-REMARK: remark: qc-sparsify: 2:4 (sparsity 0.625), cost 4.0 vs dense 8.0: N:M kernel
func.func @two_four(%x: tensor<1x1x4x4xi8>, %init: tensor<1x1x2x2xi32>) -> tensor<1x1x2x2xi32> {
  %w = arith.constant dense<[[[[1, 0], [0, -128], [0, 0], [2, 0]], [[0, 0], [3, 0], [4, 127], [0, 0]]]]> : tensor<1x2x4x2xi8>
  // expected-remark@+1 {{qc-sparsify: 2:4 (sparsity 0.625), cost 4.0 vs dense 8.0: N:M kernel}}
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<[1, 2]> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x1x4x4xi8>, tensor<1x2x4x2xi8>) outs(%init : tensor<1x1x2x2xi32>) -> tensor<1x1x2x2xi32>
  return %r : tensor<1x1x2x2xi32>
}

// -----

// NOTE: 2 zeros in 16 are below min-sparsity (0.5): the conv stays.
// CHECK-LABEL: func.func @too_dense
// CHECK: linalg.conv_2d_nhwc_hwcf
func.func @too_dense(%x: tensor<1x1x4x4xi8>, %init: tensor<1x1x3x2xi32>) -> tensor<1x1x3x2xi32> {
  %w = arith.constant dense<[[[[1, 0], [2, 5], [3, 6], [4, 7]], [[1, 1], [3, 0], [4, 8], [9, 9]]]]> : tensor<1x2x4x2xi8>
  // expected-remark@+1 {{qc-sparsify: sparsity 0.125 below min-sparsity 0.500; kept dense}}
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x1x4x4xi8>, tensor<1x2x4x2xi8>) outs(%init : tensor<1x1x3x2xi32>) -> tensor<1x1x3x2xi32>
  return %r : tensor<1x1x3x2xi32>
}

// -----

// NOTE: depthwise: a 90 % sparse filter still stays dense.
// CHECK-LABEL: func.func @depthwise
// CHECK: linalg.depthwise_conv_2d_nhwc_hwcm
func.func @depthwise(%x: tensor<1x4x4x2xi8>, %init: tensor<1x3x3x2x1xi32>) -> tensor<1x3x3x2x1xi32> {
  %w = arith.constant dense<[[[[0], [0]], [[0], [0]]], [[[0], [3]], [[0], [0]]]]> : tensor<2x2x2x1xi8>
  // expected-remark@+1 {{qc-sparsify: depthwise convolution kept dense: each output channel reduces over only KH*KW taps of one channel}}
  %r = linalg.depthwise_conv_2d_nhwc_hwcm {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x4x4x2xi8>, tensor<2x2x2x1xi8>) outs(%init : tensor<1x3x3x2x1xi32>) -> tensor<1x3x3x2x1xi32>
  return %r : tensor<1x3x3x2x1xi32>
}
