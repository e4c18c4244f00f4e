// RUN: qc-opt %s --qc-fuse-pooling-widening -split-input-file | FileCheck %s

// An unpadded u8 average pool: the sum pool reads the u8 codes and widens
// each in its body; the widening generic goes.
// CHECK-LABEL: func.func @global_sum
// CHECK-SAME:    (%[[X:.*]]: tensor<1x7x7x8xi8>)
// CHECK-NOT:     linalg.pooling_nhwc_sum
// CHECK:         %[[R:.*]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK-SAME:      ins(%[[X]], %{{.*}} : tensor<1x7x7x8xi8>, tensor<7x7xi32>)
// CHECK-NEXT:    ^bb0(%[[IN:.*]]: i8, %{{.*}}: i32, %[[OUT:.*]]: i32):
// CHECK-NEXT:      %[[W:.*]] = arith.extui %[[IN]] : i8 to i32
// CHECK-NEXT:      %[[S:.*]] = arith.addi %[[OUT]], %[[W]] : i32
// CHECK-NEXT:      linalg.yield %[[S]] : i32
// CHECK:         return %[[R]]
func.func @global_sum(%x: tensor<1x7x7x8xi8>) -> tensor<1x1x1x8xi32> {
  %e = tensor.empty() : tensor<1x7x7x8xi32>
  %w = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x7x7x8xi8>) outs(%e : tensor<1x7x7x8xi32>) {
  ^bb0(%in: i8, %out: i32):
    %v = arith.extui %in : i8 to i32
    linalg.yield %v : i32
  } -> tensor<1x7x7x8xi32>
  %zero = arith.constant 0 : i32
  %o = tensor.empty() : tensor<1x1x1x8xi32>
  %init = linalg.fill ins(%zero : i32) outs(%o : tensor<1x1x1x8xi32>) -> tensor<1x1x1x8xi32>
  %win = tensor.empty() : tensor<7x7xi32>
  %r = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%w, %win : tensor<1x7x7x8xi32>, tensor<7x7xi32>) outs(%init : tensor<1x1x1x8xi32>) -> tensor<1x1x1x8xi32>
  return %r : tensor<1x1x1x8xi32>
}

// -----

// A padded pool after qc-fuse-pooling-padding reads its (widened) input with
// tensor.extract: the extract reads the u8 codes and widens them.
// CHECK-LABEL: func.func @padded
// CHECK-SAME:    (%[[X:.*]]: tensor<1x4x4x2xi8>)
// CHECK-NOT:     arith.extui
// CHECK:         linalg.generic
// CHECK:           %[[E:.*]] = tensor.extract %[[X]][
// CHECK-NEXT:      %[[W:.*]] = arith.extui %[[E]] : i8 to i32
// CHECK-NEXT:      arith.select %{{.*}}, %[[W]], %{{.*}} : i32
func.func @padded(%x: tensor<1x4x4x2xi8>) -> tensor<1x4x4x2xi32> {
  %e = tensor.empty() : tensor<1x4x4x2xi32>
  %w = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x4x4x2xi8>) outs(%e : tensor<1x4x4x2xi32>) {
  ^bb0(%in: i8, %out: i32):
    %v = arith.extui %in : i8 to i32
    linalg.yield %v : i32
  } -> tensor<1x4x4x2xi32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0 : i32
  %o = tensor.empty() : tensor<1x4x4x2xi32>
  %win = tensor.empty() : tensor<3x3xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%win : tensor<3x3xi32>) outs(%o : tensor<1x4x4x2xi32>) {
  ^bb0(%in: i32, %out: i32):
    %i = linalg.index 1 : index
    %k = linalg.index 4 : index
    %j = linalg.index 2 : index
    %l = linalg.index 5 : index
    %n = linalg.index 0 : index
    %ch = linalg.index 3 : index
    %row = arith.addi %i, %k : index
    %col = arith.addi %j, %l : index
    %r0 = arith.subi %row, %c1 : index
    %c0r = arith.subi %col, %c1 : index
    %in0 = arith.cmpi ult, %r0, %c4 : index
    %in1 = arith.cmpi ult, %c0r, %c4 : index
    %both = arith.andi %in0, %in1 : i1
    %ri = arith.select %in0, %r0, %c0 : index
    %ci = arith.select %in1, %c0r, %c0 : index
    %v = tensor.extract %w[%n, %ri, %ci, %ch] : tensor<1x4x4x2xi32>
    %p = arith.select %both, %v, %zero : i32
    %s = arith.addi %out, %p : i32
    linalg.yield %s : i32
  } -> tensor<1x4x4x2xi32>
  return %r : tensor<1x4x4x2xi32>
}

// -----

// Left alone: the widened tensor has another user (the cast stays a kernel
// either way), and a producer that is more than a cast.
// CHECK-LABEL: func.func @kept
// CHECK:         %[[W:.*]] = linalg.generic
// CHECK:         linalg.pooling_nhwc_sum {{.*}} ins(%[[W]],
// CHECK:         %[[M:.*]] = linalg.generic
// CHECK:           arith.muli
// CHECK:         linalg.pooling_nhwc_sum {{.*}} ins(%[[M]],
func.func @kept(%x: tensor<1x2x2x4xi8>) -> (tensor<1x1x1x4xi32>, tensor<1x2x2x4xi32>, tensor<1x1x1x4xi32>) {
  %e = tensor.empty() : tensor<1x2x2x4xi32>
  %w = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x2x2x4xi8>) outs(%e : tensor<1x2x2x4xi32>) {
  ^bb0(%in: i8, %out: i32):
    %v = arith.extsi %in : i8 to i32
    linalg.yield %v : i32
  } -> tensor<1x2x2x4xi32>
  %zero = arith.constant 0 : i32
  %o = tensor.empty() : tensor<1x1x1x4xi32>
  %init = linalg.fill ins(%zero : i32) outs(%o : tensor<1x1x1x4xi32>) -> tensor<1x1x1x4xi32>
  %win = tensor.empty() : tensor<2x2xi32>
  %r = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%w, %win : tensor<1x2x2x4xi32>, tensor<2x2xi32>) outs(%init : tensor<1x1x1x4xi32>) -> tensor<1x1x1x4xi32>
  %m = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x2x2x4xi8>) outs(%e : tensor<1x2x2x4xi32>) {
  ^bb0(%in: i8, %out: i32):
    %v = arith.extsi %in : i8 to i32
    %sq = arith.muli %v, %v : i32
    linalg.yield %sq : i32
  } -> tensor<1x2x2x4xi32>
  %r2 = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%m, %win : tensor<1x2x2x4xi32>, tensor<2x2xi32>) outs(%init : tensor<1x1x1x4xi32>) -> tensor<1x1x1x4xi32>
  return %r, %w, %r2 : tensor<1x1x1x4xi32>, tensor<1x2x2x4xi32>, tensor<1x1x1x4xi32>
}
