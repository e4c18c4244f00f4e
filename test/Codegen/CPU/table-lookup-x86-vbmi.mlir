// RUN: qc-opt %s -split-input-file --qc-cpu-table-lookup-x86-vbmi | FileCheck %s
// The gather qc.table's lowering vectorizes to (16 lanes of a 256-byte
// constant table) becomes two vpermi2b lookups and a select on the index's
// top bit; masked-off lanes keep the pass-through.

memref.global "private" constant @table : memref<256xi8> = dense<7> {alignment = 64 : i64}

// CHECK-LABEL: func.func @gather
// CHECK-DAG:     %[[OFF:.*]] = arith.constant dense<-128> : vector<16xi8>
// CHECK:         %[[FLAT:.*]] = vector.shape_cast %{{.*}} : vector<1x16xi8> to vector<16xi8>
// CHECK:         %[[I16:.*]] = arith.subi %[[FLAT]], %[[OFF]] : vector<16xi8>
// CHECK:         %[[IDX:.*]] = vector.shuffle %[[I16]], %[[I16]]
// CHECK:         %[[LO:.*]] = llvm.call_intrinsic "llvm.x86.avx512.vpermi2var.qi.512"(%{{.*}}, %[[IDX]], %{{.*}})
// CHECK:         %[[HI:.*]] = llvm.call_intrinsic "llvm.x86.avx512.vpermi2var.qi.512"(%{{.*}}, %[[IDX]], %{{.*}})
// CHECK:         %[[TOP:.*]] = arith.cmpi slt, %[[IDX]]
// CHECK:         %[[SEL:.*]] = arith.select %[[TOP]], %[[HI]], %[[LO]] : vector<64xi1>, vector<64xi8>
// CHECK:         %[[PART:.*]] = vector.extract_strided_slice %[[SEL]] {offsets = [0], sizes = [16], strides = [1]}
// CHECK:         %[[R:.*]] = vector.shape_cast %[[PART]] : vector<16xi8> to vector<1x16xi8>
// CHECK:         arith.select %{{.*}}, %[[R]], %{{.*}} : vector<1x16xi1>, vector<1x16xi8>
// CHECK-NOT:     vector.gather
func.func @gather(%codes: vector<1x16xi8>, %mask: vector<1x16xi1>, %pass: vector<1x16xi8>) -> vector<1x16xi8> {
  %t = memref.get_global @table : memref<256xi8>
  %c0 = arith.constant 0 : index
  %off = arith.constant dense<-128> : vector<1x16xi32>
  %w = arith.extsi %codes : vector<1x16xi8> to vector<1x16xi32>
  %i = arith.subi %w, %off : vector<1x16xi32>
  %ix = arith.index_cast %i : vector<1x16xi32> to vector<1x16xindex>
  %g = vector.gather %t[%c0] [%ix], %mask, %pass : memref<256xi8>, vector<1x16xindex>, vector<1x16xi1>, vector<1x16xi8> into vector<1x16xi8>
  return %g : vector<1x16xi8>
}

// -----

memref.global "private" constant @table : memref<256xi8> = dense<7> {alignment = 64 : i64}

// NOTE: indices that do not start at the storage minimum (here -100) could
// leave the table for some codes: the gather stays.
// CHECK-LABEL: func.func @wrong_offset
// CHECK:         vector.gather
// CHECK-NOT:     llvm.call_intrinsic
func.func @wrong_offset(%codes: vector<16xi8>, %mask: vector<16xi1>, %pass: vector<16xi8>) -> vector<16xi8> {
  %t = memref.get_global @table : memref<256xi8>
  %c0 = arith.constant 0 : index
  %off = arith.constant dense<-100> : vector<16xi32>
  %w = arith.extsi %codes : vector<16xi8> to vector<16xi32>
  %i = arith.subi %w, %off : vector<16xi32>
  %ix = arith.index_cast %i : vector<16xi32> to vector<16xindex>
  %g = vector.gather %t[%c0] [%ix], %mask, %pass : memref<256xi8>, vector<16xindex>, vector<16xi1>, vector<16xi8> into vector<16xi8>
  return %g : vector<16xi8>
}

// -----

memref.global "private" @table : memref<256xi8> = dense<7> {alignment = 64 : i64}

// NOTE: a table that is not a constant global may change: the gather stays.
// CHECK-LABEL: func.func @mutable_table
// CHECK:         vector.gather
// CHECK-NOT:     llvm.call_intrinsic
func.func @mutable_table(%codes: vector<16xi8>, %mask: vector<16xi1>, %pass: vector<16xi8>) -> vector<16xi8> {
  %t = memref.get_global @table : memref<256xi8>
  %c0 = arith.constant 0 : index
  %w = arith.extui %codes : vector<16xi8> to vector<16xi32>
  %ix = arith.index_cast %w : vector<16xi32> to vector<16xindex>
  %g = vector.gather %t[%c0] [%ix], %mask, %pass : memref<256xi8>, vector<16xindex>, vector<16xi1>, vector<16xi8> into vector<16xi8>
  return %g : vector<16xi8>
}
