// RUN: qc-opt %s --pass-pipeline='builtin.module(func.func(qc-cpu-lower-vectors))' | FileCheck %s

#lhs = affine_map<(m, n, k) -> (m, k)>
#rhs = affine_map<(m, n, k) -> (k, n)>
#acc = affine_map<(m, n, k) -> (m, n)>

// The contraction becomes one multiply-add of 1-D vectors per (m, k): rows
// of the rhs times a broadcast lhs element; no n-D vector op remains.
// CHECK-LABEL: func.func @contract
// CHECK-NOT:     vector.contract
// CHECK-NOT:     vector.outerproduct
// CHECK-COUNT-4: arith.muli {{.*}} : vector<8xi32>
// CHECK-NOT:     arith.muli
func.func @contract(%a: vector<2x2xi8>, %b: vector<2x8xi8>, %c: vector<2x8xi32>) -> vector<2x8xi32> {
  %r = vector.contract {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "reduction"],
                        kind = #vector.kind<add>} %a, %b, %c : vector<2x2xi8>, vector<2x8xi8> into vector<2x8xi32>
  return %r : vector<2x8xi32>
}

// CHECK-LABEL: func.func @row_sums
// CHECK-NOT:     vector.multi_reduction
// CHECK-COUNT-8: arith.addi {{.*}} : vector<4xi32>
func.func @row_sums(%x: vector<4x8xi32>, %init: vector<4xi32>) -> vector<4xi32> {
  %r = vector.multi_reduction <add>, %x, %init [1] : vector<4x8xi32> to vector<4xi32>
  return %r : vector<4xi32>
}
