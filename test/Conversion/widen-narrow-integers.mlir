// RUN: qc-opt %s --qc-widen-narrow-integers --split-input-file -verify-diagnostics | FileCheck %s

// i4 add wraps at 4 bits: computed in i8, the low 4 bits sign-extended.
// CHECK-LABEL: func.func @add_wraps
//  CHECK-SAME: (%[[A:.*]]: i8, %[[B:.*]]: i8) -> i8
//       CHECK:   %[[S:.*]] = arith.addi %[[A]], %[[B]] : i8
//       CHECK:   %[[C4:.*]] = arith.constant 4 : i8
//       CHECK:   %[[L:.*]] = arith.shli %[[S]], %[[C4]] : i8
//       CHECK:   %[[R:.*]] = arith.shrsi %[[L]], %[[C4]] : i8
//       CHECK:   return %[[R]] : i8
func.func @add_wraps(%a: i4, %b: i4) -> i4 {
  %s = arith.addi %a, %b : i4
  return %s : i4
}

// -----

// Unsigned reads mask the low N bits; signed reads and extsi need nothing.
// CHECK-LABEL: func.func @reads
//  CHECK-SAME: (%[[A:.*]]: i8) -> (i32, i32, i1)
//       CHECK:   %[[S:.*]] = arith.extsi %[[A]] : i8 to i32
//       CHECK:   %[[M:.*]] = arith.constant 15 : i8
//       CHECK:   %[[U:.*]] = arith.andi %[[A]], %[[M]] : i8
//       CHECK:   %[[Z:.*]] = arith.extui %[[U]] : i8 to i32
//       CHECK:   %[[MA:.*]] = arith.andi %[[A]], %{{.*}} : i8
//       CHECK:   %[[MB:.*]] = arith.andi %{{.*}}, %{{.*}} : i8
//       CHECK:   %[[C:.*]] = arith.cmpi ult, %[[MA]], %[[MB]] : i8
//       CHECK:   return %[[S]], %[[Z]], %[[C]]
func.func @reads(%a: i4) -> (i32, i32, i1) {
  %s = arith.extsi %a : i4 to i32
  %z = arith.extui %a : i4 to i32
  %c3 = arith.constant 3 : i4
  %c = arith.cmpi ult, %a, %c3 : i4
  return %s, %z, %c : i32, i32, i1
}

// -----

// trunci to i12 keeps 12 bits, stored sign-extended in i16.
// CHECK-LABEL: func.func @trunc12
//       CHECK:   %[[T:.*]] = arith.trunci %{{.*}} : i32 to i16
//       CHECK:   %[[C4:.*]] = arith.constant 4 : i16
//       CHECK:   %[[L:.*]] = arith.shli %[[T]], %[[C4]] : i16
//       CHECK:   arith.shrsi %[[L]], %[[C4]] : i16
func.func @trunc12(%a: i32) -> i12 {
  %t = arith.trunci %a : i32 to i12
  return %t : i12
}

// -----

// Dense constants are sign-extended and keep their width as a mark (for
// the CPU kernels' 4-bit layout); named linalg ops are generalized and
// their bodies widened; tensor ops change types only.
// CHECK-LABEL: func.func @matmul_i2
//       CHECK:   arith.constant {qc.narrow_width = 2 : i64} dense<{{\[}}[-2, 1], [-1, 0]]> : tensor<2x2xi8>
//       CHECK:   tensor.collapse_shape %[[V:.*]] {{\[}}[0, 1]] : tensor<2x2xi8> into tensor<4xi8>
//       CHECK:   linalg.generic
//       CHECK:   ^bb0(%[[X:.*]]: i8, %[[W:.*]]: i8, %[[ACC:.*]]: i32):
//       CHECK:     arith.extsi %[[W]] : i8 to i32
//   CHECK-NOT: i2
func.func @matmul_i2(%x: tensor<3x2xi8>, %v: tensor<2x2xi2>) -> (tensor<3x2xi32>, tensor<4xi2>) {
  %w = arith.constant dense<[[-2, 1], [-1, 0]]> : tensor<2x2xi2>
  %flat = tensor.collapse_shape %v [[0, 1]] : tensor<2x2xi2> into tensor<4xi2>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<3x2xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<3x2xi32>) -> tensor<3x2xi32>
  %r = linalg.matmul ins(%x, %w : tensor<3x2xi8>, tensor<2x2xi2>)
                     outs(%f : tensor<3x2xi32>) -> tensor<3x2xi32>
  return %r, %flat : tensor<3x2xi32>, tensor<4xi2>
}

// -----

// An op without an N-bit form in a wider type is reported.
func.func @divide(%a: i4, %b: i4) -> i4 {
  // expected-error @+1 {{failed to legalize operation 'arith.divsi'}}
  %q = arith.divsi %a, %b : i4
  return %q : i4
}

// -----

// Region-carrying scf ops change types only: loop-carried values, branch
// results and while-loop arguments are widened like any other value, and the
// narrow wrap is applied inside the bodies, once per iteration.
// CHECK-LABEL: func.func @scf_for
//  CHECK-SAME: (%[[A:.*]]: i8, %[[N:.*]]: index) -> i8
//       CHECK:   %[[R:.*]] = scf.for %{{.*}} iter_args(%[[ACC:.*]] = %[[A]]) -> (i8) {
//       CHECK:     %[[S:.*]] = arith.addi %[[ACC]], %[[A]] : i8
//       CHECK:     %[[L:.*]] = arith.shli %[[S]], %[[C4:.*]] : i8
//       CHECK:     %[[W:.*]] = arith.shrsi %[[L]], %[[C4]] : i8
//       CHECK:     scf.yield %[[W]] : i8
//       CHECK:   return %[[R]] : i8
//   CHECK-NOT: i4
func.func @scf_for(%a: i4, %n: index) -> i4 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %a) -> (i4) {
    %s = arith.addi %acc, %a : i4
    scf.yield %s : i4
  }
  return %r : i4
}

// -----

// CHECK-LABEL: func.func @scf_if
//  CHECK-SAME: (%[[A:.*]]: i8, %[[B:.*]]: i8, %[[P:.*]]: i1) -> i8
//       CHECK:   %[[R:.*]] = scf.if %[[P]] -> (i8) {
//       CHECK:     %[[M:.*]] = arith.muli %[[A]], %[[B]] : i8
//       CHECK:     arith.shli %[[M]]
//       CHECK:     scf.yield %{{.*}} : i8
//       CHECK:   } else {
//       CHECK:     scf.yield %[[B]] : i8
//       CHECK:   return %[[R]] : i8
//   CHECK-NOT: i4
func.func @scf_if(%a: i4, %b: i4, %p: i1) -> i4 {
  %r = scf.if %p -> (i4) {
    %s = arith.muli %a, %b : i4
    scf.yield %s : i4
  } else {
    scf.yield %b : i4
  }
  return %r : i4
}

// -----

// CHECK-LABEL: func.func @scf_while
//       CHECK:   %[[R:.*]] = scf.while (%[[X:.*]] = %{{.*}}) : (i8) -> i8 {
//       CHECK:     %[[C:.*]] = arith.cmpi slt, %[[X]], %{{.*}} : i8
//       CHECK:     scf.condition(%[[C]]) %[[X]] : i8
//       CHECK:   } do {
//       CHECK:   ^bb0(%[[Y:.*]]: i8):
//       CHECK:     arith.addi %[[Y]], %{{.*}} : i8
//       CHECK:     scf.yield %{{.*}} : i8
//       CHECK:   return %[[R]] : i8
//   CHECK-NOT: i4
func.func @scf_while(%a: i4) -> i4 {
  %c3 = arith.constant 3 : i4
  %r = scf.while (%x = %a) : (i4) -> i4 {
    %c = arith.cmpi slt, %x, %c3 : i4
    scf.condition(%c) %x : i4
  } do {
  ^bb0(%y: i4):
    %one = arith.constant 1 : i4
    %z = arith.addi %y, %one : i4
    scf.yield %z : i4
  }
  return %r : i4
}
