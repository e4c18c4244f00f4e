// RUN: qc-opt %s --split-input-file --qc-cpu-int8-kernels | FileCheck %s
// RUN: not qc-opt %s --split-input-file --qc-cpu-int8-kernels=tile-rows=0 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: qc-cpu-int8-kernels: tile-rows and tile-vectors must be positive

// Run-time weights, signed input: packed by a loop, 128 * sum(w) taken off
// in the kernel.
func.func @matmul_runtime_weights(%a: tensor<20x36xi8>, %b: tensor<36x40xi8>) -> tensor<20x40xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<20x40xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<20x40xi32>) -> tensor<20x40xi32>
  %r = linalg.matmul ins(%a, %b : tensor<20x36xi8>, tensor<36x40xi8>) outs(%z : tensor<20x40xi32>) -> tensor<20x40xi32>
  return %r : tensor<20x40xi32>
}

// CHECK-LABEL: func.func @matmul_runtime_weights
// The pack, lowered: per 16-channel panel (in parallel), four 16-byte rows
// interleaved into one 64-byte vector.
// CHECK:       scf.forall (%{{.*}}) in (3) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<1728xi8>)
// CHECK:         tensor.extract_slice {{.*}} [576] [1] : tensor<1728xi8> to tensor<576xi8>
// CHECK-COUNT-3:   vector.shuffle
// CHECK:           vector.transfer_write {{.*}} : vector<64xi8>, tensor<576xi8>
// CHECK:         tensor.parallel_insert_slice {{.*}} [576] [1] : tensor<576xi8> into tensor<1728xi8>
// The signed input, offset to u8 once.
// CHECK:       linalg.generic
// CHECK:         arith.xori
// 7-row tiles (20 rows: 7, 7, 6) of three 16-channel vectors.
// CHECK:       scf.forall (%{{.*}}, %{{.*}}) in (1, 2)
// CHECK:         vector.transfer_read {{.*}} : tensor<1728xi8>, vector<64xi8>
// CHECK:         vector.transfer_read {{.*}} : tensor<720xi8>, vector<4xi8>
// CHECK:         vector.broadcast {{.*}} : i32 to vector<16xi32>
// CHECK:         arith.extui {{.*}} : vector<64xi8> to vector<64xi32>
// CHECK:         arith.extsi {{.*}} : vector<64xi8> to vector<64xi32>
// CHECK:         vector.multi_reduction <add>, {{.*}} [1] : vector<16x4xi32> to vector<16xi32>
// 128 * sum(w), accumulated next to the tile, comes off at the end.
// CHECK:         arith.subi {{.*}} : vector<16xi32>
// CHECK:         tensor.parallel_insert_slice {{.*}} [7, 40] [1, 1]
// CHECK:       scf.forall (%{{.*}}, %{{.*}}) in (1, 1)
// CHECK:         tensor.parallel_insert_slice {{.*}} [6, 40] [1, 1]
// CHECK-NOT:   linalg.matmul

// -----

// Constant weights: packed at compile time; the offset of the signed input
// is part of the accumulator's start, and the requantizing consumer runs on
// the accumulators.
func.func @matmul_const_weights_epilogue(%a: tensor<3x8xi8>) -> tensor<3x17xi8> {
  %b = arith.constant dense<1> : tensor<8x17xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<3x17xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<3x17xi32>) -> tensor<3x17xi32>
  %r = linalg.matmul ins(%a, %b : tensor<3x8xi8>, tensor<8x17xi8>) outs(%z : tensor<3x17xi32>) -> tensor<3x17xi32>
  %bias = arith.constant dense<[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]> : tensor<17xi32>
  %o = tensor.empty() : tensor<3x17xi8>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%r, %bias : tensor<3x17xi32>, tensor<17xi32>) outs(%o : tensor<3x17xi8>) {
  ^bb0(%acc: i32, %c: i32, %out: i8):
    %s = arith.addi %acc, %c : i32
    %lo = arith.constant -128 : i32
    %hi = arith.constant 127 : i32
    %t0 = arith.maxsi %s, %lo : i32
    %t1 = arith.minsi %t0, %hi : i32
    %t = arith.trunci %t1 : i32 to i8
    linalg.yield %t : i8
  } -> tensor<3x17xi8>
  return %y : tensor<3x17xi8>
}

// CHECK-LABEL: func.func @matmul_const_weights_epilogue
// CHECK-DAG:   arith.constant dense<"0x0101{{.*}}"> : tensor<256xi8>
// CHECK-DAG:   arith.constant dense<[-1024, {{.*}}, -1024, 0, {{.*}}, 0]> : tensor<32xi32>
// CHECK-NOT:   linalg.pack
// CHECK:       scf.forall
// CHECK:         %[[SUMS:.*]]:6 = scf.for
// CHECK:           scf.for
// CHECK:             vector.multi_reduction
// The consumer's body on the accumulators, once per accumulator column in a
// loop over the tile's 3 rows that rotates that column's accumulators (rows
// 0, 1, 2 of column 0: results #0, #2, #4); the last vector is partial.
// CHECK:         %[[COL0:.*]]:4 = scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[T:.*]] = %{{.*}}, %[[A0:.*]] = %[[SUMS]]#0, %[[A1:.*]] = %[[SUMS]]#2, %[[A2:.*]] = %[[SUMS]]#4)
// CHECK:           arith.addi %[[A0]], {{.*}} : vector<16xi32>
// CHECK:           arith.maxsi {{.*}} : vector<16xi32>
// CHECK:           %[[V:.*]] = arith.trunci {{.*}} : vector<16xi32> to vector<16xi8>
// CHECK:           %[[W:.*]] = vector.transfer_write %[[V]], %[[T]][%[[I]], %{{.*}}] {in_bounds = [true]} : vector<16xi8>, tensor<3x17xi8>
// CHECK:           scf.yield %[[W]], %[[A1]], %[[A2]], %[[A0]]
// LLVM is asked not to unroll it (it would copy the body once per row;
// the alias is #llvm.loop_annotation<unroll = <disable = true>>, see
// Tools/qc-translate/loop-annotations.mlir for the LLVM IR).
// CHECK:         } {llvm.loop_annotation = #loop_annotation}
// CHECK:         scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[COL0]]#0, %{{.*}} = %[[SUMS]]#1, %{{.*}} = %[[SUMS]]#3, %{{.*}} = %[[SUMS]]#5)
// CHECK:           vector.transfer_write {{.*}}[%{{.*}}, %{{.*}}] : vector<16xi8>, tensor<3x17xi8>
// CHECK-NOT:     arith.trunci
// CHECK:         tensor.parallel_insert_slice {{.*}} [3, 17] [1, 1] : tensor<3x17xi8> into tensor<3x17xi8>
// CHECK-NOT:   linalg.matmul
// CHECK:       return

// -----

// u8 weights (a u8 x u8 product): read as w - 128 (xori 0x80 before the
// run-time pack); each row's input sum, one more dot per row with bytes of
// 1, adds 128 * sum(x) at the end.
func.func @unsigned_weights(%a: tensor<32x16xi8>, %b: tensor<16x16xi8>) -> tensor<32x16xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<32x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<32x16xi32>) -> tensor<32x16xi32>
  %r = linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%a, %b : tensor<32x16xi8>, tensor<16x16xi8>) outs(%z : tensor<32x16xi32>) -> tensor<32x16xi32>
  return %r : tensor<32x16xi32>
}

// CHECK-LABEL: func.func @unsigned_weights
// CHECK:       %[[SEVEN:.*]] = arith.constant dense<7> : vector<16xi32>
// CHECK:       linalg.generic
// CHECK:         arith.xori %{{.*}}, %c-128_i8 : i8
// CHECK:       scf.forall (%{{.*}}) in (1) shared_outs(%{{.*}}) -> (tensor<256xi8>)
// CHECK:       scf.forall (%{{.*}}, %{{.*}}) in (1, 4)
// CHECK:         vector.transfer_read {{.*}} : tensor<256xi8>, vector<64xi8>
// CHECK:         %[[A:.*]] = vector.bitcast %{{.*}} : vector<16xi32> to vector<64xi8>
// CHECK:         %[[AE:.*]] = arith.extui %[[A]] : vector<64xi8> to vector<64xi32>
// CHECK:         arith.muli %[[AE]], %{{.*}} : vector<64xi32>
// The dot with bytes of 1, its multiplication folded: a sum of the bytes.
// CHECK:         %[[SUMS:.*]] = arith.extui %[[A]] : vector<64xi8> to vector<64xi32>
// CHECK:         vector.shape_cast %[[SUMS]] : vector<64xi32> to vector<16x4xi32>
// CHECK:         arith.shli %{{.*}}, %[[SEVEN]] : vector<16xi32>
// CHECK:         arith.addi %{{.*}} : vector<16xi32>
// CHECK-NOT:   linalg.matmul

// -----

// NOTE: packing run-time weights does not pay off for a few rows.
func.func @few_rows_runtime_weights(%a: tensor<3x16xi8>, %b: tensor<16x16xi8>) -> tensor<3x16xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<3x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<3x16xi32>) -> tensor<3x16xi32>
  %r = linalg.matmul ins(%a, %b : tensor<3x16xi8>, tensor<16x16xi8>) outs(%z : tensor<3x16xi32>) -> tensor<3x16xi32>
  return %r : tensor<3x16xi32>
}

// CHECK-LABEL: func.func @few_rows_runtime_weights
// CHECK-NOT:   scf.forall
// CHECK:       linalg.matmul

// -----

// A 3x3 convolution reads each filter row's 3 taps x 4 channels as one run
// of 12 input bytes: three segments of three quads.
func.func @conv_3x3(%x: tensor<1x6x6x4xi8>) -> tensor<1x4x4x16xi32> {
  %w = arith.constant dense<2> : tensor<3x3x4x16xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x4x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<1x4x4x16xi32>) -> tensor<1x4x4x16xi32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x6x6x4xi8>, tensor<3x3x4x16xi8>) outs(%z : tensor<1x4x4x16xi32>) -> tensor<1x4x4x16xi32>
  return %r : tensor<1x4x4x16xi32>
}

// CHECK-LABEL: func.func @conv_3x3
// CHECK-DAG:   arith.constant dense<2> : tensor<576xi8>
// CHECK-DAG:   arith.constant dense<-9216> : tensor<16xi32>
// CHECK-DAG:   %[[C3:.*]] = arith.constant 3 : index
// CHECK:       scf.forall
// CHECK:         scf.for %{{.*}} = %{{.*}} to %[[C3]] step
// CHECK:           scf.for %{{.*}} = %{{.*}} to %[[C3]] step
// CHECK:             vector.multi_reduction
// CHECK:       tensor.expand_shape {{.*}} : tensor<16x16xi32> into tensor<1x4x4x16xi32>
// CHECK-NOT:   linalg.conv_2d_nhwc_hwcf

// -----

// Depthwise: 16 channels per vector, widening multiply-adds over the taps.
func.func @depthwise(%x: tensor<1x5x5x16xi8>, %w: tensor<3x3x16x1xi8>) -> tensor<1x3x3x16x1xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x3x3x16x1xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<1x3x3x16x1xi32>) -> tensor<1x3x3x16x1xi32>
  %r = linalg.depthwise_conv_2d_nhwc_hwcm {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x5x5x16xi8>, tensor<3x3x16x1xi8>) outs(%z : tensor<1x3x3x16x1xi32>) -> tensor<1x3x3x16x1xi32>
  return %r : tensor<1x3x3x16x1xi32>
}

// CHECK-LABEL: func.func @depthwise
// CHECK-DAG:   %[[C9:.*]] = arith.constant 9 : index
// CHECK:       scf.forall
// CHECK:         scf.for %{{.*}} = %{{.*}} to %[[C9]] step
// CHECK:           arith.extsi {{.*}} : vector<16xi8> to vector<16xi32>
// CHECK:           arith.muli {{.*}} : vector<16xi32>
// CHECK:           arith.addi {{.*}} : vector<16xi32>
// CHECK:       tensor.expand_shape {{.*}} : tensor<9x16xi32> into tensor<1x3x3x16x1xi32>
// CHECK-NOT:   linalg.depthwise_conv_2d_nhwc_hwcm

// -----

// A dynamic batch: one static convolution per sample (a loop over the
// batch, the accumulator a fill of the slice), which becomes the kernel.
func.func @conv_dynamic_batch(%x: tensor<?x6x6x4xi8>) -> tensor<?x4x4x16xi32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x6x6x4xi8>
  %w = arith.constant dense<1> : tensor<3x3x4x16xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty(%n) : tensor<?x4x4x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<?x4x4x16xi32>) -> tensor<?x4x4x16xi32>
  %r = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<?x6x6x4xi8>, tensor<3x3x4x16xi8>) outs(%z : tensor<?x4x4x16xi32>) -> tensor<?x4x4x16xi32>
  return %r : tensor<?x4x4x16xi32>
}

// CHECK-LABEL: func.func @conv_dynamic_batch
// CHECK:       scf.for
// CHECK:         tensor.extract_slice {{.*}} [1, 6, 6, 4] [1, 1, 1, 1] : tensor<?x6x6x4xi8> to tensor<1x6x6x4xi8>
// CHECK:         scf.forall
// CHECK:         tensor.insert_slice {{.*}} : tensor<1x4x4x16xi32> into tensor<?x4x4x16xi32>
// CHECK-NOT:   linalg.conv_2d_nhwc_hwcf

// -----

// A dynamic batch whose samples have few rows (2x2 outputs, under the rows
// worth packing weights at run time): the per-sample convolution reads the
// constant weights themselves, not a full slice of them, so their packing
// folds at compile time and the sample still gets the kernel.
func.func @conv_dynamic_batch_few_rows(%x: tensor<?x4x4x4xi8>) -> tensor<?x2x2x16xi32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4x4x4xi8>
  %w = arith.constant dense<1> : tensor<3x3x4x16xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty(%n) : tensor<?x2x2x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<?x2x2x16xi32>) -> tensor<?x2x2x16xi32>
  %r = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<?x4x4x4xi8>, tensor<3x3x4x16xi8>) outs(%z : tensor<?x2x2x16xi32>) -> tensor<?x2x2x16xi32>
  return %r : tensor<?x2x2x16xi32>
}

// CHECK-LABEL: func.func @conv_dynamic_batch_few_rows
// CHECK-NOT:   tensor.extract_slice {{.*}} : tensor<3x3x4x16xi8> to tensor<3x3x4x16xi8>
// CHECK:       scf.for
// CHECK:         scf.forall
// CHECK:         tensor.insert_slice {{.*}} : tensor<1x2x2x16xi32> into tensor<?x2x2x16xi32>
// CHECK-NOT:   linalg.conv_2d_nhwc_hwcf

// -----

// A constant weight of i4 codes (widened by qc-widen-narrow-integers, which
// marks it): stored two codes per byte, each nibble the code + 8 (weight 0
// is 8), 9 reduction steps as two 64-byte vectors (quads 0 and 1 in the
// low and high nibbles, then quad 2 and zero weights), unpacked in
// registers by a mask and a logical shift, then - 8.
func.func @matmul_i4_weights(%a: tensor<2x9xi8>) -> tensor<2x16xi32> {
  %b = arith.constant {qc.narrow_width = 4 : i64} dense<-1> : tensor<9x16xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<2x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<2x16xi32>) -> tensor<2x16xi32>
  %r = linalg.matmul ins(%a, %b : tensor<2x9xi8>, tensor<9x16xi8>) outs(%z : tensor<2x16xi32>) -> tensor<2x16xi32>
  return %r : tensor<2x16xi32>
}

// CHECK-LABEL: func.func @matmul_i4_weights
// CHECK-DAG:   %[[W:.*]] = arith.constant dense<"0x77777777{{(77)*}}8788888887888888{{(87888888)*}}"> : tensor<128xi8>
// CHECK-DAG:   arith.constant dense<1152> : tensor<16xi32>
// CHECK-DAG:   %[[MASK:.*]] = arith.constant dense<15> : vector<64xi8>
// CHECK-DAG:   %[[FOUR:.*]] = arith.constant dense<4> : vector<64xi8>
// CHECK-DAG:   %[[EIGHT:.*]] = arith.constant dense<8> : vector<64xi8>
// CHECK-DAG:   %[[C2:.*]] = arith.constant 2 : index
// CHECK:       scf.forall
// CHECK:         scf.for %{{.*}} = %{{.*}} to %[[C2]] step
// CHECK:           %[[PACKED:.*]] = vector.transfer_read %[[W]]
// CHECK:           %[[LOWN:.*]] = arith.andi %[[PACKED]], %[[MASK]] : vector<64xi8>
// CHECK:           %[[HIGHN:.*]] = arith.shrui %[[PACKED]], %[[FOUR]] : vector<64xi8>
// CHECK:           %[[LOW:.*]] = arith.subi %[[LOWN]], %[[EIGHT]] : vector<64xi8>
// CHECK:           %[[HIGH:.*]] = arith.subi %[[HIGHN]], %[[EIGHT]] : vector<64xi8>
// CHECK:           arith.extsi %[[LOW]] : vector<64xi8> to vector<64xi32>
// CHECK:           vector.multi_reduction
// CHECK:           arith.extsi %[[HIGH]] : vector<64xi8> to vector<64xi32>
// CHECK:           vector.multi_reduction
// CHECK-NOT:   linalg.matmul

// -----

// u4 codes (9, stored sign-extended as -7 and read as `w & 15` by the
// widened body) are packed as nibbles too (the codes themselves), unpacked
// by the mask and the shift alone; the signed input's offset uses the
// codes' values (-128 * 9 * 8).
func.func @matmul_u4_weights(%a: tensor<2x8xi8>) -> tensor<2x16xi32> {
  %b = arith.constant {qc.narrow_width = 4 : i64} dense<-7> : tensor<8x16xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<2x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<2x16xi32>) -> tensor<2x16xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<2x8xi8>, tensor<8x16xi8>) outs(%z : tensor<2x16xi32>) {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %mask = arith.constant 15 : i8
    %wm = arith.andi %w, %mask : i8
    %xe = arith.extsi %x : i8 to i32
    %we = arith.extui %wm : i8 to i32
    %p = arith.muli %xe, %we : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  } -> tensor<2x16xi32>
  return %r : tensor<2x16xi32>
}

// CHECK-LABEL: func.func @matmul_u4_weights
// CHECK-DAG:   arith.constant dense<-103> : tensor<64xi8>
// CHECK-DAG:   arith.constant dense<-9216> : tensor<16xi32>
// CHECK-DAG:   %[[MASK:.*]] = arith.constant dense<15> : vector<64xi8>
// CHECK-DAG:   %[[FOUR:.*]] = arith.constant dense<4> : vector<64xi8>
// CHECK:       scf.forall
// CHECK:           %[[PACKED:.*]] = vector.transfer_read {{.*}} : tensor<64xi8>, vector<64xi8>
// CHECK:           %[[LOW:.*]] = arith.andi %[[PACKED]], %[[MASK]] : vector<64xi8>
// CHECK:           %[[HIGH:.*]] = arith.shrui %[[PACKED]], %[[FOUR]] : vector<64xi8>
// CHECK:           arith.extsi %[[LOW]] : vector<64xi8> to vector<64xi32>
// CHECK:           arith.extsi %[[HIGH]] : vector<64xi8> to vector<64xi32>
// CHECK-NOT:   linalg.generic

// -----

// NOTE: the width mark is a hint; a value outside the i4 range keeps the
// bytes (three quads, 192 bytes).
func.func @i4_mark_disagrees(%a: tensor<2x9xi8>) -> tensor<2x16xi32> {
  %b = arith.constant {qc.narrow_width = 4 : i64} dense<9> : tensor<9x16xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<2x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<2x16xi32>) -> tensor<2x16xi32>
  %r = linalg.matmul ins(%a, %b : tensor<2x9xi8>, tensor<9x16xi8>) outs(%z : tensor<2x16xi32>) -> tensor<2x16xi32>
  return %r : tensor<2x16xi32>
}

// CHECK-LABEL: func.func @i4_mark_disagrees
// CHECK:       tensor<192xi8>
// CHECK:       scf.forall
// CHECK-NOT:   arith.shrui
// CHECK:       return

// -----

// A batch-1 GEMV: one row, so up to 8 accumulator vectors per tile (128
// columns) instead of 3, enough independent vpdpbusd chains; then the
// remaining 32 columns.
func.func @gemv_wide_tiles(%a: tensor<1x8xi8>) -> tensor<1x160xi32> {
  %b = arith.constant dense<1> : tensor<8x160xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x160xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<1x160xi32>) -> tensor<1x160xi32>
  %r = linalg.matmul ins(%a, %b : tensor<1x8xi8>, tensor<8x160xi8>) outs(%z : tensor<1x160xi32>) -> tensor<1x160xi32>
  return %r : tensor<1x160xi32>
}

// CHECK-LABEL: func.func @gemv_wide_tiles
// CHECK:       scf.forall
// CHECK:         scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// CHECK:         tensor.parallel_insert_slice {{.*}} [1, 128] [1, 1] : tensor<1x128xi32> into tensor<1x160xi32>
// CHECK:       scf.forall
// CHECK:         scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>)
// CHECK:         tensor.parallel_insert_slice {{.*}} [1, 32] [1, 1] : tensor<1x32xi32> into tensor<1x160xi32>

// -----

// A batched product of run-time u8 operands (attention's Q.K^T): the B
// filters [B, K, N] packed one behind the other in each 16-channel panel,
// an outer sample dimension on the kernel's forall (tiles of 5 rows, 2 per
// sample), and the requantizing consumer, with its per-row and per-(sample,
// column) inputs, fused on the accumulators. K = 18: the last quad of each
// row's input sum counts 2 bytes.
func.func @batch_matmul_u8(%a: tensor<3x10x18xi8>, %b: tensor<3x18x20xi8>, %rs: tensor<3x10xi32>, %cs: tensor<3x20xi32>) -> tensor<3x10x20xi8> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<3x10x20xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<3x10x20xi32>) -> tensor<3x10x20xi32>
  %r = linalg.batch_matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%a, %b : tensor<3x10x18xi8>, tensor<3x18x20xi8>) outs(%z : tensor<3x10x20xi32>) -> tensor<3x10x20xi32>
  %o = tensor.empty() : tensor<3x10x20xi8>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%r, %rs, %cs : tensor<3x10x20xi32>, tensor<3x10xi32>, tensor<3x20xi32>) outs(%o : tensor<3x10x20xi8>) {
  ^bb0(%acc: i32, %x: i32, %c: i32, %out: i8):
    %s = arith.subi %acc, %x : i32
    %t = arith.subi %s, %c : i32
    %n = arith.trunci %t : i32 to i8
    linalg.yield %n : i8
  } -> tensor<3x10x20xi8>
  return %y : tensor<3x10x20xi8>
}

// CHECK-LABEL: func.func @batch_matmul_u8
// CHECK-DAG:   arith.constant dense<[1, 1, 0, 0, 1, 1, 0, 0, {{.*}}]> : vector<64xi8>
// CHECK:       linalg.generic
// CHECK:         arith.xori
// 2 panels of 3 samples x 5 quads.
// CHECK:       scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}}) -> (tensor<1920xi8>)
// CHECK:       scf.forall (%[[S:.*]], %{{.*}}, %[[T:.*]]) in (3, 1, 2) shared_outs(%{{.*}}) -> (tensor<30x20xi8>)
// CHECK:         arith.muli %[[S]], %c10 : index
// CHECK:         scf.for
// CHECK:           arith.select %{{.*}} : vector<64xi8>
// CHECK:         arith.shli
// CHECK:         tensor.extract %{{.*}} : tensor<3x10xi32>
// CHECK:         vector.transfer_read %{{.*}} : tensor<3x20xi32>, vector<16xi32>
// CHECK:         arith.trunci %{{.*}} : vector<16xi32> to vector<16xi8>
// CHECK:         tensor.parallel_insert_slice %{{.*}} [5, 20] [1, 1] : tensor<5x20xi8> into tensor<30x20xi8>
// CHECK:       tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2]] output_shape [3, 10, 20] : tensor<30x20xi8> into tensor<3x10x20xi8>
// CHECK-NOT:   linalg.batch_matmul
// CHECK-NOT:   linalg.generic

// -----

// Run-time weights of a multiple of 64 channels are packed a 64-byte line
// at a time: per step 4 whole rows of 64 channels, 4 byte interleaves and 4
// two-source shuffles, one 64-byte vector into each of the 4 panels.
func.func @pack_by_lines(%a: tensor<16x8xi8>, %b: tensor<8x64xi8>) -> tensor<16x64xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<16x64xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<16x64xi32>) -> tensor<16x64xi32>
  %r = linalg.matmul ins(%a, %b : tensor<16x8xi8>, tensor<8x64xi8>) outs(%z : tensor<16x64xi32>) -> tensor<16x64xi32>
  return %r : tensor<16x64xi32>
}

// CHECK-LABEL: func.func @pack_by_lines
// CHECK:       scf.forall (%{{.*}}) in (1) shared_outs(%{{.*}}) -> (tensor<512xi8>)
// CHECK:         tensor.extract_slice {{.*}} [512] [1] : tensor<512xi8> to tensor<512xi8>
// CHECK-COUNT-4:   vector.transfer_read {{.*}} : tensor<1x8x64xi8>, vector<64xi8>
// CHECK-COUNT-4:   vector.shuffle {{.*}} : vector<64xi8>, vector<64xi8>
// CHECK:           vector.shuffle {{.*}} : vector<64xi8>, vector<64xi8>
// CHECK:           vector.transfer_write {{.*}} : vector<64xi8>, tensor<512xi8>
// CHECK-COUNT-3:   vector.shuffle {{.*}} : vector<64xi8>, vector<64xi8>
// CHECK:         tensor.parallel_insert_slice {{.*}} [512] [1] : tensor<512xi8> into tensor<512xi8>
// CHECK:       scf.forall (%{{.*}}, %{{.*}}) in (1, 2)
// Depthwise with constant i4 weights: two codes per byte, per tap one
// 16-byte load for each pair of 16-channel blocks (low nibbles: channels
// 0..15, high: 16..31, here absent: weight 0, nibble 8), code + 8 in each
// nibble (3 + 8 = 0xB), unpacked by a mask and a subtraction.
func.func @depthwise_i4_weights(%x: tensor<1x5x5x16xi8>) -> tensor<1x3x3x16x1xi32> {
  %w = arith.constant {qc.narrow_width = 4 : i64} dense<3> : tensor<3x3x16x1xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x3x3x16x1xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<1x3x3x16x1xi32>) -> tensor<1x3x3x16x1xi32>
  %r = linalg.depthwise_conv_2d_nhwc_hwcm {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x5x5x16xi8>, tensor<3x3x16x1xi8>) outs(%z : tensor<1x3x3x16x1xi32>) -> tensor<1x3x3x16x1xi32>
  return %r : tensor<1x3x3x16x1xi32>
}

// CHECK-LABEL: func.func @depthwise_i4_weights
// CHECK-DAG:   %[[W:.*]] = arith.constant dense<-117> : tensor<144xi8>
// CHECK-DAG:   %[[MASK:.*]] = arith.constant dense<15> : vector<16xi8>
// CHECK-DAG:   %[[EIGHT:.*]] = arith.constant dense<8> : vector<16xi8>
// CHECK:       scf.forall
// CHECK:         scf.for
// CHECK:           %[[PACKED:.*]] = vector.transfer_read %[[W]]{{.*}} : tensor<144xi8>, vector<16xi8>
// CHECK:           %[[LOW:.*]] = arith.andi %[[PACKED]], %[[MASK]] : vector<16xi8>
// CHECK:           %[[CODE:.*]] = arith.subi %[[LOW]], %[[EIGHT]] : vector<16xi8>
// CHECK:           arith.extsi %[[CODE]] : vector<16xi8> to vector<16xi32>
// CHECK-NOT:   linalg.depthwise_conv_2d_nhwc_hwcm

// -----

// Depthwise with constant u4 weights (9, stored as -7, read as `w & 15`):
// 80 channels are 3 pairs of blocks per tap (48 bytes, 432 in all; the last
// pair's high nibbles are 0); tiles of 2 vectors (not 3) so that each
// starts at an even block, then the last 16 channels (9 rows: 5 + 4).
func.func @depthwise_u4_weights(%x: tensor<1x5x5x80xi8>) -> tensor<1x3x3x80x1xi32> {
  %w = arith.constant dense<-7> : tensor<3x3x80x1xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x3x3x80x1xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<1x3x3x80x1xi32>) -> tensor<1x3x3x80x1xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(n, h, w, c, m, kh, kw) -> (n, h + kh, w + kw, c)>, affine_map<(n, h, w, c, m, kh, kw) -> (kh, kw, c, m)>, affine_map<(n, h, w, c, m, kh, kw) -> (n, h, w, c, m)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %w : tensor<1x5x5x80xi8>, tensor<3x3x80x1xi8>) outs(%z : tensor<1x3x3x80x1xi32>) {
  ^bb0(%a: i8, %b: i8, %acc: i32):
    %mask = arith.constant 15 : i8
    %bm = arith.andi %b, %mask : i8
    %ae = arith.extsi %a : i8 to i32
    %be = arith.extui %bm : i8 to i32
    %p = arith.muli %ae, %be : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  } -> tensor<1x3x3x80x1xi32>
  return %r : tensor<1x3x3x80x1xi32>
}

// CHECK-LABEL: func.func @depthwise_u4_weights
// CHECK-DAG:   %[[MASK:.*]] = arith.constant dense<15> : vector<16xi8>
// CHECK-DAG:   %[[FOUR:.*]] = arith.constant dense<4> : vector<16xi8>
// CHECK:       scf.forall {{.*}} in (2, 1)
// CHECK:         scf.for
// CHECK:           %[[PACKED:.*]] = vector.transfer_read {{.*}} : tensor<432xi8>, vector<16xi8>
// CHECK:           %[[LOW:.*]] = arith.andi %[[PACKED]], %[[MASK]] : vector<16xi8>
// CHECK:           %[[HIGH:.*]] = arith.shrui %[[PACKED]], %[[FOUR]] : vector<16xi8>
// CHECK:           arith.extsi %[[LOW]] : vector<16xi8> to vector<16xi32>
// CHECK:           arith.extsi %[[HIGH]] : vector<16xi8> to vector<16xi32>
// CHECK:         tensor.parallel_insert_slice {{.*}} [5, 32] [1, 1]
// CHECK:       scf.forall {{.*}} in (2, 1)
// CHECK:         tensor.parallel_insert_slice {{.*}} [4, 32] [1, 1]
// CHECK:       scf.forall {{.*}} in (1, 1)
// CHECK:         tensor.parallel_insert_slice {{.*}} [5, 16] [1, 1]
// CHECK-NOT:   linalg.generic
