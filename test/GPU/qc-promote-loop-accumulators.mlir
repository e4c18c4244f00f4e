// RUN: qc-opt %s --qc-promote-loop-accumulators -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @matmul_row
// CHECK:         %[[INIT:.*]] = memref.load %[[C:.*]][%[[I:.*]], %[[J:.*]]]
// CHECK:         %[[R:.*]] = scf.for {{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (i32)
// CHECK-NOT:       memref.store
// CHECK:           %[[SUM:.*]] = arith.addi %[[ACC]]
// CHECK:           scf.yield %[[SUM]]
// CHECK:         memref.store %[[R]], %[[C]][%[[I]], %[[J]]]
func.func @matmul_row(%a: memref<4x8xi32>, %b: memref<8x4xi32>, %c: memref<4x4xi32>, %i: index, %j: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %k = %c0 to %c8 step %c1 {
    %x = memref.load %a[%i, %k] : memref<4x8xi32>
    %y = memref.load %b[%k, %j] : memref<8x4xi32>
    %acc = memref.load %c[%i, %j] : memref<4x4xi32>
    %p = arith.muli %x, %y : i32
    %s = arith.addi %acc, %p : i32
    memref.store %s, %c[%i, %j] : memref<4x4xi32>
  }
  return
}

// -----

// Nested reduction loops (a convolution window): promoted from the inside out,
// so one load before and one store after the outermost loop remain.
// CHECK-LABEL: func.func @window
// CHECK:         memref.load %{{.*}}[%{{.*}}] : memref<4xi32>
// CHECK-NEXT:    scf.for
// CHECK-NOT:       memref.load %{{.*}} : memref<4xi32>
// CHECK-NOT:       memref.store
// CHECK:         memref.store %{{.*}} : memref<4xi32>
// CHECK-NEXT:    return
func.func @window(%x: memref<16xi32>, %o: memref<4xi32>, %i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  scf.for %u = %c0 to %c3 step %c1 {
    scf.for %v = %c0 to %c3 step %c1 {
      %idx = arith.addi %u, %v : index
      %val = memref.load %x[%idx] : memref<16xi32>
      %acc = memref.load %o[%i] : memref<4xi32>
      %s = arith.addi %acc, %val : i32
      memref.store %s, %o[%i] : memref<4xi32>
    }
  }
  return
}

// -----

// NOTE: the stored element moves with the loop (not a reduction into one
// element): left unchanged.
// CHECK-LABEL: func.func @varying_index
// CHECK:         scf.for
// CHECK-NEXT:      memref.load
// CHECK:           memref.store
func.func @varying_index(%o: memref<8xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %k = %c0 to %c8 step %c1 {
    %acc = memref.load %o[%k] : memref<8xi32>
    %s = arith.addi %acc, %acc : i32
    memref.store %s, %o[%k] : memref<8xi32>
  }
  return
}

// -----

// NOTE: another read of the accumulator's memref in the loop could observe
// the per-iteration stores: left unchanged.
// CHECK-LABEL: func.func @other_read
// CHECK:         scf.for
// CHECK-NEXT:      memref.load
// CHECK-NEXT:      memref.load
// CHECK:           memref.store
func.func @other_read(%o: memref<8xi32>, %i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %k = %c0 to %c8 step %c1 {
    %acc = memref.load %o[%i] : memref<8xi32>
    %other = memref.load %o[%k] : memref<8xi32>
    %s = arith.addi %acc, %other : i32
    memref.store %s, %o[%i] : memref<8xi32>
  }
  return
}

// -----

// NOTE: two memory writes in the loop: left unchanged.
// CHECK-LABEL: func.func @two_stores
// CHECK:         scf.for
// CHECK:           memref.store
// CHECK:           memref.store
func.func @two_stores(%o: memref<8xi32>, %p: memref<8xi32>, %i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %k = %c0 to %c8 step %c1 {
    %acc = memref.load %o[%i] : memref<8xi32>
    %s = arith.addi %acc, %acc : i32
    memref.store %s, %o[%i] : memref<8xi32>
    memref.store %s, %p[%k] : memref<8xi32>
  }
  return
}
