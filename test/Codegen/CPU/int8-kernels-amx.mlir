// RUN: qc-opt %s --split-input-file --qc-cpu-int8-kernels=amx=true | FileCheck %s

// The AMX kernel (Int8AMX.cpp) on a matmul of signed bytes with constant
// weights and a fused epilogue: 17 rows in tiles of 9 and 8, 50 columns
// in a panel of two 16-column blocks and a rest panel of two (18 columns),
// K = 70: one 64-byte step (16 quads) and a last step of 2 quads.
func.func @matmul_s8(%a: tensor<17x70xi8>) -> tensor<17x50xi8> {
  %b = arith.constant dense<3> : tensor<70x50xi8>
  %init = arith.constant 5 : i32
  %e = tensor.empty() : tensor<17x50xi32>
  %z = linalg.fill ins(%init : i32) outs(%e : tensor<17x50xi32>) -> tensor<17x50xi32>
  %r = linalg.matmul ins(%a, %b : tensor<17x70xi8>, tensor<70x50xi8>) outs(%z : tensor<17x50xi32>) -> tensor<17x50xi32>
  %o = tensor.empty() : tensor<17x50xi8>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%r : tensor<17x50xi32>) outs(%o : tensor<17x50xi8>) {
  ^bb0(%acc: i32, %out: i8):
    %t = arith.trunci %acc : i32 to i8
    linalg.yield %t : i8
  } -> tensor<17x50xi8>
  return %y : tensor<17x50xi8>
}

// CHECK-LABEL: func.func @matmul_s8
// The input as bytes, 2 past the end for the last step's quad (16*70 + 72).
// CHECK-DAG:   %[[C70:.*]] = arith.constant 70 : index
// CHECK-DAG:   %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG:   %[[C32:.*]] = arith.constant 32 : index
// The filter packed at compile time: 4 blocks x 18 quads x 64 bytes.
// CHECK-DAG:   %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<4608xi8>
// CHECK:       %[[X:.*]] = tensor.pad
// CHECK:       } : tensor<1190xi8> to tensor<1192xi8>
// CHECK:       scf.forall (%{{.*}}, %{{.*}}) in (1, 1) shared_outs
// CHECK:         %[[XB:.*]] = bufferization.to_buffer %[[X]] read_only : tensor<1192xi8> to memref<1192xi8, strided<[1], offset: ?>>
// CHECK:         %[[WB:.*]] = bufferization.to_buffer %[[W]] read_only : tensor<4608xi8> to memref<4608xi8, strided<[1], offset: ?>>
// CHECK-COUNT-2: amx.tile_zero : !amx.tile<9x16xi32>
// CHECK:         scf.for {{.*}} -> (!amx.tile<9x16xi32>, !amx.tile<9x16xi32>)
// A: 9 rows of 64 bytes at stride K; B: 16 quads x 64 bytes at stride 64.
// CHECK:           %[[A:.*]] = amx.tile_load %[[XB]][%{{.*}}], %[[C70]] : memref<1192xi8, strided<[1], offset: ?>> into !amx.tile<9x64xi8>
// CHECK:           %[[B0:.*]] = amx.tile_load %[[WB]][%{{.*}}], %[[C64]] : memref<4608xi8, strided<[1], offset: ?>> into !amx.tile<16x64xi8>
// Signed input: no zext (tdpbssd).
// CHECK:           amx.tile_muli %[[A]], %[[B0]], %{{.*}} : !amx.tile<9x64xi8>, !amx.tile<16x64xi8>, !amx.tile<9x16xi32>
// CHECK:           amx.tile_load %[[WB]]
// CHECK:           amx.tile_muli
// CHECK:           scf.yield
// The last step: 2 quads.
// CHECK:         amx.tile_load %[[XB]][%{{.*}}], %[[C70]] : {{.*}} into !amx.tile<9x8xi8>
// CHECK:         amx.tile_load %[[WB]][%{{.*}}], %[[C64]] : {{.*}} into !amx.tile<2x64xi8>
// CHECK:         amx.tile_muli {{.*}} : !amx.tile<9x8xi8>, !amx.tile<2x64xi8>, !amx.tile<9x16xi32>
// CHECK:         amx.tile_muli {{.*}} : !amx.tile<9x8xi8>, !amx.tile<2x64xi8>, !amx.tile<9x16xi32>
// The accumulators through a stack scratch [9][32], back as vectors.
// CHECK:         memref.alloca_scope
// CHECK:           %[[S:.*]] = memref.alloca() : memref<288xi32>
// CHECK:           amx.tile_store %[[S]][%{{.*}}], %{{.*}}, %[[C32]] : memref<288xi32>, !amx.tile<9x16xi32>
// CHECK:           amx.tile_store %[[S]][%{{.*}}], %{{.*}}, %[[C32]] : memref<288xi32>, !amx.tile<9x16xi32>
// CHECK-COUNT-18:  vector.transfer_read %[[S]]
// CHECK:           memref.alloca_scope.return
// The fill value, then the fused epilogue on each vector.
// CHECK:         arith.addi {{.*}} : vector<16xi32>
// CHECK:         arith.trunci {{.*}} : vector<16xi32> to vector<16xi8>
// CHECK:         vector.transfer_write
// CHECK:         tensor.parallel_insert_slice {{.*}} [9, 32] [1, 1]
// Rows 9..16 (8 rows), then the rest panel of 18 columns.
// CHECK:       amx.tile_zero : !amx.tile<8x16xi32>
// CHECK:       tensor.parallel_insert_slice {{.*}} [8, 32] [1, 1]
// CHECK:       tensor.parallel_insert_slice {{.*}} [9, 18] [1, 1]
// CHECK:       tensor.parallel_insert_slice {{.*}} [8, 18] [1, 1]
// CHECK-NOT:   linalg.matmul
// CHECK-NOT:   linalg.generic

// -----

// Unsigned input (u8 x i8, the lowering's generic form), run-time weights:
// tile_muli zero-extends A (tdpbusd); no +128 offset, no correction. K = 64:
// one full step, no last step, no padding.
func.func @matmul_u8_runtime_weights(%a: tensor<32x64xi8>, %b: tensor<64x16xi8>) -> tensor<32x16xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<32x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<32x16xi32>) -> tensor<32x16xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<32x64xi8>, tensor<64x16xi8>) outs(%z : tensor<32x16xi32>) {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %xe = arith.extui %x : i8 to i32
    %we = arith.extsi %w : i8 to i32
    %p = arith.muli %xe, %we : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  } -> tensor<32x16xi32>
  return %r : tensor<32x16xi32>
}

// CHECK-LABEL: func.func @matmul_u8_runtime_weights
// CHECK-NOT:   tensor.pad
// CHECK-NOT:   arith.xori
// CHECK:       scf.forall (%{{.*}}, %{{.*}}) in (1, 2) shared_outs
// CHECK:         amx.tile_zero : !amx.tile<16x16xi32>
// CHECK:         amx.tile_load {{.*}} into !amx.tile<16x64xi8>
// CHECK:         amx.tile_load {{.*}} into !amx.tile<16x64xi8>
// CHECK:         amx.tile_muli %{{.*}} zext, %{{.*}}, %{{.*}} : !amx.tile<16x64xi8>, !amx.tile<16x64xi8>, !amx.tile<16x16xi32>
// CHECK-NOT:     amx.tile_muli
// CHECK:         amx.tile_store {{.*}} : memref<256xi32>, !amx.tile<16x16xi32>
// CHECK-NOT:   linalg.generic

// -----

// A 1x1 convolution without stride or padding is a GEMM: AMX.
func.func @conv_1x1(%x: tensor<1x4x5x20xi8>) -> tensor<1x4x5x16xi32> {
  %w = arith.constant dense<1> : tensor<1x1x20x16xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x5x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<1x4x5x16xi32>) -> tensor<1x4x5x16xi32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x4x5x20xi8>, tensor<1x1x20x16xi8>) outs(%z : tensor<1x4x5x16xi32>) -> tensor<1x4x5x16xi32>
  return %r : tensor<1x4x5x16xi32>
}

// CHECK-LABEL: func.func @conv_1x1
// CHECK:       amx.tile_load {{.*}} into !amx.tile<10x20xi8>
// CHECK:       amx.tile_load {{.*}} into !amx.tile<5x64xi8>
// CHECK:       amx.tile_muli {{.*}} : !amx.tile<10x20xi8>, !amx.tile<5x64xi8>, !amx.tile<10x16xi32>
// CHECK:       tensor.expand_shape
// CHECK-NOT:   linalg.conv_2d_nhwc_hwcf

// -----

// Other convolutions (here 3x3; also strided or padded 1x1, depthwise, and
// 4-bit weights) keep the VNNI-form register-tile kernel.
func.func @conv_3x3(%x: tensor<1x6x6x4xi8>) -> tensor<1x4x4x16xi32> {
  %w = arith.constant dense<1> : tensor<3x3x4x16xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x4x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<1x4x4x16xi32>) -> tensor<1x4x4x16xi32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x6x6x4xi8>, tensor<3x3x4x16xi8>) outs(%z : tensor<1x4x4x16xi32>) -> tensor<1x4x4x16xi32>
  return %r : tensor<1x4x4x16xi32>
}

// CHECK-LABEL: func.func @conv_3x3
// CHECK-NOT:   amx.
// CHECK:       vector.multi_reduction <add>
// CHECK-NOT:   amx.
// CHECK:       return
