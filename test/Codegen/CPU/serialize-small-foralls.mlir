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

// Copies and fills are memory bound: they count 16 per 64-byte cache line
// they read or write. 4 x (64 KiB read + 64 KiB written = 2048 lines) x 16
// = 131072, above 100000: parallel (as one op each, it was 4 x 2).
// RUN: qc-opt %s --pass-pipeline='builtin.module(func.func(qc-cpu-serialize-small-foralls{min-work=100000}))' | FileCheck %s --check-prefix=BYTES
// BYTES-LABEL: func.func @large_copies
// BYTES:         scf.forall (%{{.*}}) in (4)
// BYTES:           memref.copy
func.func @large_copies(%src: memref<4x65536xi8>, %dst: memref<4x65536xi8>) {
  scf.forall (%i) in (4) {
    %s = memref.subview %src[%i, 0] [1, 65536] [1, 1] : memref<4x65536xi8> to memref<65536xi8, strided<[1], offset: ?>>
    %d = memref.subview %dst[%i, 0] [1, 65536] [1, 1] : memref<4x65536xi8> to memref<65536xi8, strided<[1], offset: ?>>
    memref.copy %s, %d : memref<65536xi8, strided<[1], offset: ?>> to memref<65536xi8, strided<[1], offset: ?>>
  }
  return
}

// A linalg op on memrefs counts the lines of its operands: 4 x (1 KiB in +
// 1 KiB out = 32 lines) x 16 = 2048: sequential.
// BYTES-LABEL: func.func @small_offset_pass
// BYTES-NOT:     scf.forall
// BYTES:         scf.for
// BYTES:           linalg.generic
func.func @small_offset_pass(%src: memref<4x1024xi8>, %dst: memref<4x1024xi8>) {
  scf.forall (%i) in (4) {
    %s = memref.subview %src[%i, 0] [1, 1024] [1, 1] : memref<4x1024xi8> to memref<1024xi8, strided<[1], offset: ?>>
    %d = memref.subview %dst[%i, 0] [1, 1024] [1, 1] : memref<4x1024xi8> to memref<1024xi8, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                    iterator_types = ["parallel"]}
        ins(%s : memref<1024xi8, strided<[1], offset: ?>>) outs(%d : memref<1024xi8, strided<[1], offset: ?>>) {
    ^bb0(%in: i8, %out: i8):
      %c = arith.constant -128 : i8
      %x = arith.xori %in, %c : i8
      linalg.yield %x : i8
    }
  }
  return
}
