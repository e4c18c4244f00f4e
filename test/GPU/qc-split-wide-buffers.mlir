// RUN: qc-opt %s --qc-split-wide-buffers -split-input-file -verify-diagnostics | FileCheck %s
// i64 buffers become i32 word pairs (SPIR-V portable mode): a trailing dim
// of 2, the low word first; loads rebuild the i64, stores split it.

// CHECK: memref.global "private" constant @__constant_3xi64 : memref<3x2xi32> = dense<{{\[}}[1, 0], [-1, -1], [0, 1]]>
// CHECK-LABEL: func.func @rows
// CHECK: %[[SUM:.*]] = memref.alloc() : memref<4x2xi32>
// CHECK: %[[C:.*]] = memref.get_global @__constant_3xi64 : memref<3x2xi32>
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[LO:.*]] = memref.load %[[C]][%{{.*}}, %[[C0]]] : memref<3x2xi32>
// CHECK: %[[L64:.*]] = arith.extui %[[LO]] : i32 to i64
// CHECK: %[[HI:.*]] = memref.load %[[C]][%{{.*}}, %[[C1]]] : memref<3x2xi32>
// CHECK: %[[H64:.*]] = arith.extui %[[HI]] : i32 to i64
// CHECK: %[[SH:.*]] = arith.shli %[[H64]], %{{.*}} : i64
// CHECK: %[[V:.*]] = arith.ori %[[L64]], %[[SH]] : i64
// CHECK: %[[HIGH:.*]] = arith.shrui %[[V]], %{{.*}} : i64
// CHECK: %[[TL:.*]] = arith.trunci %[[V]] : i64 to i32
// CHECK: memref.store %[[TL]], %[[SUM]][%{{.*}}, %{{.*}}] : memref<4x2xi32>
// CHECK: %[[TH:.*]] = arith.trunci %[[HIGH]] : i64 to i32
// CHECK: memref.store %[[TH]], %[[SUM]][%{{.*}}, %{{.*}}] : memref<4x2xi32>
// CHECK: memref.dealloc %[[SUM]] : memref<4x2xi32>
memref.global "private" constant @__constant_3xi64 : memref<3xi64> = dense<[1, -1, 4294967296]>
func.func @rows(%i: index, %j: index) {
  %sum = memref.alloc() : memref<4xi64>
  %c = memref.get_global @__constant_3xi64 : memref<3xi64>
  %v = memref.load %c[%j] : memref<3xi64>
  memref.store %v, %sum[%i] : memref<4xi64>
  memref.dealloc %sum : memref<4xi64>
  return
}

// -----

// A rank-0 buffer seen through a unit view (qc-expand-rank-zero-linalg).
// CHECK-LABEL: func.func @rank_zero
// CHECK: %[[A:.*]] = memref.alloca() : memref<2xi32>
// CHECK: %[[E:.*]] = memref.expand_shape %[[A]] {{\[}}[0, 1]] output_shape [1, 2] : memref<2xi32> into memref<1x2xi32>
// CHECK: memref.store %{{.*}}, %[[E]][%{{.*}}, %{{.*}}] : memref<1x2xi32>
// CHECK: memref.store %{{.*}}, %[[E]][%{{.*}}, %{{.*}}] : memref<1x2xi32>
// CHECK: memref.load %[[A]][%{{.*}}] : memref<2xi32>
// CHECK: memref.load %[[A]][%{{.*}}] : memref<2xi32>
func.func @rank_zero(%i: index, %v: i64) -> i64 {
  %a = memref.alloca() : memref<i64>
  %e = memref.expand_shape %a [] output_shape [1] : memref<i64> into memref<1xi64>
  memref.store %v, %e[%i] : memref<1xi64>
  %r = memref.load %a[] : memref<i64>
  return %r : i64
}

// -----

func.func @copied(%out: memref<4xi64>) {
  %a = memref.alloc() : memref<4xi64>
  // expected-error@+1 {{portable mode stores i64 buffers as pairs of i32 words; 'memref.copy' on an i64 buffer is not supported there}}
  memref.copy %a, %out : memref<4xi64> to memref<4xi64>
  return
}

// -----

func.func @dynamic(%n: index) {
  // expected-error@+1 {{this one needs a static shape and an identity layout}}
  %a = memref.alloc(%n) : memref<?xi64>
  return
}

// -----

// A promoted i64 accumulator: the loop carries two i32 words.
// CHECK-LABEL: func.func @carried
// CHECK: %[[R:.*]]:3 = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[LO:.*]] = %{{.*}}, %[[HI:.*]] = %{{.*}}, %[[N:.*]] = %{{.*}}) -> (i32, i32, i32)
// CHECK: arith.extui %[[LO]] : i32 to i64
// CHECK: arith.extui %[[HI]] : i32 to i64
// CHECK: scf.yield %{{.*}}, %{{.*}}, %{{.*}} : i32, i32, i32
// CHECK: arith.extui %[[R]]#0 : i32 to i64
// CHECK: arith.extui %[[R]]#1 : i32 to i64
func.func @carried(%init: i64, %x: i64, %n: i32) -> (i64, i32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %r:2 = scf.for %k = %c0 to %c8 step %c1 iter_args(%acc = %init, %m = %n) -> (i64, i32) {
    %s = arith.addi %acc, %x : i64
    scf.yield %s, %m : i64, i32
  }
  return %r#0, %r#1 : i64, i32
}
