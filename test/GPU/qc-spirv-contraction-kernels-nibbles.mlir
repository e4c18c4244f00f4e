// RUN: qc-opt %s --qc-spirv-contraction-kernels="shared-memory-tiles=false" -split-input-file | FileCheck %s
// RUN: qc-opt %s --qc-spirv-contraction-kernels="shared-memory-tiles=false int-dot-product=true" -split-input-file | FileCheck %s --check-prefix=DOT
// RUN: qc-opt %s --qc-spirv-contraction-kernels="shared-memory-tiles=true" -split-input-file | FileCheck %s --check-prefix=SHARED

// 4-bit constant weights (lib/GPU/ContractionNibbles.cpp): an i4 weight
// (every value in [-8, 7], as qc-widen-narrow-integers stores i4 codes) read
// by column words is stored two codes per byte: packed word p holds int8
// words 2p (low nibbles) and 2p + 1 (high nibbles) of B's rows k, k + 1,
// i4 nibbles biased by 8. 16x8 codes take 64 bytes (16 words) instead of
// 128; the k-step's rows 0/1 and 2/3 share one packed load each.
// CHECK: module attributes {qc.kernel_configs = {mm_i4_contraction_0 = "tile 4x4, workgroup 2x1, k-step 4, subgroup 32, weights i4x2 (k pairs)"}}
// Byte 0 of word 0: codes w[0][0] = -8 (low, biased 0) and w[1][0] = 1
// (high, biased 9): 0x90 = -112.
// CHECK:       memref.global "private" constant @w4_i4x2 : memref<64xi8> = dense<[-112, 111, -69, 68, -35, 34, -1, 0, 120,
// CHECK-LABEL: func.func @mm_i4
// CHECK:         %[[P:.*]] = memref.get_global @w4_i4x2 : memref<64xi8>
// CHECK:         %[[PW:.*]] = memref.view %[[P]][%{{.*}}][] : memref<64xi8> to memref<16xi32>
// CHECK:         gpu.launch
// CHECK:           scf.for
// CHECK:             %[[W0:.*]] = memref.load %[[PW]]
// CHECK:             %[[M:.*]] = arith.constant 252645135 : i32
// CHECK:             %[[LO:.*]] = arith.andi %[[W0]], %[[M]] : i32
// CHECK:             %[[BIAS:.*]] = arith.constant 2021161080 : i32
// CHECK:             %[[LB:.*]] = arith.addi %[[LO]], %[[BIAS]] : i32
// CHECK:             %[[X:.*]] = arith.constant -2139062144 : i32
// CHECK:             arith.xori %[[LB]], %[[X]] : i32
// CHECK-NOT:         memref.load %[[PW]]
// CHECK:             %[[HI:.*]] = arith.shrui %[[W0]], %{{.*}} : i32
// CHECK:             arith.andi %[[HI]], %{{.*}} : i32
// CHECK:             memref.load %[[PW]]
// CHECK-NOT:         memref.load %[[PW]]
// CHECK:             scf.yield

// Packed dot products: the weight re-laid out K innermost, then packed with
// columns 2i and 2i + 1 in one word: the tile's 4 columns take 2 packed
// loads, whose low and high nibbles feed SDotAccSat.
// DOT: mm_i4_contraction_0 = "tile 4x4, workgroup 2x1, k-step 4, dot, subgroup 32, weights i4x2 (column pairs)"
// DOT:       memref.global "private" constant @w4_dot_i4x2 : memref<64xi8>
// DOT-LABEL: func.func @mm_i4
// DOT:         %[[P:.*]] = memref.get_global @w4_dot_i4x2 : memref<64xi8>
// DOT:         %[[PW:.*]] = memref.view %[[P]][%{{.*}}][] : memref<64xi8> to memref<16xi32>
// DOT:         gpu.launch
// DOT:           %[[W:.*]] = memref.load %[[PW]]
// DOT:           arith.andi %[[W]], %{{.*}} : i32
// DOT:           spirv.SDotAccSat
// DOT:           arith.shrui %[[W]], %{{.*}} : i32
// DOT:           spirv.SDotAccSat
// DOT:           memref.load %[[PW]]
// DOT-NOT:       memref.load %[[PW]]
// DOT:           scf.yield

// Stages: the cooperative copy unpacks each word before it stores it in
// workgroup memory; the stage itself is the int8 kernel's.
// SHARED: mm_i4_contraction_0 = "tile 4x4, workgroup 2x1, k-step 4, shared 192 B (16 k per stage), subgroup 32, weights i4x2"
// SHARED-LABEL: func.func @mm_i4
// SHARED:         %[[P:.*]] = memref.get_global @w4_i4x2 : memref<64xi8>
// SHARED:         %[[PW:.*]] = memref.view %[[P]]
// SHARED:         gpu.launch
// SHARED:           %[[W:.*]] = memref.load %[[PW]]
// SHARED:           %[[S:.*]] = arith.shrui %[[W]], %{{.*}} : i32
// SHARED:           %[[M:.*]] = arith.andi %[[S]], %{{.*}} : i32
// SHARED:           %[[B:.*]] = arith.addi %[[M]], %{{.*}} : i32
// SHARED:           %[[X:.*]] = arith.xori %[[B]], %{{.*}} : i32
// SHARED:           memref.store %[[X]], %{{.*}} : memref<{{[0-9]+}}xi32, 3>

memref.global "private" constant @w4 : memref<16x8xi8> = dense<[[-8, 7, 3, -4, 5, -6, 7, -8], [1, -2, 3, -4, 5, -6, 7, -8], [0, 1, 2, 3, 4, 5, 6, 7], [-1, -2, -3, -4, -5, -6, -7, -8], [1, -2, 3, -4, 5, -6, 7, -8], [1, -2, 3, -4, 5, -6, 7, -8], [1, -2, 3, -4, 5, -6, 7, -8], [1, -2, 3, -4, 5, -6, 7, -8], [1, -2, 3, -4, 5, -6, 7, -8], [1, -2, 3, -4, 5, -6, 7, -8], [1, -2, 3, -4, 5, -6, 7, -8], [1, -2, 3, -4, 5, -6, 7, -8], [1, -2, 3, -4, 5, -6, 7, -8], [1, -2, 3, -4, 5, -6, 7, -8], [1, -2, 3, -4, 5, -6, 7, -8], [1, -2, 3, -4, 5, -6, 7, 6]]>
func.func @mm_i4(%a: memref<4x16xi8>, %c: memref<4x8xi32>) {
  %b = memref.get_global @w4 : memref<16x8xi8>
  %c0 = arith.constant 0 : i32
  linalg.fill ins(%c0 : i32) outs(%c : memref<4x8xi32>)
  linalg.matmul ins(%a, %b : memref<4x16xi8>, memref<16x8xi8>) outs(%c : memref<4x8xi32>)
  return
}

// -----

// A u4 weight as qc-widen-narrow-integers leaves it: codes sign-extended
// from bit 3 (9 stored as -7) and read as extui(w & 15). Its codes (w & 15)
// become a global read as unsigned bytes, packed two per byte as they are:
// the kernel masks the nibbles and extends the bytes unsigned; no `& 15` is
// left per element.
// CHECK: mm_u4_contraction_0 = "tile 4x4, workgroup 2x1, k-step 4, subgroup 32, weights u4x2 (k pairs)"
// CHECK-DAG:   memref.global "private" constant @wu_u4 : memref<96xi8> = dense<[8, 7, 3, 12, 5, 10, 7, 8, 1, 14,
// CHECK-DAG:   memref.global "private" constant @wu_u4_u4x2 : memref<48xi8>
// CHECK-LABEL: func.func @mm_u4
// CHECK:         %[[P:.*]] = memref.get_global @wu_u4_u4x2 : memref<48xi8>
// CHECK:         gpu.launch
// CHECK:           scf.for
// CHECK:             arith.shrsi
// CHECK:             %[[W:.*]] = memref.load
// CHECK:             %[[LO:.*]] = arith.andi %[[W]], %{{.*}} : i32
// CHECK-NOT:         arith.shrsi %[[LO]]
// CHECK:             arith.andi %[[LO]], %{{.*}} : i32
// CHECK:             arith.muli
// DOT: mm_u4_contraction_0 = "tile 4x4, workgroup 2x1, k-step 4, dot, subgroup 32, weights u4x2 (column pairs)"
// DOT-LABEL: func.func @mm_u4
// DOT:           spirv.SUDotAccSat

memref.global "private" constant @wu : memref<12x8xi8> = dense<[[-8, 7, 3, -4, 5, -6, 7, -8], [1, -2, 3, -4, 5, -6, 7, -8], [0, 1, 2, 3, 4, 5, 6, 7], [-1, -2, -3, -4, -5, -6, -7, -8], [1, -2, 3, -4, 5, -6, 7, -8], [1, -2, 3, -4, 5, -6, 7, -8], [1, -2, 3, -4, 5, -6, 7, -8], [1, -2, 3, -4, 5, -6, 7, -8], [1, -2, 3, -4, 5, -6, 7, -8], [1, -2, 3, -4, 5, -6, 7, -8], [1, -2, 3, -4, 5, -6, 7, -8], [1, -2, 3, -4, 5, -6, 7, -1]]>
#ka = affine_map<(m, n, k) -> (m, k)>
#kb = affine_map<(m, n, k) -> (k, n)>
#kc = affine_map<(m, n, k) -> (m, n)>
func.func @mm_u4(%a: memref<4x12xi8>, %c: memref<4x8xi32>) {
  %b = memref.get_global @wu : memref<12x8xi8>
  %c0 = arith.constant 0 : i32
  linalg.fill ins(%c0 : i32) outs(%c : memref<4x8xi32>)
  linalg.generic {indexing_maps = [#ka, #kb, #kc], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<4x12xi8>, memref<12x8xi8>) outs(%c : memref<4x8xi32>) {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %x32 = arith.extsi %x : i8 to i32
    %c15 = arith.constant 15 : i8
    %m = arith.andi %w, %c15 : i8
    %w32 = arith.extui %m : i8 to i32
    %p = arith.muli %x32, %w32 : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }
  return
}

// -----

// NOTE: a masked (u4) run-time B cannot be unmasked at compile time: the op
// stays for the generic lowering. An int8 constant weight with a code
// outside 4 bits (8) is not packed.
// CHECK-LABEL: func.func @masked_runtime
// CHECK-NOT:     gpu.launch
// CHECK:         linalg.generic
// CHECK-LABEL: func.func @int8_weight
// CHECK:         gpu.launch
// CHECK-NOT:     @w8_i4x2
#ka = affine_map<(m, n, k) -> (m, k)>
#kb = affine_map<(m, n, k) -> (k, n)>
#kc = affine_map<(m, n, k) -> (m, n)>
func.func @masked_runtime(%a: memref<4x12xi8>, %b: memref<12x8xi8>, %c: memref<4x8xi32>) {
  %c0 = arith.constant 0 : i32
  linalg.fill ins(%c0 : i32) outs(%c : memref<4x8xi32>)
  linalg.generic {indexing_maps = [#ka, #kb, #kc], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<4x12xi8>, memref<12x8xi8>) outs(%c : memref<4x8xi32>) {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %x32 = arith.extsi %x : i8 to i32
    %c15 = arith.constant 15 : i8
    %m = arith.andi %w, %c15 : i8
    %w32 = arith.extui %m : i8 to i32
    %p = arith.muli %x32, %w32 : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }
  return
}

memref.global "private" constant @w8 : memref<4x4xi8> = dense<[[1, 2, 3, 4], [5, 6, 7, 8], [1, 2, 3, 4], [5, 6, 7, 7]]>
func.func @int8_weight(%a: memref<4x4xi8>, %c: memref<4x4xi32>) {
  %b = memref.get_global @w8 : memref<4x4xi8>
  %c0 = arith.constant 0 : i32
  linalg.fill ins(%c0 : i32) outs(%c : memref<4x4xi32>)
  linalg.matmul ins(%a, %b : memref<4x4xi8>, memref<4x4xi8>) outs(%c : memref<4x4xi32>)
  return
}

// -----

// A depthwise convolution reads its weights by elements (C = 3 is not a
// multiple of 4): they are stored in element order two codes per byte,
// element e in the low (e even) or high (e odd) nibble of byte e / 2, i4 as
// its two's complement code. 27 codes take 14 bytes: byte 0 holds w[0] = -8
// (low, 0x8) and w[1] = 7 (high, 0x7): 0x78 = 120. The kernel loads the
// byte at e / 2 and sign-extends nibble e % 2 with a shift left by
// 28 - 4 * (e % 2) and an arithmetic shift right by 28.
// CHECK: dw_i4_contraction_0 = "tile {{.*}}, k-step 1, subgroup 32, weights i4x2 (elements)"
// CHECK-DAG:   memref.global "private" constant @dw4_i4x2e : memref<14xi8> = dense<[120, -61, -91, 15, 33, 77, 107, 121, -24, 19, -16, -30, -60, 5]>
// CHECK-LABEL: func.func @dw_i4
// CHECK:         %[[P:.*]] = memref.get_global @dw4_i4x2e : memref<14xi8>
// CHECK:         gpu.launch
// CHECK:           scf.for
// CHECK:             %[[BI:.*]] = arith.shrui %[[E:.*]], %{{.*}} : index
// CHECK:             %[[BYTE:.*]] = memref.load %[[P]][%[[BI]]] : memref<14xi8>
// CHECK:             %[[W:.*]] = arith.extui %[[BYTE]] : i8 to i32
// CHECK:             %[[ODD:.*]] = arith.andi %[[E]], %{{.*}} : index
// CHECK:             %[[ODD32:.*]] = arith.index_cast %[[ODD]] : index to i32
// CHECK:             %[[SH:.*]] = arith.shli %[[ODD32]], %{{.*}} : i32
// CHECK:             %[[C28:.*]] = arith.constant 28 : i32
// CHECK:             %[[L:.*]] = arith.subi %[[C28]], %[[SH]] : i32
// CHECK:             %[[UP:.*]] = arith.shli %[[W]], %[[L]] : i32
// CHECK:             %[[V:.*]] = arith.shrsi %[[UP]], %{{.*}} : i32
// CHECK:             arith.muli %{{.*}}, %[[V]] : i32
// DOT: dw_i4_contraction_0 = "tile {{.*}}, k-step 1, subgroup 32, weights i4x2 (elements)"
// SHARED: dw_i4_contraction_0 = "tile {{.*}}, k-step 1, subgroup 32, weights i4x2 (elements)"

memref.global "private" constant @dw4 : memref<3x3x3xi8> = dense<[[[-8, 7, 3], [-4, 5, -6], [-1, 0, 1]], [[2, -3, 4], [-5, 6, -7], [7, -8, -2]], [[3, 1, 0], [-1, 2, -2], [4, -4, 5]]]>
func.func @dw_i4(%x: memref<1x9x9x3xi8>, %c: memref<1x4x4x3xi32>) {
  %w = memref.get_global @dw4 : memref<3x3x3xi8>
  %c0 = arith.constant 0 : i32
  linalg.fill ins(%c0 : i32) outs(%c : memref<1x4x4x3xi32>)
  linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : memref<1x9x9x3xi8>, memref<3x3x3xi8>) outs(%c : memref<1x4x4x3xi32>)
  return
}

// -----

// A masked u4 depthwise weight (C = 5; 9 stored as -7): its codes are
// packed in element order, byte 0 = 9 | 15 << 4 = 0xF9 = -7; the kernel
// shifts the byte right by 4 * (e % 2) and masks the nibble, with no
// sign extension.
// CHECK: dw_u4_contraction_0 = "{{.*}}, k-step 1, subgroup 32, weights u4x2 (elements)"
// CHECK-DAG:   memref.global "private" constant @dwu_u4_u4x2e : memref<10xi8> = dense<[-7, 16, 50, 84, 118, -104, -70, -36, -2, 96]>
// CHECK-LABEL: func.func @dw_u4
// CHECK:         %[[P:.*]] = memref.get_global @dwu_u4_u4x2e : memref<10xi8>
// CHECK:         gpu.launch
// CHECK:           scf.for
// CHECK:             %[[BYTE:.*]] = memref.load %[[P]][%{{.*}}] : memref<10xi8>
// CHECK:             %[[W:.*]] = arith.extui %[[BYTE]] : i8 to i32
// CHECK:             %[[SH:.*]] = arith.shli %{{.*}}, %{{.*}} : i32
// CHECK:             %[[D:.*]] = arith.shrui %[[W]], %[[SH]] : i32
// CHECK:             %[[V:.*]] = arith.andi %[[D]], %{{.*}} : i32
// CHECK-NOT:         arith.shrsi
// CHECK:             arith.muli %{{.*}}, %[[V]] : i32

memref.global "private" constant @dwu : memref<2x2x5xi8> = dense<[[[-7, -1, 0, 1, 2], [3, 4, 5, 6, 7]], [[-8, -7, -6, -5, -4], [-3, -2, -1, 0, 6]]]>
#dx = affine_map<(n, h, w, c, kh, kw) -> (n, h + kh, w + kw, c)>
#dw = affine_map<(n, h, w, c, kh, kw) -> (kh, kw, c)>
#dc = affine_map<(n, h, w, c, kh, kw) -> (n, h, w, c)>
func.func @dw_u4(%x: memref<1x6x6x5xi8>, %c: memref<1x5x5x5xi32>) {
  %w = memref.get_global @dwu : memref<2x2x5xi8>
  %c0 = arith.constant 0 : i32
  linalg.fill ins(%c0 : i32) outs(%c : memref<1x5x5x5xi32>)
  linalg.generic {indexing_maps = [#dx, #dw, #dc], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %w : memref<1x6x6x5xi8>, memref<2x2x5xi8>) outs(%c : memref<1x5x5x5xi32>) {
  ^bb0(%a: i8, %b: i8, %acc: i32):
    %a32 = arith.extsi %a : i8 to i32
    %c15 = arith.constant 15 : i8
    %m = arith.andi %b, %c15 : i8
    %b32 = arith.extui %m : i8 to i32
    %p = arith.muli %a32, %b32 : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }
  return
}
