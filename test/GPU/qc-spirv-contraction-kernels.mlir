// RUN: qc-opt %s --qc-spirv-contraction-kernels="shared-memory-tiles=false" -split-input-file | FileCheck %s
// RUN: qc-opt %s --qc-spirv-contraction-kernels="shared-memory-tiles=true" -split-input-file | FileCheck %s --check-prefix=SHARED
// RUN: qc-opt %s --qc-spirv-contraction-kernels="shared-memory-tiles=false int-dot-product=true" -split-input-file | FileCheck %s --check-prefix=DOT
// RUN: qc-opt %s --qc-spirv-contraction-kernels="shared-memory-tiles=false subgroup-size=128 max-workgroup-invocations=256" -split-input-file | FileCheck %s --check-prefix=SUBGROUP
// RUN: qc-opt %s --qc-spirv-contraction-kernels="shared-memory-tiles=false subgroup-size=8" -split-input-file | FileCheck %s --check-prefix=SUBGROUP8
// RUN: qc-opt %s --qc-spirv-contraction-kernels="shared-memory-tiles=false subgroup-size=8 subgroup-broadcast=true" -split-input-file | FileCheck %s --check-prefix=BCAST

// A 16x32x8 matmul: A is read as words of 4 k, B as words of 4 columns; the
// fill becomes the accumulators' start value; 8x4 outputs per invocation.
// CHECK: module attributes {qc.kernel_configs = {mm_contraction_0 = "tile 8x4, workgroup 2x2, k-step 4, subgroup 32"}}
// NOTE: a 2-wide workgroup row is less than a subgroup of 8: no broadcast.
// BCAST: module attributes {qc.kernel_configs = {mm_contraction_0 = "tile 8x4, workgroup 2x2, k-step 4, subgroup 8"}}
// BCAST-LABEL: func.func @mm
// BCAST-NOT:     spirv.GroupNonUniformBroadcast
// CHECK-LABEL: func.func @mm
// CHECK-SAME:    %[[A:.*]]: memref<16x32xi8>, %[[B:.*]]: memref<32x8xi8>, %[[C:.*]]: memref<16x8xi32>
// CHECK-NOT:     linalg.
// CHECK:         %[[AF:.*]] = memref.collapse_shape %[[A]] {{\[}}[0, 1]] : memref<16x32xi8> into memref<512xi8>
// CHECK:         %[[AW:.*]] = memref.view %[[AF]][%{{.*}}][] : memref<512xi8> to memref<128xi32>
// CHECK:         %[[BF:.*]] = memref.collapse_shape %[[B]]
// CHECK:         %[[BW:.*]] = memref.view %[[BF]][%{{.*}}][] : memref<256xi8> to memref<64xi32>
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}}) threads({{.*}}) in ({{.*}}) function(@mm_contraction_0)
// CHECK:           scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32)
// CHECK:             memref.load %[[AW]]
// CHECK:             memref.load %[[BW]]
// CHECK:             arith.shrsi
// CHECK:             arith.muli {{.*}} : i32
// CHECK:           scf.if
// CHECK:             memref.store %{{.*}}, %[[C]][%{{.*}}, %{{.*}}] : memref<16x8xi32>
// CHECK-NOT:     linalg.

// SHARED-LABEL: func.func @mm
// SHARED:         gpu.launch
// SHARED:           memref.alloc() : memref<{{[0-9]+}}xi32, 3>
// SHARED:           memref.alloc() : memref<{{[0-9]+}}xi32, 3>
// SHARED:           scf.for
// SHARED:             memref.store %{{.*}} : memref<{{[0-9]+}}xi32, 3>
// SHARED:             gpu.barrier
// SHARED:             scf.for
// SHARED:               memref.load %{{.*}} : memref<{{[0-9]+}}xi32, 3>
// SHARED:             gpu.barrier

// A run-time B read along N: with int-dot-product a packing copy lays it out
// [N, K] in a new buffer first (a generic the loop lowering turns into its
// own kernel), then both operands are read as words of 4 k.
// DOT-DAG:   #[[$PACK:.*]] = affine_map<(d0, d1) -> (d0 + d1 * 8)>
// DOT-DAG:   #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// DOT-LABEL: func.func @mm
// DOT-SAME:    %[[A:.*]]: memref<16x32xi8>, %[[B:.*]]: memref<32x8xi8>
// DOT:         %[[BF:.*]] = memref.collapse_shape %[[B]] {{\[}}[0, 1]] : memref<32x8xi8> into memref<256xi8>
// DOT:         %[[P:.*]] = memref.alloc() : memref<8x32xi8>
// DOT:         linalg.generic {indexing_maps = [#[[$PACK]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[BF]] : memref<256xi8>) outs(%[[P]] : memref<8x32xi8>)
// DOT:         %[[PF:.*]] = memref.collapse_shape %[[P]] {{\[}}[0, 1]] : memref<8x32xi8> into memref<256xi8>
// DOT:         %[[PW:.*]] = memref.view %[[PF]][%{{.*}}][] : memref<256xi8> to memref<64xi32>
// DOT:         gpu.launch
// DOT:           memref.load %[[PW]]
// DOT:           spirv.SDotAccSat %{{.*}}, %{{.*}}, %{{.*}}, <PackedVectorFormat4x8Bit> : i32 -> i32
// DOT-NOT:     linalg.matmul

// SUBGROUP: module attributes {qc.kernel_configs = {mm_contraction_0 = "tile 8x4, workgroup 2x2, k-step 4, subgroup 128"}}

func.func @mm(%a: memref<16x32xi8>, %b: memref<32x8xi8>, %c: memref<16x8xi32>) {
  %c0 = arith.constant 0 : i32
  linalg.fill ins(%c0 : i32) outs(%c : memref<16x8xi32>)
  linalg.matmul ins(%a, %b : memref<16x32xi8>, memref<32x8xi8>) outs(%c : memref<16x8xi32>)
  return
}

// -----

// The requantizing consumer of the accumulator runs on the registers: one
// kernel, no i32 buffer left. Constant weights with int-dot-product are
// re-laid out [N, K] so both operands hold 4 k per word.
// CHECK-LABEL: func.func @fused
// CHECK-NOT:     memref.alloc
// CHECK:         gpu.launch
// CHECK:           scf.for
// CHECK:           scf.if
// CHECK:             arith.trunci %{{.*}} : i32 to i8
// CHECK:             memref.store %{{.*}}, %{{.*}} : memref<4x8xi8>
// CHECK-NOT:     linalg.generic

// DOT:         memref.global "private" constant @w_dot : memref<128xi8> = dense<
// DOT-LABEL: func.func @fused
// DOT:         memref.get_global @w_dot : memref<128xi8>
// DOT:         gpu.launch
// DOT:           spirv.SDotAccSat %{{.*}}, %{{.*}}, %{{.*}}, <PackedVectorFormat4x8Bit> : i32 -> i32

memref.global "private" constant @w : memref<16x8xi8> = dense<[[1, -2, 3, -4, 5, -6, 7, -8], [9, -10, 11, -12, 13, -14, 15, -16], [1, -2, 3, -4, 5, -6, 7, -8], [9, -10, 11, -12, 13, -14, 15, -16], [1, -2, 3, -4, 5, -6, 7, -8], [9, -10, 11, -12, 13, -14, 15, -16], [1, -2, 3, -4, 5, -6, 7, -8], [9, -10, 11, -12, 13, -14, 15, -16], [1, -2, 3, -4, 5, -6, 7, -8], [9, -10, 11, -12, 13, -14, 15, -16], [1, -2, 3, -4, 5, -6, 7, -8], [9, -10, 11, -12, 13, -14, 15, -16], [1, -2, 3, -4, 5, -6, 7, -8], [9, -10, 11, -12, 13, -14, 15, -16], [1, -2, 3, -4, 5, -6, 7, -8], [9, -10, 11, -12, 13, -14, 15, -17]]>
func.func @fused(%a: memref<4x16xi8>, %out: memref<4x8xi8>) {
  %c0 = arith.constant 0 : i32
  %c8 = arith.constant 8 : i32
  %w = memref.get_global @w : memref<16x8xi8>
  %acc = memref.alloc() : memref<4x8xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<4x8xi32>)
  linalg.matmul ins(%a, %w : memref<4x16xi8>, memref<16x8xi8>) outs(%acc : memref<4x8xi32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%acc : memref<4x8xi32>) outs(%out : memref<4x8xi8>) {
  ^bb0(%in: i32, %o: i8):
    %s = arith.shrsi %in, %c8 : i32
    %t = arith.trunci %s : i32 to i8
    linalg.yield %t : i8
  }
  memref.dealloc %acc : memref<4x8xi32>
  return
}

// -----

// NOTE: the accumulator has a second reader, so the consumer is not fused
// (the kernel stores the i32 accumulators; the generic stays for the loop
// lowering).
// CHECK-LABEL: func.func @two_readers
// CHECK:         gpu.launch
// CHECK:           memref.store %{{.*}} : memref<4x8xi32>
// CHECK:         linalg.generic
// CHECK:         memref.copy
func.func @two_readers(%a: memref<4x16xi8>, %b: memref<16x8xi8>, %out: memref<4x8xi8>, %raw: memref<4x8xi32>) {
  %c0 = arith.constant 0 : i32
  %acc = memref.alloc() : memref<4x8xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<4x8xi32>)
  linalg.matmul ins(%a, %b : memref<4x16xi8>, memref<16x8xi8>) outs(%acc : memref<4x8xi32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%acc : memref<4x8xi32>) outs(%out : memref<4x8xi8>) {
  ^bb0(%in: i32, %o: i8):
    %t = arith.trunci %in : i32 to i8
    linalg.yield %t : i8
  }
  memref.copy %acc, %raw : memref<4x8xi32> to memref<4x8xi32>
  return
}

// -----

// NOTE: not a multiply-accumulate of i8 operands (i16 inputs): left to the
// generic loop lowering.
// CHECK-LABEL: func.func @i16_matmul
// CHECK-NOT:     gpu.launch
// CHECK:         linalg.matmul
func.func @i16_matmul(%a: memref<4x16xi16>, %b: memref<16x8xi16>, %c: memref<4x8xi32>) {
  %c0 = arith.constant 0 : i32
  linalg.fill ins(%c0 : i32) outs(%c : memref<4x8xi32>)
  linalg.matmul ins(%a, %b : memref<4x16xi16>, memref<16x8xi16>) outs(%c : memref<4x8xi32>)
  return
}

// -----

// NOTE: the accumulator starts at a non-zero fill, so a saturating
// accumulation could differ from the CPU's wrapping one: with
// int-dot-product the kernel sums each word with the non-saturating
// spirv.SDot and adds it with a wrapping arith.addi.
// DOT-LABEL: func.func @nonzero_fill
// DOT:         gpu.launch
// DOT-NOT:       spirv.SDotAccSat
// DOT:           %[[S:.*]] = spirv.SDot %{{.*}}, %{{.*}}, <PackedVectorFormat4x8Bit> : i32 -> i32
// DOT:           arith.addi %{{.*}}, %[[S]] : i32
// DOT-NOT:       spirv.SDotAccSat
// DOT:         return
memref.global "private" constant @w2 : memref<8x4xi8> = dense<[[1, -2, 3, -4], [5, -6, 7, -8], [9, -10, 11, -12], [13, -14, 15, -16], [17, -18, 19, -20], [21, -22, 23, -24], [25, -26, 27, -28], [29, -30, 31, -127]]>
func.func @nonzero_fill(%a: memref<4x8xi8>, %c: memref<4x4xi32>) {
  %init = arith.constant 2147483000 : i32
  %w = memref.get_global @w2 : memref<8x4xi8>
  linalg.fill ins(%init : i32) outs(%c : memref<4x4xi32>)
  linalg.matmul ins(%a, %w : memref<4x8xi8>, memref<8x4xi8>) outs(%c : memref<4x4xi32>)
  return
}

// -----

// 256 column groups: the workgroup takes 64 invocations, or a whole
// 128-wide subgroup where the device has one.
// CHECK: module attributes {qc.kernel_configs = {wide_contraction_0 = "tile 1x4, workgroup 64x1, k-step 4, subgroup 32"}}
// SUBGROUP: module attributes {qc.kernel_configs = {wide_contraction_0 = "tile 1x4, workgroup 128x1, k-step 4, subgroup 128"}}
func.func @wide(%a: memref<1x4xi8>, %b: memref<4x1024xi8>, %c: memref<1x1024xi32>) {
  %c0 = arith.constant 0 : i32
  linalg.fill ins(%c0 : i32) outs(%c : memref<1x1024xi32>)
  linalg.matmul ins(%a, %b : memref<1x4xi8>, memref<4x1024xi8>) outs(%c : memref<1x1024xi32>)
  return
}

// -----

// K = 6 is not a multiple of 4: B is copied [8, 8] over a zero fill and A
// [4, 8] with its rows padded (the padding only meets B's zeros), so A is
// read as words of 4 k and B as words of 4 columns.
// CHECK: module attributes {qc.kernel_configs = {odd_k_contraction_0 = "tile 4x4, workgroup 2x1, k-step 4, subgroup 32"}}
// CHECK-LABEL: func.func @odd_k
// CHECK-SAME:    %[[A:.*]]: memref<4x6xi8>, %[[B:.*]]: memref<6x8xi8>
// CHECK:         %[[PB:.*]] = memref.alloc() : memref<8x8xi8>
// CHECK:         linalg.fill ins(%{{.*}} : i8) outs(%[[PB]] : memref<8x8xi8>)
// CHECK:         %[[SB:.*]] = memref.subview %[[PB]][0, 0] [6, 8] [1, 1]
// CHECK:         linalg.generic {{.*}} outs(%[[SB]] :
// CHECK:         %[[PA:.*]] = memref.alloc() : memref<4x8xi8>
// CHECK:         %[[SA:.*]] = memref.subview %[[PA]][0, 0] [4, 6] [1, 1]
// CHECK:         linalg.generic {{.*}} ins(%[[A]] : memref<4x6xi8>) outs(%[[SA]] :
// CHECK:         gpu.launch
// CHECK-NOT:     linalg.matmul
// With int-dot-product B's padded copy has K innermost ([8, 8] again).
// DOT: module attributes {qc.kernel_configs = {odd_k_contraction_0 = "tile 4x4, workgroup 2x1, k-step 4, dot, subgroup 32"}}
// DOT-LABEL: func.func @odd_k
// DOT:         spirv.SDotAccSat
func.func @odd_k(%a: memref<4x6xi8>, %b: memref<6x8xi8>, %c: memref<4x8xi32>) {
  %c0 = arith.constant 0 : i32
  linalg.fill ins(%c0 : i32) outs(%c : memref<4x8xi32>)
  linalg.matmul ins(%a, %b : memref<4x6xi8>, memref<6x8xi8>) outs(%c : memref<4x8xi32>)
  return
}

// -----

// A convolution over a zero-point padded input (bufferized tensor.pad: a
// constant linalg.map, then a copy into a subview): the kernel reads the
// unpadded source by words, checks the padded H and W indices against the
// source's bounds (unsigned, so the leading padding fails too) once per
// (kh, kw) and tile row, outside the channel loop, where it also sets the
// row's address to 0 outside the source (every load stays inside it), and
// selects the pad value (-3, as a word 0xFDFDFDFD) outside; the padded buffer, its
// fill and its copy are gone. Staged kernels keep the padded copy.
// CHECK-LABEL: func.func @padded
// CHECK-SAME:    %[[X:.*]]: memref<1x5x6x8xi8>
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     linalg.
// CHECK:         %[[XF:.*]] = memref.collapse_shape %[[X]]
// CHECK:         %[[XW:.*]] = memref.view %[[XF]][%{{.*}}][] : memref<240xi8> to memref<60xi32>
// CHECK:         gpu.launch
// CHECK:           scf.for
// CHECK:             scf.for
// CHECK:               %[[H:.*]] = arith.cmpi ult, %{{.*}}, %c5{{(_[0-9]+)?}} : index
// CHECK:               %[[W:.*]] = arith.cmpi ult, %{{.*}}, %c6{{(_[0-9]+)?}} : index
// CHECK:               %[[IN:.*]] = arith.andi %[[H]], %[[W]] : i1
// CHECK:               %[[BASE:.*]] = arith.select %[[IN]], %{{.*}}, %c0{{(_[0-9]+)?}} : index
// CHECK:               scf.for
// CHECK:                 %[[ADDR:.*]] = arith.addi %[[BASE]], %{{.*}} : index
// CHECK:                 %[[WORD:.*]] = arith.divui %[[ADDR]], %c4{{(_[0-9]+)?}} : index
// CHECK:                 %[[V:.*]] = memref.load %[[XW]][%[[WORD]]] : memref<60xi32>
// CHECK:                 arith.select %[[IN]], %[[V]], %c-33686019_i32{{(_[0-9]+)?}} : i32
// CHECK-NOT:     linalg.

// SHARED-LABEL: func.func @padded
// SHARED:         memref.alloc() : memref<1x7x8x8xi8>
// SHARED:         linalg.map
// SHARED:         linalg.copy
// SHARED:         gpu.launch

func.func @padded(%x: memref<1x5x6x8xi8>, %w: memref<3x3x8x4xi8>, %out: memref<1x3x3x4xi32>) {
  %pad = arith.constant -3 : i8
  %c0 = arith.constant 0 : i32
  %p = memref.alloc() : memref<1x7x8x8xi8>
  linalg.map outs(%p : memref<1x7x8x8xi8>)
    (%init: i8) {
      linalg.yield %pad : i8
    }
  %s = memref.subview %p[0, 1, 1, 0] [1, 5, 6, 8] [1, 1, 1, 1] : memref<1x7x8x8xi8> to memref<1x5x6x8xi8, strided<[448, 64, 8, 1], offset: 72>>
  linalg.copy ins(%x : memref<1x5x6x8xi8>) outs(%s : memref<1x5x6x8xi8, strided<[448, 64, 8, 1], offset: 72>>)
  linalg.fill ins(%c0 : i32) outs(%out : memref<1x3x3x4xi32>)
  linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%p, %w : memref<1x7x8x8xi8>, memref<3x3x8x4xi8>) outs(%out : memref<1x3x3x4xi32>)
  return
}

// -----

// NOTE: the padded buffer has a second reader, so the padded copy stays.
// CHECK-LABEL: func.func @padded_two_readers
// CHECK:         memref.alloc() : memref<1x4x4x4xi8>
// CHECK:         linalg.map
// CHECK:         linalg.copy
// CHECK:         gpu.launch

func.func @padded_two_readers(%x: memref<1x2x2x4xi8>, %w: memref<3x3x4x4xi8>, %out: memref<1x2x2x4xi32>, %raw: memref<1x4x4x4xi8>) {
  %pad = arith.constant 7 : i8
  %c0 = arith.constant 0 : i32
  %p = memref.alloc() : memref<1x4x4x4xi8>
  linalg.map outs(%p : memref<1x4x4x4xi8>)
    (%init: i8) {
      linalg.yield %pad : i8
    }
  %s = memref.subview %p[0, 1, 1, 0] [1, 2, 2, 4] [1, 1, 1, 1] : memref<1x4x4x4xi8> to memref<1x2x2x4xi8, strided<[64, 16, 4, 1], offset: 20>>
  linalg.copy ins(%x : memref<1x2x2x4xi8>) outs(%s : memref<1x2x2x4xi8, strided<[64, 16, 4, 1], offset: 20>>)
  linalg.fill ins(%c0 : i32) outs(%out : memref<1x2x2x4xi32>)
  linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%p, %w : memref<1x4x4x4xi8>, memref<3x3x4x4xi8>) outs(%out : memref<1x2x2x4xi32>)
  linalg.copy ins(%p : memref<1x4x4x4xi8>) outs(%raw : memref<1x4x4x4xi8>)
  return
}

// -----

// 64 rows and 256 columns (64 column groups of 4): one subgroup spans the
// columns and the rest of the 64 invocations the rows (32x2 for a subgroup
// of 32, 8x8 for lavapipe's 8), so a workgroup's rows read the same B
// columns.
// CHECK: module attributes {qc.kernel_configs = {tall_contraction_0 = "tile 8x4, workgroup 32x2, k-step 4, subgroup 32"}}
// SUBGROUP8: module attributes {qc.kernel_configs = {tall_contraction_0 = "tile 8x4, workgroup 8x8, k-step 4, subgroup 8"}}
// With subgroup-broadcast, lane l (gpu.lane_id, SubgroupLocalInvocationId)
// loads row l's A word once per step and each of the 8 rows is broadcast
// from its lane. A uniform check before the loops (from two ballots: every
// active lane has lane 0's workgroup row, lanes 0..7 are active) picks the
// broadcast loops or the plain ones, so correctness does not depend on how
// the device forms subgroups.
// BCAST: module attributes {qc.kernel_configs = {tall_contraction_0 = "tile 8x4, workgroup 8x8, k-step 4, rows broadcast, subgroup 8"}}
// BCAST-LABEL: func.func @tall
// BCAST:         gpu.launch
// BCAST:           %[[LANE:.*]] = gpu.lane_id
// BCAST:           %[[ROW:.*]] = arith.index_cast %{{.*}} : index to i32
// BCAST:           %[[ROW0:.*]] = spirv.GroupNonUniformBroadcast <Subgroup> %[[ROW]], %{{.*}} : i32, i32
// BCAST:           %[[DIFF:.*]] = arith.cmpi ne, %[[ROW]], %[[ROW0]] : i32
// BCAST:           spirv.GroupNonUniformBallot <Subgroup> %[[DIFF]] : vector<4xi32>
// BCAST:           spirv.GroupNonUniformBallot <Subgroup> %true : vector<4xi32>
// BCAST:           %[[ONEROW:.*]] = arith.andi %{{.*}}, %{{.*}} : i1
// BCAST:           scf.if %[[ONEROW]]
// BCAST:             scf.for
// BCAST:               arith.cmpi eq, %[[LANE]]
// BCAST:               %[[MINE:.*]] = memref.load
// BCAST-COUNT-8:       spirv.GroupNonUniformBroadcast <Subgroup> %[[MINE]], %{{.*}} : i32, i32
// BCAST:           } else {
// BCAST:             scf.for
// BCAST-COUNT-12:      memref.load
// BCAST-NOT:           spirv.GroupNonUniformBroadcast
// BCAST:           memref.store
func.func @tall(%a: memref<64x16xi8>, %b: memref<16x256xi8>, %c: memref<64x256xi32>) {
  %c0 = arith.constant 0 : i32
  linalg.fill ins(%c0 : i32) outs(%c : memref<64x256xi32>)
  linalg.matmul ins(%a, %b : memref<64x16xi8>, memref<16x256xi8>) outs(%c : memref<64x256xi32>)
  return
}
