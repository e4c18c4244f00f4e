// RUN: qc-opt %s --qc-split-long-reductions -split-input-file | FileCheck %s
// RUN: qc-opt %s --qc-split-long-reductions=max-iterations=10 -split-input-file | FileCheck %s --check-prefix=SMALL

// A global sum pool over 300x300 (the loops as convert-linalg-to-parallel-loops
// and qc-promote-loop-accumulators leave them): 300 * 302 + 1 iterations per
// invocation, over the bound of 32768. One row iteration takes 302, so 108
// rows fit; 3 chunks of 100 rows. The first loop computes each chunk's sum
// from 0 into a 4x3 buffer, the original loop then adds the 3 partials.
// CHECK-LABEL: func.func @pool
// CHECK:         %[[P:.*]] = memref.alloc() : memref<4x3xi32>
// CHECK:         scf.parallel (%[[C:.*]], %[[J:.*]]) = ({{.*}}) to (%c4{{.*}}, %c3{{.*}})
// CHECK:           %[[CH:.*]] = arith.remui %[[J]], %c3
// CHECK:           %[[FIRST:.*]] = arith.muli %[[CH]], %c100
// CHECK:           %[[LB:.*]] = arith.addi %c0{{.*}}, %{{.*}}
// CHECK:           %[[END:.*]] = arith.addi %[[LB]], %c100
// CHECK:           %[[UB:.*]] = arith.minsi %[[END]], %c300
// CHECK:           %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK:           %[[S:.*]] = scf.for %{{.*}} = %[[LB]] to %[[UB]] step %{{.*}} iter_args(%{{.*}} = %[[ZERO]]) -> (i32) {
// CHECK:             scf.for %{{.*}} = %c0 to %c300
// CHECK:               arith.addi
// CHECK:           memref.store %[[S]], %[[P]][%[[C]], %[[J]]] : memref<4x3xi32>
// CHECK:         scf.parallel (%[[C2:.*]]) =
// CHECK:           %[[INIT:.*]] = memref.load %arg1[%[[C2]]]
// CHECK:           %[[R:.*]] = scf.for %[[K:.*]] = %c0{{.*}} to %c3{{.*}} step %c1{{.*}} iter_args(%[[A:.*]] = %[[INIT]]) -> (i32) {
// CHECK:             %[[V:.*]] = memref.load %[[P]][%[[C2]], %[[K]]] : memref<4x3xi32>
// CHECK:             %[[ADD:.*]] = arith.addi %[[A]], %[[V]] : i32
// CHECK:             scf.yield %[[ADD]]
// CHECK:           memref.store %[[R]], %arg1[%[[C2]]]
// SMALL-LABEL: func.func @pool
func.func @pool(%x: memref<300x300x4xi8>, %y: memref<4xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c300 = arith.constant 300 : index
  scf.parallel (%c) = (%c0) to (%c4) step (%c1) {
    %init = memref.load %y[%c] : memref<4xi32>
    %r = scf.for %h = %c0 to %c300 step %c1 iter_args(%a = %init) -> (i32) {
      %s = scf.for %w = %c0 to %c300 step %c1 iter_args(%b = %a) -> (i32) {
        %v = memref.load %x[%h, %w, %c] : memref<300x300x4xi8>
        %e = arith.extsi %v : i8 to i32
        %n = arith.addi %b, %e : i32
        scf.yield %n : i32
      }
      scf.yield %s : i32
    }
    memref.store %r, %y[%c] : memref<4xi32>
    scf.reduce
  }
  return
}

// -----

// The inner dim alone (70000) is over the bound: it is chunked (3 chunks of
// 23334) and the outer reduction dim (2) goes to the grid with them: 6
// partials per output, j = outer * 3 + chunk.
// CHECK-LABEL: func.func @inner_too_long
// CHECK:         %[[P:.*]] = memref.alloc() : memref<3x6xi32>
// CHECK:         scf.parallel (%{{.*}}, %[[J:.*]]) = ({{.*}}) to (%c3{{.*}}, %c6{{.*}})
// CHECK-DAG:       %[[CH:.*]] = arith.remui %[[J]], %c3
// CHECK-DAG:       %[[REST:.*]] = arith.divui %[[J]], %c3
// CHECK:           %[[O:.*]] = arith.remui %[[REST]], %c2
// CHECK:           %[[OM:.*]] = arith.muli %[[O]], %c1
// CHECK:           %[[OIV:.*]] = arith.addi %c0, %[[OM]]
// CHECK:           arith.muli %[[CH]], %c23334
// CHECK:           scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %c0_i32{{.*}}) -> (i32) {
// CHECK-NOT:       scf.for
// CHECK:             memref.load %arg0[%{{.*}}, %[[OIV]], %{{.*}}]
// CHECK:         scf.for %{{.*}} = %c0{{.*}} to %c6{{.*}}
// CHECK-NOT:     scf.for
// CHECK:         return
func.func @inner_too_long(%x: memref<3x2x70000xi16>, %y: memref<3xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %cn = arith.constant 70000 : index
  scf.parallel (%i) = (%c0) to (%c3) step (%c1) {
    %init = memref.load %y[%i] : memref<3xi32>
    %r = scf.for %o = %c0 to %c2 step %c1 iter_args(%a = %init) -> (i32) {
      %s = scf.for %k = %c0 to %cn step %c1 iter_args(%b = %a) -> (i32) {
        %v = memref.load %x[%i, %o, %k] : memref<3x2x70000xi16>
        %e = arith.extsi %v : i16 to i32
        %n = arith.addi %e, %b : i32
        scf.yield %n : i32
      }
      scf.yield %s : i32
    }
    memref.store %r, %y[%i] : memref<3xi32>
    scf.reduce
  }
  return
}

// -----

// A signed max over 40000: the partials start from the neutral element
// (-128), the original accumulator start (the fill, 5) stays with the loop
// that reduces the 2 partials (2 chunks of 20000).
// CHECK-LABEL: func.func @max
// CHECK:         %[[P:.*]] = memref.alloc() : memref<2x2xi8>
// CHECK:         scf.parallel
// CHECK:           arith.constant -128 : i8
// CHECK:           arith.maxsi
// CHECK:         scf.parallel
// CHECK:           scf.for %{{.*}} = %c0{{.*}} to %c2{{.*}} step %{{.*}} iter_args(%{{.*}} = %c5_i8)
// CHECK:             memref.load %[[P]]
// CHECK:             arith.maxsi
func.func @max(%x: memref<2x40000xi8>, %y: memref<2xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %cn = arith.constant 40000 : index
  %fill = arith.constant 5 : i8
  scf.parallel (%i) = (%c0) to (%c2) step (%c1) {
    %r = scf.for %k = %c0 to %cn step %c1 iter_args(%a = %fill) -> (i8) {
      %v = memref.load %x[%i, %k] : memref<2x40000xi8>
      %n = arith.maxsi %a, %v : i8
      scf.yield %n : i8
    }
    memref.store %r, %y[%i] : memref<2xi8>
    scf.reduce
  }
  return
}

// -----

// With a bound of 10, 1000 steps take 112 chunks of 9, whose reduction takes
// 13 chunks of 9, whose reduction takes 2 of 7: three splits. Under the
// default bound the loop is left alone.
// CHECK-LABEL: func.func @resplit
// CHECK-NOT:     memref.alloc
// CHECK-COUNT-1: scf.parallel
// CHECK-NOT:     scf.parallel
// SMALL-LABEL: func.func @resplit
// SMALL-DAG:     memref.alloc() : memref<2x112xi32>
// SMALL-DAG:     memref.alloc() : memref<2x13xi32>
// SMALL-DAG:     memref.alloc() : memref<2x2xi32>
// SMALL-COUNT-4: scf.parallel
// SMALL-NOT:     scf.parallel
func.func @resplit(%x: memref<2x1000xi32>, %y: memref<2xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %cn = arith.constant 1000 : index
  scf.parallel (%i) = (%c0) to (%c2) step (%c1) {
    %init = memref.load %y[%i] : memref<2xi32>
    %r = scf.for %k = %c0 to %cn step %c1 iter_args(%a = %init) -> (i32) {
      %v = memref.load %x[%i, %k] : memref<2x1000xi32>
      %n = arith.xori %a, %v : i32
      scf.yield %n : i32
    }
    memref.store %r, %y[%i] : memref<2xi32>
    scf.reduce
  }
  return
}

// -----

// Not split (qc-check-loop-iterations rejects the kernels later): two
// accumulators in one loop, and a float sum (not associative).
// CHECK-LABEL: func.func @unsplittable
// CHECK-NOT:     memref.alloc
// CHECK-COUNT-2: scf.parallel
// CHECK-NOT:     scf.parallel
func.func @unsplittable(%x: memref<2x70000xi32>, %f: memref<2x70000xf32>,
                        %y: memref<2xi32>, %z: memref<2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %cn = arith.constant 70000 : index
  %zero = arith.constant 0 : i32
  %fz = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c2) step (%c1) {
    %r:2 = scf.for %k = %c0 to %cn step %c1 iter_args(%a = %zero, %b = %zero) -> (i32, i32) {
      %v = memref.load %x[%i, %k] : memref<2x70000xi32>
      %n = arith.addi %a, %v : i32
      %m = arith.maxsi %b, %v : i32
      scf.yield %n, %m : i32, i32
    }
    %s = arith.addi %r#0, %r#1 : i32
    memref.store %s, %y[%i] : memref<2xi32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c2) step (%c1) {
    %r = scf.for %k = %c0 to %cn step %c1 iter_args(%a = %fz) -> (f32) {
      %v = memref.load %f[%i, %k] : memref<2x70000xf32>
      %n = arith.addf %a, %v : f32
      scf.yield %n : f32
    }
    memref.store %r, %z[%i] : memref<2xf32>
    scf.reduce
  }
  return
}
