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

// -----

// The dot product of qc-cpu-int8-kernels: four u8 x s8 products per lane,
// summed into the accumulator, is one vpdpbusd.
// CHECK-LABEL: func.func @dot
// CHECK-SAME:    (%[[A:.*]]: vector<64xi8>, %[[W:.*]]: vector<64xi8>, %[[ACC:.*]]: vector<16xi32>)
// CHECK:         %[[R:.*]] = llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%[[ACC]], %[[A]], %[[W]])
// CHECK:         return %[[R]]
func.func @dot(%a: vector<64xi8>, %w: vector<64xi8>, %acc: vector<16xi32>) -> vector<16xi32> {
  %ae = arith.extui %a : vector<64xi8> to vector<64xi32>
  %we = arith.extsi %w : vector<64xi8> to vector<64xi32>
  %p = arith.muli %ae, %we : vector<64xi32>
  %g = vector.shape_cast %p : vector<64xi32> to vector<16x4xi32>
  %r = vector.multi_reduction <add>, %g, %acc [1] : vector<16x4xi32> to vector<16xi32>
  return %r : vector<16xi32>
}

// -----

// A constant unsigned side (the 0x80 bytes of the offset correction, folded
// after their extui) becomes a byte constant again.
// CHECK-LABEL: func.func @dot_constant_bytes
// CHECK:         %[[BYTES:.*]] = arith.constant dense<-128> : vector<64xi8>
// CHECK:         llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.*}}, %[[BYTES]], %{{.*}})
func.func @dot_constant_bytes(%w: vector<64xi8>, %acc: vector<16xi32>) -> vector<16xi32> {
  %c = arith.constant dense<128> : vector<64xi32>
  %we = arith.extsi %w : vector<64xi8> to vector<64xi32>
  %p = arith.muli %c, %we : vector<64xi32>
  %g = vector.shape_cast %p : vector<64xi32> to vector<16x4xi32>
  %r = vector.multi_reduction <add>, %g, %acc [1] : vector<16x4xi32> to vector<16xi32>
  return %r : vector<16xi32>
}

// -----

// The sums of four unsigned bytes per lane (a dot with weights of 1, whose
// multiplication the canonicalizer folded away: the row sums of u8 weights
// read offset by 128) are one vpdpbusd with bytes of 1.
// CHECK-LABEL: func.func @byte_sums
// CHECK-SAME:    (%[[A:.*]]: vector<64xi8>, %[[ACC:.*]]: vector<16xi32>)
// CHECK:         %[[ONES:.*]] = arith.constant dense<1> : vector<64xi8>
// CHECK:         %[[R:.*]] = llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%[[ACC]], %[[A]], %[[ONES]])
// CHECK:         return %[[R]]
func.func @byte_sums(%a: vector<64xi8>, %acc: vector<16xi32>) -> vector<16xi32> {
  %ae = arith.extui %a : vector<64xi8> to vector<64xi32>
  %g = vector.shape_cast %ae : vector<64xi32> to vector<16x4xi32>
  %r = vector.multi_reduction <add>, %g, %acc [1] : vector<16x4xi32> to vector<16xi32>
  return %r : vector<16xi32>
}

// -----

// NOTE: sums of signed bytes are not what vpdpbusd computes with bytes of 1.
// CHECK-LABEL: func.func @signed_byte_sums
// CHECK-NOT:     llvm.call_intrinsic
// CHECK:         vector.multi_reduction
func.func @signed_byte_sums(%a: vector<64xi8>, %acc: vector<16xi32>) -> vector<16xi32> {
  %ae = arith.extsi %a : vector<64xi8> to vector<64xi32>
  %g = vector.shape_cast %ae : vector<64xi32> to vector<16x4xi32>
  %r = vector.multi_reduction <add>, %g, %acc [1] : vector<16x4xi32> to vector<16xi32>
  return %r : vector<16xi32>
}

// -----

// NOTE: signed bytes on both sides are not what vpdpbusd computes.
// CHECK-LABEL: func.func @dot_signed_signed
// CHECK-NOT:     llvm.call_intrinsic
// CHECK:         vector.multi_reduction
func.func @dot_signed_signed(%a: vector<64xi8>, %w: vector<64xi8>, %acc: vector<16xi32>) -> vector<16xi32> {
  %ae = arith.extsi %a : vector<64xi8> to vector<64xi32>
  %we = arith.extsi %w : vector<64xi8> to vector<64xi32>
  %p = arith.muli %ae, %we : vector<64xi32>
  %g = vector.shape_cast %p : vector<64xi32> to vector<16x4xi32>
  %r = vector.multi_reduction <add>, %g, %acc [1] : vector<16x4xi32> to vector<16xi32>
  return %r : vector<16xi32>
}
