// RUN: qc-opt %s --qc-reverse-parallel-dims -split-input-file | FileCheck %s

// The innermost (contiguous) dimension becomes the first one, i.e. gpu x.
// CHECK-LABEL: func.func @rows_cols
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:     %[[C8:.*]] = arith.constant 8 : index
// CHECK:         scf.parallel (%[[J:.*]], %[[I:.*]]) = (%{{.*}}, %{{.*}}) to (%[[C8]], %[[C4]])
// CHECK:           memref.store %{{.*}}, %{{.*}}[%[[I]], %[[J]]] : memref<4x8xi32>
func.func @rows_cols(%m: memref<4x8xi32>, %v: i32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    memref.store %v, %m[%i, %j] : memref<4x8xi32>
  }
  return
}

// -----

// NOTE: nested and one-dimensional loops are left alone (only the outermost
// loop is mapped to the grid; a single dimension has nothing to reorder).
// CHECK-LABEL: func.func @nested
// CHECK:         scf.parallel (%[[A:.*]]) =
// CHECK:           scf.parallel (%[[B:.*]], %[[C:.*]]) =
// CHECK:             memref.store %{{.*}}, %{{.*}}[%[[A]], %[[B]], %[[C]]]
func.func @nested(%m: memref<2x4x8xi32>, %v: i32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%a) = (%c0) to (%c2) step (%c1) {
    scf.parallel (%b, %c) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
      memref.store %v, %m[%a, %b, %c] : memref<2x4x8xi32>
    }
  }
  return
}
