// RUN: qc-opt %s --pass-pipeline='builtin.module(func.func(qc-cpu-serialize-small-foralls{min-work=1000}))' | FileCheck %s

// 4 tiles x (1 + 64 x 4 ops) is above 1000: stays parallel.
// CHECK-LABEL: func.func @large
// CHECK:         scf.forall (%{{.*}}) in (4)
func.func @large(%x: memref<4x64xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  scf.forall (%i) in (4) {
    scf.for %j = %c0 to %c64 step %c1 {
      %v = memref.load %x[%i, %j] : memref<4x64xi32>
      %w = arith.addi %v, %v : i32
      memref.store %w, %x[%i, %j] : memref<4x64xi32>
    }
  }
  return
}

// 4 tiles x (1 + 8 x 4 ops) is below 1000: sequential loops.
// CHECK-LABEL: func.func @small
// CHECK-NOT:     scf.forall
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK:           scf.for %{{.*}} = %{{.*}} to %{{.*}} step
// CHECK:             memref.load %{{.*}}[%[[I]],
func.func @small(%x: memref<4x8xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.forall (%i) in (4) {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %j] : memref<4x8xi32>
      %w = arith.addi %v, %v : i32
      memref.store %w, %x[%i, %j] : memref<4x8xi32>
    }
  }
  return
}

// One iteration, however large its body: nothing to share.
// CHECK-LABEL: func.func @single
// CHECK-NOT:     scf.forall
// CHECK:         scf.for
func.func @single(%x: memref<1x4096xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4096 = arith.constant 4096 : index
  scf.forall (%i, %k) in (1, 1) {
    scf.for %j = %c0 to %c4096 step %c1 {
      %v = memref.load %x[%i, %j] : memref<1x4096xi32>
      memref.store %v, %x[%k, %j] : memref<1x4096xi32>
    }
  }
  return
}

// A loop of unknown trip count counts its body once: 2 x 3 ops < 1000.
// Dynamic forall bounds are left parallel.
// CHECK-LABEL: func.func @unknown_bounds
// CHECK-NOT:     scf.forall (%{{.*}}) in (2)
// CHECK:         scf.forall (%{{.*}}) in (%{{.*}})
func.func @unknown_bounds(%x: memref<?xi32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.forall (%i) in (2) {
    scf.for %j = %c0 to %n step %c1 {
      %v = memref.load %x[%j] : memref<?xi32>
      memref.store %v, %x[%i] : memref<?xi32>
    }
  }
  %zero = arith.constant 0 : i32
  scf.forall (%i) in (%n) {
    memref.store %zero, %x[%i] : memref<?xi32>
  }
  return
}
