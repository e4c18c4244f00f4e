// RUN: qc-opt %s -split-input-file --qc-cpu-contract-to-x86-vnni | FileCheck %s

#lhs = affine_map<(m, n, k) -> (m, k)>
#rhs = affine_map<(m, n, k) -> (k, n)>
#acc = affine_map<(m, n, k) -> (m, n)>

// A 2x8 by 8x16 tile: 2 groups of 4 k per lane, one 16-lane block; each
// group costs one correction dot plus one dot per lhs row.
// CHECK-LABEL: func.func @tile
// CHECK-DAG:     %[[OFFSET:.*]] = arith.constant dense<-128> : vector<64xi8>
// CHECK:         arith.xori %{{.*}} : vector<8xi8>
// CHECK:         vector.shuffle {{.*}} : vector<16xi8>, vector<16xi8>
// CHECK:         %[[PACKED:.*]] = vector.shuffle {{.*}} : vector<32xi8>, vector<32xi8>
// CHECK:         llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.*}}, %[[OFFSET]], %[[PACKED]])
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.*}}, %{{.*}}, %[[PACKED]])
// CHECK-COUNT-3: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK-NOT:     llvm.call_intrinsic
// CHECK-COUNT-2: arith.subi {{.*}} : vector<16xi32>
// CHECK-NOT:     vector.contract
func.func @tile(%a: vector<2x8xi8>, %b: vector<8x16xi8>, %c: vector<2x16xi32>) -> vector<2x16xi32> {
  %r = vector.contract {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "reduction"],
                        kind = #vector.kind<add>} %a, %b, %c : vector<2x8xi8>, vector<8x16xi8> into vector<2x16xi32>
  return %r : vector<2x16xi32>
}

// -----

#lhs = affine_map<(m, n, k) -> (m, k)>
#rhs = affine_map<(m, n, k) -> (k, n)>
#acc = affine_map<(m, n, k) -> (m, n)>

// NOTE: k = 6 is not a multiple of the 4 bytes a lane sums; left alone.
// CHECK-LABEL: func.func @odd_depth
// CHECK:         vector.contract
// CHECK-NOT:     llvm.call_intrinsic
func.func @odd_depth(%a: vector<2x6xi8>, %b: vector<6x16xi8>, %c: vector<2x16xi32>) -> vector<2x16xi32> {
  %r = vector.contract {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "reduction"],
                        kind = #vector.kind<add>} %a, %b, %c : vector<2x6xi8>, vector<6x16xi8> into vector<2x16xi32>
  return %r : vector<2x16xi32>
}

// -----

#lhs = affine_map<(m, n, k) -> (m, k)>
#rhs = affine_map<(m, n, k) -> (k, n)>
#acc = affine_map<(m, n, k) -> (m, n)>

// NOTE: n = 8 does not fill the 16 lanes of a zmm register; left alone.
// CHECK-LABEL: func.func @narrow
// CHECK:         vector.contract
// CHECK-NOT:     llvm.call_intrinsic
func.func @narrow(%a: vector<2x8xi8>, %b: vector<8x8xi8>, %c: vector<2x8xi32>) -> vector<2x8xi32> {
  %r = vector.contract {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "reduction"],
                        kind = #vector.kind<add>} %a, %b, %c : vector<2x8xi8>, vector<8x8xi8> into vector<2x8xi32>
  return %r : vector<2x8xi32>
}

// -----

#lhs = affine_map<(m, n, k) -> (m, k)>
#rhs = affine_map<(m, n, k) -> (n, k)>
#acc = affine_map<(m, n, k) -> (m, n)>

// NOTE: a transposed rhs is another layout; left alone.
// CHECK-LABEL: func.func @transposed
// CHECK:         vector.contract
// CHECK-NOT:     llvm.call_intrinsic
func.func @transposed(%a: vector<2x8xi8>, %b: vector<16x8xi8>, %c: vector<2x16xi32>) -> vector<2x16xi32> {
  %r = vector.contract {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "reduction"],
                        kind = #vector.kind<add>} %a, %b, %c : vector<2x8xi8>, vector<16x8xi8> into vector<2x16xi32>
  return %r : vector<2x16xi32>
}

// -----

#lhs = affine_map<(m, n, k) -> (m, k)>
#rhs = affine_map<(m, n, k) -> (k, n)>
#acc = affine_map<(m, n, k) -> (m, n)>

// NOTE: i16 operands need vpdpwssd, which this pass does not emit.
// CHECK-LABEL: func.func @int16
// CHECK:         vector.contract
// CHECK-NOT:     llvm.call_intrinsic
func.func @int16(%a: vector<2x8xi16>, %b: vector<8x16xi16>, %c: vector<2x16xi32>) -> vector<2x16xi32> {
  %r = vector.contract {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "reduction"],
                        kind = #vector.kind<add>} %a, %b, %c : vector<2x8xi16>, vector<8x16xi16> into vector<2x16xi32>
  return %r : vector<2x16xi32>
}
