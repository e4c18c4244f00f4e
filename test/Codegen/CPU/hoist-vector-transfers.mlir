// RUN: qc-opt %s --pass-pipeline='builtin.module(func.func(qc-cpu-hoist-vector-transfers))' | FileCheck %s

// CHECK-LABEL: func.func @accumulate
// CHECK:         %[[INIT:.*]] = vector.transfer_read %[[C:arg[0-9]+]][
// CHECK:         %[[SUM:.*]] = scf.for {{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (vector<16xi32>)
// CHECK:           vector.transfer_read %{{.*}} : memref<64x16xi32>, vector<16xi32>
// CHECK:           arith.addi %[[ACC]]
// CHECK-NOT:       vector.transfer_write
// CHECK:         vector.transfer_write %[[SUM]], %[[C]][
func.func @accumulate(%x: memref<64x16xi32>, %c: memref<16xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0 : i32
  scf.for %i = %c0 to %c64 step %c1 {
    %row = vector.transfer_read %x[%i, %c0], %zero {in_bounds = [true]} : memref<64x16xi32>, vector<16xi32>
    %acc = vector.transfer_read %c[%c0], %zero {in_bounds = [true]} : memref<16xi32>, vector<16xi32>
    %sum = arith.addi %acc, %row : vector<16xi32>
    vector.transfer_write %sum, %c[%c0] {in_bounds = [true]} : vector<16xi32>, memref<16xi32>
  }
  return
}
