// qc-cpu-requantize-on-lanes: the i64 fixed-point multiplies of vectorized
// requantizations (RequantizeBuilder.cpp's form after tiling,
// vectorization and canonicalization) rebuilt on i32 lanes: no i32 vector
// is sign-extended to i64 any more; the products are those of the even and
// odd lanes (vector<8xi64> per 16 lanes), one shuffle puts them back.
// RUN: qc-opt %s --qc-lower-to-linalg --qc-widen-narrow-integers \
// RUN:   --qc-cpu-tile-and-vectorize --lower-vector-mask --canonicalize \
// RUN:   --qc-cpu-requantize-on-lanes | FileCheck %s
// Vectors of 32 lanes: two of 16, each rebuilt.
// RUN: qc-opt %s --qc-lower-to-linalg --qc-widen-narrow-integers \
// RUN:   --qc-cpu-tile-and-vectorize=vector-width=32 --lower-vector-mask \
// RUN:   --canonicalize --qc-cpu-requantize-on-lanes | FileCheck %s --check-prefix=W32
// The divide by 2^0 that the canonicalizer folded to x + zext(zext(x < 0) <
// 0) is matched with its high multiply: nothing of it is left on i32.
// RUN: qc-opt %s --qc-lower-to-linalg --qc-widen-narrow-integers \
// RUN:   --qc-cpu-tile-and-vectorize --lower-vector-mask --canonicalize \
// RUN:   --qc-cpu-requantize-on-lanes --canonicalize | FileCheck %s --check-prefix=FOLD
// The pass is in qc-cpu-pipeline's vectorization stage.
// RUN: qc-opt %s --qc-lower-to-linalg --qc-widen-narrow-integers \
// RUN:   --qc-cpu-vectorize | FileCheck %s --check-prefix=STAGE

!a = !quant.uniform<i8:f32, 0.05:2>
!b = !quant.uniform<i8:f32, 0.03:-1>
!y = !quant.uniform<i8:f32, 0.07:3>
!x16 = !quant.uniform<i16:f32, 0.02:0>
!pc = !quant.uniform<i16:f32:1, {0.085, 0.035, 0.029, 0.068, 0.082, 0.097, 0.024, 0.053, 0.091, 0.048, 0.063, 0.012, 0.071, 0.093, 0.084, 0.09}>
!z = !quant.uniform<i8:f32, 0.3:5>

// qc.add: three multiplies with constant multipliers. The first's divide
// by 2^0 and the second's by 2^1 fold, the third's (by 2^19) stays; the
// first is a HighMul (its divide folded away), the others a HighMul and
// RoundingDivideByPOT in one rounding step (a select and a shift per half).
// CHECK-LABEL: func.func @add
// CHECK-NOT: vector<1x16xi64>
// CHECK: %[[W:.*]] = vector.bitcast %{{.*}} : vector<16xi32> to vector<8xi64>
// CHECK: %[[EVEN:.*]] = arith.shrsi %{{.*}} : vector<8xi64>
// CHECK: %[[ODD:.*]] = arith.shrsi %[[W]], %{{.*}} : vector<8xi64>
// CHECK: arith.muli %[[EVEN]], %{{.*}} : vector<8xi64>
// CHECK: arith.muli %[[ODD]], %{{.*}} : vector<8xi64>
// CHECK: vector.shuffle {{.*}} [0, 17, 2, 19, 4, 21, 6, 23, 8, 25, 10, 27, 12, 29, 14, 31] : vector<16xi32>, vector<16xi32>
// CHECK: arith.select {{.*}} : vector<8xi1>, vector<8xi64>
// CHECK: arith.select {{.*}} : vector<8xi1>, vector<8xi64>
// CHECK: vector.shuffle {{.*}} [0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30] : vector<16xi32>, vector<16xi32>
// CHECK: vector.shuffle {{.*}} [0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30] : vector<16xi32>, vector<16xi32>
// CHECK-NOT: vector<1x16xi64>
// CHECK: return
// W32-LABEL: func.func @add
// W32-NOT: vector<1x32xi64>
// W32-COUNT-6: vector.extract_strided_slice %{{.*}} {offsets = [{{0|16}}], sizes = [16], strides = [1]} : vector<32xi32> to vector<16xi32>
// W32-NOT: vector<1x32xi64>
// W32: return
// STAGE-LABEL: func.func @add
// STAGE-NOT: vector<1x16xi64>
// STAGE: arith.muli {{.*}} : vector<8xi64>
// STAGE-NOT: vector<1x16xi64>
// STAGE: return
// FOLD-LABEL: func.func @add
// FOLD-NOT: arith.extui
// FOLD-NOT: arith.cmpi {{.*}} vector<1x16xi32>
// FOLD: return
func.func @add(%arg0: tensor<2x32x!a>, %arg1: tensor<2x32x!b>) -> tensor<2x32x!y> {
  %r = qc.add %arg0, %arg1 : tensor<2x32x!a>, tensor<2x32x!b> -> tensor<2x32x!y>
  return %r : tensor<2x32x!y>
}

// Per-channel multipliers read from a table without INT32_MIN: the
// overflow test of SaturatingRoundingDoublingHighMul is dropped (no compare
// for INT32_MIN, no select of INT32_MAX).
// CHECK-LABEL: func.func @per_channel
// CHECK-NOT: vector<1x16xi64>
// CHECK-COUNT-2: arith.muli {{.*}} : vector<8xi64>
// CHECK: vector.shuffle {{.*}} [0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30] : vector<16xi32>, vector<16xi32>
// CHECK-NOT: arith.cmpi eq
// CHECK-NOT: vector<1x16xi64>
// CHECK: return
func.func @per_channel(%arg0: tensor<2x16x!pc>) -> tensor<2x16x!z> {
  %r = qc.requantize %arg0 : tensor<2x16x!pc> -> tensor<2x16x!z>
  return %r : tensor<2x16x!z>
}

// single_round: the i64 add, shift and clamp on each half. The 16-bit
// input's two sign extensions fold into one (i16 to i64): it is extended to
// i32 lanes.
// CHECK-LABEL: func.func @single_round
// CHECK: arith.extsi {{.*}} : vector<16xi16> to vector<16xi32>
// CHECK-NOT: vector<1x16xi64>
// CHECK-COUNT-2: arith.muli {{.*}} : vector<8xi64>
// CHECK-COUNT-2: arith.minsi {{.*}} : vector<8xi64>
// CHECK: vector.shuffle {{.*}} [0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30] : vector<16xi32>, vector<16xi32>
// CHECK-NOT: vector<1x16xi64>
// CHECK: return
func.func @single_round(%arg0: tensor<2x16x!x16>) -> tensor<2x16x!z> {
  %r = qc.requantize %arg0 profile <single_round> : tensor<2x16x!x16> -> tensor<2x16x!z>
  return %r : tensor<2x16x!z>
}

// An odd number of lanes does not pair up: left on i64.
// CHECK-LABEL: func.func @odd_lanes
// CHECK: arith.extsi {{.*}} to vector<1x7xi64>
// CHECK: arith.muli {{.*}} : vector<1x7xi64>
// CHECK: arith.trunci {{.*}} : vector<1x7xi64> to vector<1x7xi32>
// CHECK-NOT: vector.shuffle
// CHECK: return
func.func @odd_lanes(%arg0: tensor<2x7x!x16>) -> tensor<2x7x!z> {
  %r = qc.requantize %arg0 : tensor<2x7x!x16> -> tensor<2x7x!z>
  return %r : tensor<2x7x!z>
}
