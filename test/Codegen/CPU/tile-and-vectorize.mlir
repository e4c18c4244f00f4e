// RUN: qc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(qc-cpu-tile-and-vectorize{cache-tile=8,32,64 register-tile=4,16,8 vector-width=8}))' | FileCheck %s
// RUN: not qc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(qc-cpu-tile-and-vectorize{cache-tile=1,2}))' -o /dev/null 2>&1 | FileCheck %s --check-prefix=BADOPTION

// BADOPTION: cache-tile and register-tile take three non-negative sizes

// Cache loops in (n, k, m) order, register loops (m, n, k) with the 4x16
// accumulator carried through the k loop as a vector.
// CHECK-LABEL: func.func @matmul
// CHECK:         scf.for {{.*}} step %c32
// CHECK:           scf.for {{.*}} step %c64
// CHECK:             scf.for {{.*}} step %c8
// CHECK:               scf.for {{.*}} step %c4
// CHECK:                 scf.for {{.*}} step %c16
// CHECK:                   vector.transfer_read {{.*}} : tensor<4x16xi32>, vector<4x16xi32>
// CHECK:                   scf.for {{.*}} step %c8{{.*}} iter_args({{.*}}%[[ACC:[a-z0-9]+]] = %{{[0-9]+}}) -> ({{.*}}vector<4x16xi32>)
// CHECK:                     vector.contract {{.*}} %[[ACC]] : vector<4x8xi8>, vector<8x16xi8> into vector<4x16xi32>
// CHECK-NOT:   linalg.matmul
func.func @matmul(%a: tensor<16x128xi8>, %b: tensor<128x64xi8>, %c: tensor<16x64xi32>) -> tensor<16x64xi32> {
  %r = linalg.matmul ins(%a, %b : tensor<16x128xi8>, tensor<128x64xi8>) outs(%c : tensor<16x64xi32>) -> tensor<16x64xi32>
  return %r : tensor<16x64xi32>
}

// -----

// Register tiles that would leave a remainder are shrunk or grown to a size
// that divides the loop, so no tile is masked: 6 rows (4 does not divide 6;
// rows may grow up to 2*4-2), 4 deep (the largest multiple of 4 up to 8 that
// divides 36); 16 columns divide 48 and stay.
// CHECK-LABEL: func.func @matmul_odd
// CHECK-NOT:     vector.mask
// CHECK:         vector.contract {{.*}} : vector<6x4xi8>, vector<4x16xi8> into vector<6x16xi32>
// CHECK-NOT:     vector.mask
func.func @matmul_odd(%a: tensor<6x36xi8>, %b: tensor<36x48xi8>, %c: tensor<6x48xi32>) -> tensor<6x48xi32> {
  %r = linalg.matmul ins(%a, %b : tensor<6x36xi8>, tensor<36x48xi8>) outs(%c : tensor<6x48xi32>) -> tensor<6x48xi32>
  return %r : tensor<6x48xi32>
}

// -----

// Elementwise ops: one row, vector-width elements; the 20-wide rows end in a
// masked remainder.
// CHECK-LABEL: func.func @add
// CHECK:         scf.for
// CHECK:           scf.for {{.*}} step %c8
// CHECK:             vector.create_mask
// CHECK:             arith.addi {{.*}} : vector<1x8xi32>
func.func @add(%a: tensor<3x20xi32>, %b: tensor<3x20xi32>) -> tensor<3x20xi32> {
  %r = linalg.add ins(%a, %b : tensor<3x20xi32>, tensor<3x20xi32>) outs(%a : tensor<3x20xi32>) -> tensor<3x20xi32>
  return %r : tensor<3x20xi32>
}

// -----

// NOTE: dynamic shapes are left alone; they become scalar loops later.
// CHECK-LABEL: func.func @dynamic
// CHECK:         linalg.add
// CHECK-NOT:     vector.
func.func @dynamic(%a: tensor<?xi32>, %b: tensor<?xi32>) -> tensor<?xi32> {
  %r = linalg.add ins(%a, %b : tensor<?xi32>, tensor<?xi32>) outs(%a : tensor<?xi32>) -> tensor<?xi32>
  return %r : tensor<?xi32>
}

// -----

// A 2-D transpose: square vector-width tiles (one register transpose each),
// not one row of a strided read; 20x12 leaves masked remainder tiles.
// CHECK-LABEL: func.func @transpose
// CHECK:         scf.for {{.*}} step %c8
// CHECK:           scf.for {{.*}} step %c8
// CHECK:             vector.transfer_read {{.*}} : tensor<?x?xi8>, vector<8x8xi8>
// CHECK:             vector.transfer_write {{.*}} : vector<8x8xi8>, tensor<?x?xi8>
func.func @transpose(%a: tensor<20x12xi8>, %init: tensor<12x20xi8>) -> tensor<12x20xi8> {
  %t = linalg.transpose ins(%a : tensor<20x12xi8>) outs(%init : tensor<12x20xi8>) permutation = [1, 0]
  return %t : tensor<12x20xi8>
}
