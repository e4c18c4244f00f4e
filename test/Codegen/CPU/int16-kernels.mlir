// RUN: qc-opt %s --split-input-file --qc-cpu-int8-kernels=int16-kernels=true --mlir-print-elementsattrs-with-hex-if-larger=1000 | FileCheck %s
// RUN: qc-opt %s --split-input-file --qc-cpu-int8-kernels | FileCheck %s --check-prefix=OFF

// The 16-bit kernels (Int16Kernels.cpp): contractions with one 16-bit side
// and constant weights as vpdpwssd register tiles. Without int16-kernels
// (qc-cpu-pipeline sets it with x86-vnni) they keep the generic path.

// i8 activations by constant i16 weights: the weights packed at compile
// time into [ceil(17/16) = 2, 1, ceil(5/2) = 3, 16, 2] i16 (w[k][n] =
// 100k + n: lane n of pair p holds w[2p][n], w[2p+1][n]; 0 past K and N);
// the input widened to i16 once; per pair, one 32 x i16 weight load per
// vector and one broadcast i16 pair per row.
func.func @i8_by_i16(%a: tensor<3x5xi8>) -> tensor<3x17xi32> {
  %b = arith.constant dense<[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
    [100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116],
    [200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216],
    [300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316],
    [-32768, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 32767]]> : tensor<5x17xi16>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<3x17xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<3x17xi32>) -> tensor<3x17xi32>
  %r = linalg.matmul ins(%a, %b : tensor<3x5xi8>, tensor<5x17xi16>) outs(%z : tensor<3x17xi32>) -> tensor<3x17xi32>
  return %r : tensor<3x17xi32>
}

// CHECK-LABEL: func.func @i8_by_i16
// CHECK-DAG:   arith.constant dense<[0, 100, 1, 101, 2, 102, {{.*}}, 15, 115, 200, 300, 201, 301, {{.*}}, -32768, 0, 401, 0, {{.*}}, 415, 0, 16, 116, 0, 0, {{.*}}, 32767, 0, 0, 0{{.*}}]> : tensor<192xi16>
// CHECK:       tensor.pad
// CHECK:       linalg.generic
// CHECK:         arith.extsi {{.*}} : i8 to i16
// CHECK:       scf.forall (%{{.*}}, %{{.*}}) in (1, 1)
// CHECK:         scf.for
// CHECK:           scf.for
// CHECK:             vector.transfer_read {{.*}} : tensor<192xi16>, vector<32xi16>
// CHECK:             vector.transfer_read {{.*}} : tensor<{{.*}}xi16>, vector<2xi16>
// CHECK:             vector.bitcast {{.*}} : vector<2xi16> to vector<1xi32>
// CHECK:             vector.broadcast {{.*}} : i32 to vector<16xi32>
// CHECK:             vector.bitcast {{.*}} : vector<16xi32> to vector<32xi16>
// CHECK:             arith.extsi {{.*}} : vector<32xi16> to vector<32xi32>
// CHECK:             arith.extsi {{.*}} : vector<32xi16> to vector<32xi32>
// CHECK:             vector.multi_reduction <add>, {{.*}} [1] : vector<16x2xi32> to vector<16xi32>
// CHECK:         tensor.parallel_insert_slice {{.*}} [3, 17] [1, 1]
// CHECK-NOT:   linalg.matmul
// OFF-LABEL:   func.func @i8_by_i16
// OFF:         linalg.matmul
// OFF-NOT:     scf.forall

// -----

// u8 activations (zero-extended to i16) by i16 weights, the requantizing
// consumer fused on the accumulators; a GEMV-shaped tile of 2 vectors.
func.func @u8_by_i16_epilogue(%a: tensor<2x8xi8>) -> tensor<2x20xi8> {
  %b = arith.constant dense<300> : tensor<8x20xi16>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<2x20xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<2x20xi32>) -> tensor<2x20xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<2x8xi8>, tensor<8x20xi16>) outs(%z : tensor<2x20xi32>) {
  ^bb0(%x: i8, %w: i16, %acc: i32):
    %xe = arith.extui %x : i8 to i32
    %we = arith.extsi %w : i16 to i32
    %p = arith.muli %xe, %we : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  } -> tensor<2x20xi32>
  %o = tensor.empty() : tensor<2x20xi8>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%r : tensor<2x20xi32>) outs(%o : tensor<2x20xi8>) {
  ^bb0(%acc: i32, %out: i8):
    %c = arith.constant 12 : i32
    %sh = arith.shrsi %acc, %c : i32
    %lo = arith.constant -128 : i32
    %hi = arith.constant 127 : i32
    %t0 = arith.maxsi %sh, %lo : i32
    %t1 = arith.minsi %t0, %hi : i32
    %t = arith.trunci %t1 : i32 to i8
    linalg.yield %t : i8
  } -> tensor<2x20xi8>
  return %y : tensor<2x20xi8>
}

// CHECK-LABEL: func.func @u8_by_i16_epilogue
// CHECK:       linalg.generic
// CHECK:         arith.extui {{.*}} : i8 to i16
// CHECK:       scf.forall
// CHECK:         vector.multi_reduction <add>, {{.*}} [1] : vector<16x2xi32> to vector<16xi32>
// CHECK:         arith.shrsi {{.*}} : vector<16xi32>
// CHECK:         arith.trunci {{.*}} : vector<16xi32> to vector<16xi8>
// CHECK-NOT:   linalg.generic
// CHECK:       return

// -----

// i16 activations by constant i8 weights: the weights widened at compile
// time (sign-extended), the input read as it is (no widening pass).
func.func @i16_by_i8(%a: tensor<4x4xi16>) -> tensor<4x16xi32> {
  %b = arith.constant dense<-3> : tensor<4x16xi8>
  %zero = arith.constant 7 : i32
  %e = tensor.empty() : tensor<4x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<4x16xi32>) -> tensor<4x16xi32>
  %r = linalg.matmul ins(%a, %b : tensor<4x4xi16>, tensor<4x16xi8>) outs(%z : tensor<4x16xi32>) -> tensor<4x16xi32>
  return %r : tensor<4x16xi32>
}

// CHECK-LABEL: func.func @i16_by_i8
// CHECK-DAG:   arith.constant dense<-3> : tensor<64xi16>
// CHECK-DAG:   arith.constant dense<7> : vector<16xi32>
// CHECK-NOT:   linalg.generic
// CHECK:       scf.forall
// CHECK:         vector.transfer_read {{.*}} : tensor<16xi16>, vector<2xi16>
// CHECK:         vector.multi_reduction <add>, {{.*}} [1] : vector<16x2xi32> to vector<16xi32>
// CHECK-NOT:   linalg.matmul

// -----

// A 3x3 convolution of i8 by i16: 3 segments (filter rows) of 3 * 5 = 15
// elements, 8 pairs each (the last reads one element past the run: its
// weight is 0); the input padded by one element at its end and widened.
func.func @conv_i8_by_i16(%x: tensor<1x6x6x5xi8>) -> tensor<1x4x4x18xi32> {
  %w = arith.constant dense<1000> : tensor<3x3x5x18xi16>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x4x18xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<1x4x4x18xi32>) -> tensor<1x4x4x18xi32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x6x6x5xi8>, tensor<3x3x5x18xi16>) outs(%z : tensor<1x4x4x18xi32>) -> tensor<1x4x4x18xi32>
  return %r : tensor<1x4x4x18xi32>
}

// CHECK-LABEL: func.func @conv_i8_by_i16
// CHECK-DAG:   arith.constant dense<{{.*}}> : tensor<1536xi16>
// CHECK:       scf.forall
// CHECK:         vector.multi_reduction <add>, {{.*}} [1] : vector<16x2xi32> to vector<16xi32>
// CHECK-NOT:   linalg.conv_2d_nhwc_hwcf

// -----

// Left alone: run-time i16 weights, i16 x i16 batched products of run-time
// operands.
func.func @runtime_i16_weights(%a: tensor<20x8xi8>, %b: tensor<8x16xi16>) -> tensor<20x16xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<20x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<20x16xi32>) -> tensor<20x16xi32>
  %r = linalg.matmul ins(%a, %b : tensor<20x8xi8>, tensor<8x16xi16>) outs(%z : tensor<20x16xi32>) -> tensor<20x16xi32>
  return %r : tensor<20x16xi32>
}

// CHECK-LABEL: func.func @runtime_i16_weights
// CHECK:       linalg.matmul
// CHECK-NOT:   scf.forall

// -----

// u16 activations by constant i8 weights: the input offset by 32768 in one
// parallel pass (x ^ 0x8000, the s16 value x - 32768), the weights' column
// sums times 32768 in the start values (32768 * 8 * 3 = 786432), then the
// pair reduction of the i16 x i8 kernel.
func.func @u16_activations(%a: tensor<20x8xi16>) -> tensor<20x16xi32> {
  %b = arith.constant dense<3> : tensor<8x16xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<20x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<20x16xi32>) -> tensor<20x16xi32>
  %r = linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%a, %b : tensor<20x8xi16>, tensor<8x16xi8>) outs(%z : tensor<20x16xi32>) -> tensor<20x16xi32>
  return %r : tensor<20x16xi32>
}

// CHECK-LABEL: func.func @u16_activations
// CHECK-DAG:   %[[START:.*]] = arith.constant dense<786432> : tensor<16xi32>
// CHECK-DAG:   %[[SIGN:.*]] = arith.constant -32768 : i16
// CHECK:       scf.forall
// CHECK:         arith.xori %{{.*}}, %[[SIGN]] : i16
// CHECK:       scf.forall
// CHECK:         vector.transfer_read %[[START]]
// CHECK:         vector.multi_reduction <add>, {{.*}} : vector<16x2xi32> to vector<16xi32>
// CHECK-NOT:   linalg.matmul
// OFF-LABEL:   func.func @u16_activations
// OFF:         linalg.matmul

// -----

func.func @batched_i16(%a: tensor<2x20x8xi8>, %b: tensor<2x8x16xi16>) -> tensor<2x20x16xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<2x20x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<2x20x16xi32>) -> tensor<2x20x16xi32>
  %r = linalg.batch_matmul ins(%a, %b : tensor<2x20x8xi8>, tensor<2x8x16xi16>) outs(%z : tensor<2x20x16xi32>) -> tensor<2x20x16xi32>
  return %r : tensor<2x20x16xi32>
}

// CHECK-LABEL: func.func @batched_i16
// CHECK:       linalg.batch_matmul
// CHECK-NOT:   scf.forall

// -----

// A depthwise convolution with i16 weights: the depthwise kernel on 16-bit
// weight lanes (one product per lane and tap, no pairs), i8 input lanes.
func.func @depthwise_i16(%x: tensor<1x6x6x16xi8>) -> tensor<1x4x4x16x1xi32> {
  %w = arith.constant dense<1000> : tensor<3x3x16x1xi16>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x4x16x1xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<1x4x4x16x1xi32>) -> tensor<1x4x4x16x1xi32>
  %r = linalg.depthwise_conv_2d_nhwc_hwcm {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x6x6x16xi8>, tensor<3x3x16x1xi16>) outs(%z : tensor<1x4x4x16x1xi32>) -> tensor<1x4x4x16x1xi32>
  return %r : tensor<1x4x4x16x1xi32>
}

// CHECK-LABEL: func.func @depthwise_i16
// CHECK:       scf.forall
// CHECK:         scf.for
// CHECK:           vector.transfer_read {{.*}} : tensor<144xi16>, vector<16xi16>
// CHECK:           arith.extsi {{.*}} : vector<16xi16> to vector<16xi32>
// CHECK:           vector.transfer_read {{.*}} : tensor<576xi8>, vector<16xi8>
// CHECK:           arith.muli {{.*}} : vector<16xi32>
// CHECK-NOT:   linalg.depthwise_conv_2d_nhwc_hwcm
// OFF-LABEL:   func.func @depthwise_i16
// OFF:         linalg.depthwise_conv_2d_nhwc_hwcm

// -----

// A depthwise convolution of u16 activations by u8 weights: 16 u16 lanes
// per load, both zero-extended (no offset: one i32 product per lane).
func.func @depthwise_u16_u8(%x: tensor<1x6x6x20xi16>) -> tensor<1x4x4x20x1xi32> {
  %w = arith.constant dense<200> : tensor<3x3x20x1xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x4x20x1xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<1x4x4x20x1xi32>) -> tensor<1x4x4x20x1xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(n, h, w, c, m, kh, kw) -> (n, h + kh, w + kw, c)>, affine_map<(n, h, w, c, m, kh, kw) -> (kh, kw, c, m)>, affine_map<(n, h, w, c, m, kh, kw) -> (n, h, w, c, m)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %w : tensor<1x6x6x20xi16>, tensor<3x3x20x1xi8>) outs(%z : tensor<1x4x4x20x1xi32>) {
  ^bb0(%in: i16, %wt: i8, %acc: i32):
    %xe = arith.extui %in : i16 to i32
    %we = arith.extui %wt : i8 to i32
    %p = arith.muli %xe, %we : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  } -> tensor<1x4x4x20x1xi32>
  return %r : tensor<1x4x4x20x1xi32>
}

// CHECK-LABEL: func.func @depthwise_u16_u8
// CHECK:       scf.forall
// CHECK:         scf.for
// CHECK:           vector.transfer_read {{.*}} : tensor<180xi8>, vector<16xi8>
// CHECK:           arith.extui {{.*}} : vector<16xi8> to vector<16xi32>
// CHECK:           vector.transfer_read {{.*}} : tensor<720xi16>, vector<16xi16>
// CHECK:           arith.extui {{.*}} : vector<16xi16> to vector<16xi32>
// CHECK-NOT:   linalg.generic
// OFF-LABEL:   func.func @depthwise_u16_u8
// OFF:         linalg.generic
