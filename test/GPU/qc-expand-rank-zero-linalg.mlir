// RUN: qc-opt %s --split-input-file --qc-expand-rank-zero-linalg | FileCheck %s

// A reduction to a rank-0 buffer and the fill of its accumulator get a unit
// parallel dim over a memref<1xi32> view; the input maps are shifted.
// CHECK-DAG:   #[[SCALAR:.*]] = affine_map<(d0) -> ()>
// CHECK-DAG:   #[[UNIT:.*]] = affine_map<(d0) -> (d0)>
// CHECK-DAG:   #[[IN2:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG:   #[[OUT2:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @sum
// CHECK-SAME:    %[[X:.*]]: memref<37xi32>, %[[ACC:.*]]: memref<i32>
// CHECK:         %[[V0:.*]] = memref.expand_shape %[[ACC]] [] output_shape [1] : memref<i32> into memref<1xi32>
// CHECK:         linalg.generic {indexing_maps = [#[[SCALAR]], #[[UNIT]]], iterator_types = ["parallel"]}
// CHECK-SAME:      outs(%[[V0]] : memref<1xi32>)
// CHECK:         %[[V1:.*]] = memref.expand_shape %[[ACC]] []
// CHECK:         linalg.generic {indexing_maps = [#[[IN2]], #[[OUT2]]], iterator_types = ["parallel", "reduction"]}
// CHECK-SAME:      ins(%[[X]] : memref<37xi32>) outs(%[[V1]] : memref<1xi32>)
// CHECK:           arith.addi
func.func @sum(%x: memref<37xi32>, %acc: memref<i32>) {
  %z = arith.constant 0 : i32
  linalg.fill ins(%z : i32) outs(%acc : memref<i32>)
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]} ins(%x : memref<37xi32>) outs(%acc : memref<i32>) {
  ^bb0(%a: i32, %o: i32):
    %s = arith.addi %o, %a : i32
    linalg.yield %s : i32
  }
  return
}

// -----

// A named op (linalg.dot) keeps its body; a linalg.index moves past the new
// dim; rank-0 inputs keep their map.
// CHECK-LABEL: func.func @dot
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "reduction"]
// CHECK:           arith.extsi
// CHECK:           arith.muli
// CHECK:           arith.addi
// CHECK-LABEL: func.func @index
// CHECK:         linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "reduction", "reduction"]}
// CHECK-SAME:      ins(%{{.*}}, %{{.*}} : memref<4x5xi32>, memref<i32>)
// CHECK:           linalg.index 2 : index
func.func @dot(%a: memref<50xi8>, %b: memref<50xi8>, %acc: memref<i32>) {
  linalg.dot ins(%a, %b : memref<50xi8>, memref<50xi8>) outs(%acc : memref<i32>)
  return
}
func.func @index(%x: memref<4x5xi32>, %y: memref<i32>, %acc: memref<i32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]} ins(%x, %y : memref<4x5xi32>, memref<i32>) outs(%acc : memref<i32>) {
  ^bb0(%a: i32, %b: i32, %o: i32):
    %i = linalg.index 1 : index
    %c = arith.index_cast %i : index to i32
    %p = arith.muli %a, %c : i32
    %q = arith.addi %p, %b : i32
    %s = arith.addi %o, %q : i32
    linalg.yield %s : i32
  }
  return
}

// -----

// NOTE: an op with a parallel dim is already a grid; an op on tensors is not
// bufferized yet; both are unchanged.
// CHECK-LABEL: func.func @unchanged
// CHECK-NOT:     memref.expand_shape
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-NOT:     memref.expand_shape
// CHECK:         linalg.generic {{.*}} iterator_types = ["reduction"]
// CHECK-SAME:      outs(%{{.*}} : tensor<i32>)
func.func @unchanged(%x: memref<3x4xi32>, %acc: memref<3xi32>, %t: tensor<4xi32>, %u: tensor<i32>) -> tensor<i32> {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : memref<3x4xi32>) outs(%acc : memref<3xi32>) {
  ^bb0(%a: i32, %o: i32):
    %s = arith.addi %o, %a : i32
    linalg.yield %s : i32
  }
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]} ins(%t : tensor<4xi32>) outs(%u : tensor<i32>) {
  ^bb0(%a: i32, %o: i32):
    %s = arith.addi %o, %a : i32
    linalg.yield %s : i32
  } -> tensor<i32>
  return %r : tensor<i32>
}
