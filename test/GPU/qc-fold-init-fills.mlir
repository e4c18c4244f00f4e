// RUN: qc-opt %s --qc-fold-init-fills -split-input-file | FileCheck %s

// A pool after qc-promote-loop-accumulators: the load of the filled element
// becomes the fill value and the fill loop goes.
// CHECK-LABEL: func.func @pool
// CHECK-SAME:    (%[[X:.*]]: memref<8x4xi8>, %[[O:.*]]: memref<4x4xi8>)
// CHECK:         %[[INIT:.*]] = arith.constant -128 : i8
// CHECK:         %[[BUF:.*]] = memref.alloc() : memref<4x4xi8>
// CHECK-NOT:     memref.store %[[INIT]]
// CHECK:         scf.parallel (%[[I:.*]], %[[J:.*]]) =
// CHECK-NOT:       memref.load %[[BUF]]
// CHECK:           scf.for {{.*}} iter_args(%{{.*}} = %[[INIT]]) -> (i8)
// CHECK:           memref.store %{{.*}}, %[[BUF]][%[[I]], %[[J]]]
// CHECK:         memref.copy %[[BUF]], %[[O]]
func.func @pool(%x: memref<8x4xi8>, %o: memref<4x4xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %min = arith.constant -128 : i8
  %buf = memref.alloc() : memref<4x4xi8>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c4) step (%c1, %c1) {
    memref.store %min, %buf[%i, %j] : memref<4x4xi8>
    scf.reduce
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c4) step (%c1, %c1) {
    %init = memref.load %buf[%i, %j] : memref<4x4xi8>
    %r = scf.for %k = %c0 to %c2 step %c1 iter_args(%acc = %init) -> (i8) {
      %i2 = arith.muli %i, %c2 : index
      %row = arith.addi %i2, %k : index
      %v = memref.load %x[%row, %j] : memref<8x4xi8>
      %m = arith.maxsi %acc, %v : i8
      scf.yield %m : i8
    }
    memref.store %r, %buf[%i, %j] : memref<4x4xi8>
    scf.reduce
  }
  memref.copy %buf, %o : memref<4x4xi8> to memref<4x4xi8>
  return
}

// -----

// Unit dims (constant 0 indices, or a loop of one trip) and an out-param
// buffer (a function argument): nothing between the loops writes memory.
// CHECK-LABEL: func.func @global_sum
// CHECK-SAME:    (%[[X:.*]]: memref<1x3x3x2xi32>, %[[O:.*]]: memref<1x1x1x2xi32>)
// CHECK:         %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-NOT:     memref.store %[[ZERO]]
// CHECK:         scf.parallel
// CHECK-NOT:       memref.load %[[O]]
// CHECK:           scf.for {{.*}} iter_args(%{{.*}} = %[[ZERO]]) -> (i32)
func.func @global_sum(%x: memref<1x3x3x2xi32>, %o: memref<1x1x1x2xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %zero = arith.constant 0 : i32
  scf.parallel (%n, %c) = (%c0, %c0) to (%c1, %c2) step (%c1, %c1) {
    memref.store %zero, %o[%n, %c0, %c0, %c] : memref<1x1x1x2xi32>
    scf.reduce
  }
  %t = arith.addi %c1, %c2 : index
  scf.parallel (%c) = (%c0) to (%c2) step (%c1) {
    %init = memref.load %o[%c0, %c0, %c0, %c] : memref<1x1x1x2xi32>
    %r = scf.for %h = %c0 to %c3 step %c1 iter_args(%acc = %init) -> (i32) {
      %r2 = scf.for %w = %c0 to %c3 step %c1 iter_args(%acc2 = %acc) -> (i32) {
        %v = memref.load %x[%c0, %h, %w, %c] : memref<1x3x3x2xi32>
        %s = arith.addi %acc2, %v : i32
        scf.yield %s : i32
      }
      scf.yield %r2 : i32
    }
    memref.store %r, %o[%c0, %c0, %c0, %c] : memref<1x1x1x2xi32>
    scf.reduce
  }
  return
}

// -----

// A reader that stores without loading: the fill is dead.
// CHECK-LABEL: func.func @overwritten
// CHECK-NOT:     memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<4xi32>
// CHECK:         scf.parallel
// CHECK-NEXT:      memref.load %{{.*}} : memref<4xi32>
// CHECK-NEXT:      memref.store
// CHECK-NOT:     scf.parallel
func.func @overwritten(%x: memref<4xi32>, %o: memref<4xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0 : i32
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %zero, %o[%i] : memref<4xi32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %x[%i] : memref<4xi32>
    memref.store %v, %o[%i] : memref<4xi32>
    scf.reduce
  }
  return
}

// -----

// Left alone: the buffer is read between the fill and the reduction.
// CHECK-LABEL: func.func @read_between
// CHECK:         memref.store %{{.*}}, %[[BUF:.*]][%{{.*}}] : memref<4xi32>
// CHECK:         memref.copy %[[BUF]]
// CHECK:         memref.load %[[BUF]]
func.func @read_between(%o: memref<4xi32>, %p: memref<4xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0 : i32
  %buf = memref.alloc() : memref<4xi32>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %zero, %buf[%i] : memref<4xi32>
    scf.reduce
  }
  memref.copy %buf, %p : memref<4xi32> to memref<4xi32>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %a = memref.load %buf[%i] : memref<4xi32>
    %s = arith.addi %a, %a : i32
    memref.store %s, %buf[%i] : memref<4xi32>
    scf.reduce
  }
  memref.copy %buf, %o : memref<4xi32> to memref<4xi32>
  return
}

// -----

// Left alone: the reduction covers only half of the buffer, so the fill
// still sets the other half.
// CHECK-LABEL: func.func @partial
// CHECK:         memref.store %{{.*}}, %[[BUF:.*]][%{{.*}}] : memref<8xi32>
// CHECK:         memref.load %[[BUF]]
func.func @partial(%o: memref<8xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0 : i32
  %buf = memref.alloc() : memref<8xi32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %zero, %buf[%i] : memref<8xi32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %a = memref.load %buf[%i] : memref<8xi32>
    %s = arith.addi %a, %a : i32
    memref.store %s, %buf[%i] : memref<8xi32>
    scf.reduce
  }
  memref.copy %buf, %o : memref<8xi32> to memref<8xi32>
  return
}

// -----

// Left alone: the reduction reads another element than it stores (its
// neighbour's fill value would be lost).
// CHECK-LABEL: func.func @other_element
// CHECK:         memref.store %{{.*}}, %[[BUF:.*]][%{{.*}}] : memref<4xi32>
// CHECK:         memref.load %[[BUF]]
func.func @other_element(%o: memref<4xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0 : i32
  %buf = memref.alloc() : memref<4xi32>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %zero, %buf[%i] : memref<4xi32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %k = arith.subi %c3, %i : index
    %a = memref.load %buf[%k] : memref<4xi32>
    memref.store %a, %buf[%i] : memref<4xi32>
    scf.reduce
  }
  memref.copy %buf, %o : memref<4xi32> to memref<4xi32>
  return
}

// -----

// Left alone: an out-param may alias the other argument, which a loop
// between the fill and the reduction writes.
// CHECK-LABEL: func.func @argument_write_between
// CHECK:         memref.store %{{.*}}, %[[O:.*]][%{{.*}}] : memref<4xi32>
// CHECK:         memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<4xi32>
// CHECK:         memref.load %[[O]]
func.func @argument_write_between(%o: memref<4xi32>, %p: memref<4xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0 : i32
  %one = arith.constant 1 : i32
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %zero, %o[%i] : memref<4xi32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %one, %p[%i] : memref<4xi32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %a = memref.load %o[%i] : memref<4xi32>
    %s = arith.addi %a, %one : i32
    memref.store %s, %o[%i] : memref<4xi32>
    scf.reduce
  }
  return
}

// -----

// Left alone: a view of the buffer taken before the reduction.
// CHECK-LABEL: func.func @view_before
// CHECK:         memref.store %{{.*}}, %[[BUF:.*]][%{{.*}}] : memref<4xi32>
// CHECK:         memref.load %[[BUF]]
func.func @view_before(%o: memref<2x2xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0 : i32
  %buf = memref.alloc() : memref<4xi32>
  %view = memref.expand_shape %buf [[0, 1]] output_shape [2, 2] : memref<4xi32> into memref<2x2xi32>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %zero, %buf[%i] : memref<4xi32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %a = memref.load %buf[%i] : memref<4xi32>
    %s = arith.addi %a, %a : i32
    memref.store %s, %buf[%i] : memref<4xi32>
    scf.reduce
  }
  memref.copy %view, %o : memref<2x2xi32> to memref<2x2xi32>
  return
}
