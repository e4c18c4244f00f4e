// RUN: qc-opt %s --qc-cpu-contract-to-x86-vnni | FileCheck %s

// The 16-bit kernels' pair dot product (Int16Kernels.cpp) is one vpdpwssd;
// other shapes and extensions are left alone.

// CHECK-LABEL: func.func @pair_dot
// CHECK:         %[[R:.*]] = llvm.call_intrinsic "llvm.x86.avx512.vpdpwssd.512"(%arg0, %arg1, %arg2) : (vector<16xi32>, vector<32xi16>, vector<32xi16>) -> vector<16xi32>
// CHECK-NEXT:    return %[[R]]
func.func @pair_dot(%acc: vector<16xi32>, %a: vector<32xi16>, %w: vector<32xi16>) -> vector<16xi32> {
  %ae = arith.extsi %a : vector<32xi16> to vector<32xi32>
  %we = arith.extsi %w : vector<32xi16> to vector<32xi32>
  %p = arith.muli %ae, %we : vector<32xi32>
  %g = vector.shape_cast %p : vector<32xi32> to vector<16x2xi32>
  %r = vector.multi_reduction <add>, %g, %acc [1] : vector<16x2xi32> to vector<16xi32>
  return %r : vector<16xi32>
}

// Zero-extended words are not vpdpwssd's signed operands.
// CHECK-LABEL: func.func @unsigned_words
// CHECK-NOT:     llvm.call_intrinsic
// CHECK:         vector.multi_reduction
func.func @unsigned_words(%acc: vector<16xi32>, %a: vector<32xi16>, %w: vector<32xi16>) -> vector<16xi32> {
  %ae = arith.extui %a : vector<32xi16> to vector<32xi32>
  %we = arith.extsi %w : vector<32xi16> to vector<32xi32>
  %p = arith.muli %ae, %we : vector<32xi32>
  %g = vector.shape_cast %p : vector<32xi32> to vector<16x2xi32>
  %r = vector.multi_reduction <add>, %g, %acc [1] : vector<16x2xi32> to vector<16xi32>
  return %r : vector<16xi32>
}
