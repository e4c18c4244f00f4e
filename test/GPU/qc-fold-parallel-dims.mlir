// RUN: qc-opt %s --qc-fold-parallel-dims -split-input-file | FileCheck %s
// RUN: qc-opt %s --qc-fold-parallel-dims=tile-sizes=8,8 -split-input-file | FileCheck %s --check-prefix=TILE

// After qc-reverse-parallel-dims, a 4096x1x76x1 batched contraction's loop is
// (1, 76, 1, 4096): the unit dims are folded away and 4096 gets the third grid
// axis instead of a sequential loop in every invocation.
// CHECK-LABEL: func.func @unit_dims
// CHECK-DAG:     %[[C76:.*]] = arith.constant 76 : index
// CHECK-DAG:     %[[C4096:.*]] = arith.constant 4096 : index
// CHECK:         scf.parallel (%[[J:.*]], %[[I:.*]]) = (%{{.*}}, %{{.*}}) to (%[[C76]], %[[C4096]])
// CHECK-NOT:       scf.for
// CHECK-DAG:       %[[JJ:.*]] = arith.remsi %[[J]], %[[C76]]
// CHECK-DAG:       %[[II:.*]] = arith.remsi %[[I]], %[[C4096]]
// CHECK:           memref.store %{{.*}}, %{{.*}}[%[[II]], %{{.*}}, %[[JJ]], %{{.*}}] : memref<4096x1x76x1xi32>
func.func @unit_dims(%m: memref<4096x1x76x1xi32>, %v: i32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c76 = arith.constant 76 : index
  %c4096 = arith.constant 4096 : index
  scf.parallel (%d3, %d2, %d1, %d0) = (%c0, %c0, %c0, %c0) to (%c1, %c76, %c1, %c4096) step (%c1, %c1, %c1, %c1) {
    memref.store %v, %m[%d0, %d1, %d2, %d3] : memref<4096x1x76x1xi32>
  }
  return
}

// -----

// Four non-unit dims: x and y stay, the third and fourth are linearized into
// one (2 * 3 = 6) so that no dimension runs sequentially.
// CHECK-LABEL: func.func @four_dims
// CHECK-DAG:     %[[C6:.*]] = arith.constant 6 : index
// CHECK-DAG:     %[[C5:.*]] = arith.constant 5 : index
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK:         scf.parallel (%{{.*}}, %{{.*}}, %[[L:.*]]) = (%{{.*}}, %{{.*}}, %{{.*}}) to (%[[C5]], %[[C4]], %[[C6]])
// CHECK-DAG:       arith.remsi %[[L]]
// CHECK-DAG:       arith.divsi %[[L]]
// CHECK:           memref.store
func.func @four_dims(%m: memref<3x2x4x5xi32>, %v: i32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  scf.parallel (%d3, %d2, %d1, %d0) = (%c0, %c0, %c0, %c0) to (%c5, %c4, %c2, %c3) step (%c1, %c1, %c1, %c1) {
    memref.store %v, %m[%d0, %d1, %d2, %d3] : memref<3x2x4x5xi32>
  }
  return
}

// -----

// Loops of at most three dims without unit dims, nested loops and loops with
// reductions are left alone.
// CHECK-LABEL: func.func @unchanged
// CHECK:         scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}, %{{.*}}) to (%c4, %c3, %c2)
// CHECK:           scf.parallel (%{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}) to (%c1, %c2)
func.func @unchanged(%m: memref<2x3x4xi32>, %v: i32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  scf.parallel (%k, %j, %i) = (%c0, %c0, %c0) to (%c4, %c3, %c2) step (%c1, %c1, %c1) {
    scf.parallel (%a, %b) = (%c0, %c0) to (%c1, %c2) step (%c1, %c1) {
      memref.store %v, %m[%i, %j, %k] : memref<2x3x4xi32>
    }
  }
  return
}

// -----

// With the 8x8 tile, the filter-row gather's (3, 7, 112, 230) loop (channels,
// taps, columns, rows after qc-reverse-parallel-dims) becomes (21, 112, 230):
// x takes the taps in until it is as long as the tile. Without tile sizes
// only the dims past the third are linearized: (3, 7, 25760).
// CHECK-LABEL: func.func @short_x
// CHECK:         scf.parallel ({{.*}}) to (%c3, %c7, %c25760)
// TILE-LABEL:  func.func @short_x
// TILE-DAG:      %[[C21:.*]] = arith.constant 21 : index
// TILE-DAG:      %[[C112:.*]] = arith.constant 112 : index
// TILE-DAG:      %[[C230:.*]] = arith.constant 230 : index
// TILE:          scf.parallel (%[[X:.*]], %{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}, %{{.*}}) to (%[[C21]], %[[C112]], %[[C230]])
// TILE-DAG:        arith.remsi %[[X]]
// TILE-DAG:        arith.divsi %[[X]]
// TILE:            memref.store
func.func @short_x(%m: memref<230x112x7x3xi8>, %v: i8) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c7 = arith.constant 7 : index
  %c112 = arith.constant 112 : index
  %c230 = arith.constant 230 : index
  scf.parallel (%d3, %d2, %d1, %d0) = (%c0, %c0, %c0, %c0) to (%c3, %c7, %c112, %c230) step (%c1, %c1, %c1, %c1) {
    memref.store %v, %m[%d0, %d1, %d2, %d3] : memref<230x112x7x3xi8>
  }
  return
}

// -----

// x and y at least as long as the tile: unchanged with and without it.
// TILE-LABEL:  func.func @long_enough
// TILE:          scf.parallel ({{.*}}) to (%c8, %c9, %c2)
func.func @long_enough(%m: memref<2x9x8xi8>, %v: i8) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %c9 = arith.constant 9 : index
  scf.parallel (%d2, %d1, %d0) = (%c0, %c0, %c0) to (%c8, %c9, %c2) step (%c1, %c1, %c1) {
    memref.store %v, %m[%d0, %d1, %d2] : memref<2x9x8xi8>
  }
  return
}
