// RUN: qc-opt %s --split-input-file --qc-fuse-pooling-padding | FileCheck %s

// A max pool over a padded input (qc.max_pool2d's lowering: padding with the
// storage minimum) reads the unpadded input: each padded dim's index is
// shifted by the low padding, compared unsigned with the input size, clamped
// to 0 outside, and the padding value selected there. The pad disappears.
// CHECK-LABEL: func.func @max_s2_p1
// CHECK-SAME:    %[[X:.*]]: tensor<1x9x11x5xi8>
// CHECK-DAG:     %[[PADV:.*]] = arith.constant -128 : i8
// CHECK-NOT:     tensor.pad
// CHECK:         %[[W:.*]] = tensor.empty() : tensor<3x3xi8>
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK-SAME:      ins(%[[W]] : tensor<3x3xi8>)
// CHECK-NEXT:    ^bb0(%{{.*}}: i8, %[[OUT:.*]]: i8):
// CHECK-DAG:       %[[N:.*]] = linalg.index 0
// CHECK-DAG:       %[[OH:.*]] = linalg.index 1
// CHECK-DAG:       %[[OW:.*]] = linalg.index 2
// CHECK-DAG:       %[[C:.*]] = linalg.index 3
// CHECK-DAG:       %[[KH:.*]] = linalg.index 4
// CHECK-DAG:       %[[KW:.*]] = linalg.index 5
// CHECK:           %[[H2:.*]] = arith.muli %[[OH]], %{{.*}}
// CHECK:           %[[H:.*]] = arith.addi %[[H2]], %[[KH]]
// CHECK:           %[[W2:.*]] = arith.muli %[[OW]], %{{.*}}
// CHECK:           %[[WI:.*]] = arith.addi %[[W2]], %[[KW]]
// CHECK-DAG:       %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:       %[[C9:.*]] = arith.constant 9 : index
// CHECK-DAG:       %[[C1:.*]] = arith.constant 1 : index
// CHECK:           %[[HS:.*]] = arith.subi %[[H]], %[[C1]]
// CHECK:           %[[HIN:.*]] = arith.cmpi ult, %[[HS]], %[[C9]]
// CHECK:           %[[HC:.*]] = arith.select %[[HIN]], %[[HS]], %[[C0]]
// CHECK-DAG:       %[[C11:.*]] = arith.constant 11 : index
// CHECK:           %[[WS:.*]] = arith.subi %[[WI]], %{{.*}}
// CHECK:           %[[WIN:.*]] = arith.cmpi ult, %[[WS]], %[[C11]]
// CHECK:           %[[IN:.*]] = arith.andi %[[HIN]], %[[WIN]]
// CHECK:           %[[WC:.*]] = arith.select %[[WIN]], %[[WS]], %[[C0]]
// CHECK:           %[[E:.*]] = tensor.extract %[[X]][%[[N]], %[[HC]], %[[WC]], %[[C]]]
// CHECK:           %[[V:.*]] = arith.select %[[IN]], %[[E]], %[[PADV]] : i8
// CHECK:           %[[M:.*]] = arith.maxsi %[[OUT]], %[[V]] : i8
// CHECK:           linalg.yield %[[M]]
func.func @max_s2_p1(%x: tensor<1x9x11x5xi8>) -> tensor<1x5x6x5xi8> {
  %min = arith.constant -128 : i8
  %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %min : i8
  } : tensor<1x9x11x5xi8> to tensor<1x11x13x5xi8>
  %e = tensor.empty() : tensor<1x5x6x5xi8>
  %init = linalg.fill ins(%min : i8) outs(%e : tensor<1x5x6x5xi8>) -> tensor<1x5x6x5xi8>
  %w = tensor.empty() : tensor<3x3xi8>
  %r = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%p, %w : tensor<1x11x13x5xi8>, tensor<3x3xi8>) outs(%init : tensor<1x5x6x5xi8>) -> tensor<1x5x6x5xi8>
  return %r : tensor<1x5x6x5xi8>
}

// -----

// A sum pool (qc.avg_pool2d) keeps its body: the element is selected first,
// then sign-extended and added. Only the padded dim (W, padding 0/2) is
// checked; H is read directly. A dynamic batch stays dynamic.
// CHECK-LABEL: func.func @sum_w_only
// CHECK-SAME:    %[[X:.*]]: tensor<?x4x5x3xi8>
// CHECK-DAG:     %[[ZP:.*]] = arith.constant 7 : i8
// CHECK-NOT:     tensor.pad
// CHECK:         linalg.generic
// CHECK:           %[[N:.*]] = linalg.index 0
// CHECK:           %[[OH:.*]] = linalg.index 1
// CHECK:           %[[OW:.*]] = linalg.index 2
// CHECK:           %[[C:.*]] = linalg.index 3
// CHECK:           %[[KH:.*]] = linalg.index 4
// CHECK:           %[[KW:.*]] = linalg.index 5
// CHECK:           %[[H:.*]] = arith.addi %[[OH]], %[[KH]]
// CHECK:           %[[W:.*]] = arith.addi %[[OW]], %[[KW]]
// CHECK-NOT:       arith.subi
// CHECK:           %[[IN:.*]] = arith.cmpi ult, %[[W]], %{{.*}}
// CHECK-NOT:       arith.andi
// CHECK:           %[[WC:.*]] = arith.select %[[IN]], %[[W]], %{{.*}}
// CHECK:           %[[E:.*]] = tensor.extract %[[X]][%[[N]], %[[H]], %[[WC]], %[[C]]]
// CHECK:           %[[V:.*]] = arith.select %[[IN]], %[[E]], %[[ZP]] : i8
// CHECK:           %[[EXT:.*]] = arith.extsi %[[V]] : i8 to i32
// CHECK:           arith.addi %{{.*}}, %[[EXT]] : i32
func.func @sum_w_only(%x: tensor<?x4x5x3xi8>, %init: tensor<?x1x4x3xi32>) -> tensor<?x1x4x3xi32> {
  %zp = arith.constant 7 : i8
  %p = tensor.pad %x low[0, 0, 0, 0] high[0, 0, 2, 0] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zp : i8
  } : tensor<?x4x5x3xi8> to tensor<?x4x7x3xi8>
  %w = tensor.empty() : tensor<4x4xi8>
  %r = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%p, %w : tensor<?x4x7x3xi8>, tensor<4x4xi8>) outs(%init : tensor<?x1x4x3xi32>) -> tensor<?x1x4x3xi32>
  return %r : tensor<?x1x4x3xi32>
}

// -----

// NOTE: the pad has another user (kept), the pool is still rewritten.
// CHECK-LABEL: func.func @shared_pad
// CHECK:         %[[P:.*]] = tensor.pad
// CHECK:         linalg.generic
// CHECK:         return %{{.*}}, %[[P]]
func.func @shared_pad(%x: tensor<1x4x4x2xi8>, %init: tensor<1x4x4x2xi8>) -> (tensor<1x4x4x2xi8>, tensor<1x6x6x2xi8>) {
  %min = arith.constant -128 : i8
  %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %min : i8
  } : tensor<1x4x4x2xi8> to tensor<1x6x6x2xi8>
  %w = tensor.empty() : tensor<3x3xi8>
  %r = linalg.pooling_nhwc_max_unsigned {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%p, %w : tensor<1x6x6x2xi8>, tensor<3x3xi8>) outs(%init : tensor<1x4x4x2xi8>) -> tensor<1x4x4x2xi8>
  return %r, %p : tensor<1x4x4x2xi8>, tensor<1x6x6x2xi8>
}

// -----

// A padding constant defined inside the pad's body is cloned out of it.
// CHECK-LABEL: func.func @constant_in_body
// CHECK-NOT:     tensor.pad
// CHECK:         %[[PADV:.*]] = arith.constant 3 : i32
// CHECK:         linalg.generic
// CHECK:           arith.select %{{.*}}, %{{.*}}, %[[PADV]] : i32
// CHECK:           arith.minsi
func.func @constant_in_body(%x: tensor<1x4x4x1xi32>, %init: tensor<1x4x4x1xi32>) -> tensor<1x4x4x1xi32> {
  %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    %v = arith.constant 3 : i32
    tensor.yield %v : i32
  } : tensor<1x4x4x1xi32> to tensor<1x6x6x1xi32>
  %w = tensor.empty() : tensor<3x3xi32>
  %r = linalg.pooling_nhwc_min {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%p, %w : tensor<1x6x6x1xi32>, tensor<3x3xi32>) outs(%init : tensor<1x4x4x1xi32>) -> tensor<1x4x4x1xi32>
  return %r : tensor<1x4x4x1xi32>
}

// -----

// NOTE: a padding value that depends on the position is not a single value
// to select: the pad and the pool stay.
// CHECK-LABEL: func.func @position_dependent_pad
// CHECK:         tensor.pad
// CHECK:         linalg.pooling_nhwc_max
func.func @position_dependent_pad(%x: tensor<1x4x4x1xi32>, %init: tensor<1x4x4x1xi32>) -> tensor<1x4x4x1xi32> {
  %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    %v = arith.index_cast %b : index to i32
    tensor.yield %v : i32
  } : tensor<1x4x4x1xi32> to tensor<1x6x6x1xi32>
  %w = tensor.empty() : tensor<3x3xi32>
  %r = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%p, %w : tensor<1x6x6x1xi32>, tensor<3x3xi32>) outs(%init : tensor<1x4x4x1xi32>) -> tensor<1x4x4x1xi32>
  return %r : tensor<1x4x4x1xi32>
}

// -----

// NOTE: a convolution reading a pad is left to the contraction kernels
// (they fuse zero-point padding themselves); only pooling ops are rewritten.
// CHECK-LABEL: func.func @conv_untouched
// CHECK:         tensor.pad
// CHECK:         linalg.conv_2d_nhwc_hwcf
func.func @conv_untouched(%x: tensor<1x4x4x1xi8>, %f: tensor<3x3x1x1xi8>, %init: tensor<1x4x4x1xi32>) -> tensor<1x4x4x1xi32> {
  %z = arith.constant 0 : i8
  %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %z : i8
  } : tensor<1x4x4x1xi8> to tensor<1x6x6x1xi8>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%p, %f : tensor<1x6x6x1xi8>, tensor<3x3x1x1xi8>) outs(%init : tensor<1x4x4x1xi32>) -> tensor<1x4x4x1xi32>
  return %r : tensor<1x4x4x1xi32>
}

// -----

// NOTE: an unpadded pool (no tensor.pad) is unchanged.
// CHECK-LABEL: func.func @unpadded
// CHECK:         linalg.pooling_nhwc_max
func.func @unpadded(%x: tensor<1x4x4x1xi8>, %init: tensor<1x2x2x1xi8>) -> tensor<1x2x2x1xi8> {
  %w = tensor.empty() : tensor<3x3xi8>
  %r = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<1x4x4x1xi8>, tensor<3x3xi8>) outs(%init : tensor<1x2x2x1xi8>) -> tensor<1x2x2x1xi8>
  return %r : tensor<1x2x2x1xi8>
}
