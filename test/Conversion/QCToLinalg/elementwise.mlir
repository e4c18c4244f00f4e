// RUN: qc-opt %s --qc-lower-to-linalg -split-input-file | FileCheck %s

// TFLite addition: both inputs shifted left by L = 20 and rescaled to
// 2 * max(s) = 0.4 (0.1 / 0.4 = 0.25 -> shift -1, 0.2 / 0.4 = 0.5 -> shift 0),
// then 0.4 / (2^20 * 0.3) -> 1431655765 * 2^(-19 - 31).
// CHECK-LABEL: func.func @add
// CHECK-SAME: (%[[A:.*]]: tensor<4xi8>, %[[B:.*]]: tensor<4xi8>) -> tensor<4xi8>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel"]} ins(%[[A]], %[[B]] : tensor<4xi8>, tensor<4xi8>) outs(%{{.*}} : tensor<4xi8>)
// CHECK-DAG: arith.constant 20 : i32
// CHECK-DAG: arith.constant 1073741824 : i32
// CHECK-DAG: arith.constant -1 : i32
// CHECK-DAG: arith.constant 1431655765 : i32
// CHECK-DAG: arith.constant -19 : i32
// CHECK: arith.trunci %{{.*}} : i32 to i8
func.func @add(%a: tensor<4x!quant.uniform<i8:f32, 0.1>>, %b: tensor<4x!quant.uniform<i8:f32, 0.2:1>>)
    -> tensor<4x!quant.uniform<i8:f32, 0.3:-2>> {
  %y = qc.add %a, %b : tensor<4x!quant.uniform<i8:f32, 0.1>>, tensor<4x!quant.uniform<i8:f32, 0.2:1>>
                    -> tensor<4x!quant.uniform<i8:f32, 0.3:-2>>
  return %y : tensor<4x!quant.uniform<i8:f32, 0.3:-2>>
}

// -----

// 16-bit inputs keep L = 15 bits of headroom.
// CHECK-LABEL: func.func @add_i16
// CHECK: arith.constant 15 : i32
// CHECK-NOT: arith.constant 20 : i32
// CHECK: return
func.func @add_i16(%a: tensor<4x!quant.uniform<i16:f32, 0.1>>, %b: tensor<4x!quant.uniform<i16:f32, 0.2>>)
    -> tensor<4x!quant.uniform<i16:f32, 0.3>> {
  %y = qc.add %a, %b : tensor<4x!quant.uniform<i16:f32, 0.1>>, tensor<4x!quant.uniform<i16:f32, 0.2>>
                    -> tensor<4x!quant.uniform<i16:f32, 0.3>>
  return %y : tensor<4x!quant.uniform<i16:f32, 0.3>>
}

// -----

// (a - 3) * (b + 1) then 0.1 * 0.2 / 0.05 = 0.4 -> 1717986918 * 2^(-1 - 31);
// ReLU-style clamp [0, 127] with z_y = 4: [-4, 123] before adding z_y.
// CHECK-LABEL: func.func @mul
// CHECK: linalg.generic
// CHECK-DAG: arith.constant 3 : i32
// CHECK-DAG: arith.constant -1 : i32
// CHECK-DAG: arith.constant 1717986918 : i32
// CHECK-DAG: arith.constant -4 : i32
// CHECK-DAG: arith.constant 123 : i32
// CHECK-DAG: arith.constant 4 : i32
func.func @mul(%a: tensor<2x3x!quant.uniform<i8:f32, 0.1:3>>, %b: tensor<2x3x!quant.uniform<i8:f32, 0.2:-1>>)
    -> tensor<2x3x!quant.uniform<i8:f32, 0.05:4>> {
  %y = qc.mul %a, %b clamp [0, 127] : tensor<2x3x!quant.uniform<i8:f32, 0.1:3>>,
      tensor<2x3x!quant.uniform<i8:f32, 0.2:-1>> -> tensor<2x3x!quant.uniform<i8:f32, 0.05:4>>
  return %y : tensor<2x3x!quant.uniform<i8:f32, 0.05:4>>
}

// -----

// Per-axis input: zero points and multipliers are constant vectors indexed
// by the quantized dimension (d1); 0.5 / 0.1 = 5 gets shift 3, 0.1 / 0.1 = 1
// gets shift 1 (1073741824 * 2^(1 - 31)).
// CHECK: #[[CH:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @requantize_per_axis
// CHECK-DAG: %[[Z:.*]] = arith.constant dense<[1, -2]> : tensor<2xi32>
// CHECK-DAG: %[[M:.*]] = arith.constant dense<[1342177280, 1073741824]> : tensor<2xi32>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<[3, 1]> : tensor<2xi32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[CH]], #[[CH]], #[[CH]], #{{.*}}], {{.*}} ins(%{{.*}}, %[[Z]], %[[M]], %[[S]] : tensor<3x2xi8>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>)
func.func @requantize_per_axis(%x: tensor<3x2x!quant.uniform<i8:f32:1, {0.5:1, 0.1:-2}>>)
    -> tensor<3x2x!quant.uniform<i8:f32, 0.1>> {
  %y = qc.requantize %x : tensor<3x2x!quant.uniform<i8:f32:1, {0.5:1, 0.1:-2}>>
                       -> tensor<3x2x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<3x2x!quant.uniform<i8:f32, 0.1>>
}

// -----

// Clamp compares storage codes directly, unsigned for u8.
// CHECK-LABEL: func.func @clamp_signed
// CHECK-DAG: arith.constant 3 : i8
// CHECK-DAG: arith.constant 90 : i8
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK-LABEL: func.func @clamp_unsigned
// CHECK-DAG: arith.constant -128 : i8
// CHECK-DAG: arith.constant -6 : i8
// CHECK: arith.maxui
// CHECK: arith.minui
func.func @clamp_signed(%x: tensor<4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x!quant.uniform<i8:f32, 0.1:3>> {
  %y = qc.clamp %x [3, 90] : tensor<4x!quant.uniform<i8:f32, 0.1:3>>
  return %y : tensor<4x!quant.uniform<i8:f32, 0.1:3>>
}
func.func @clamp_unsigned(%x: tensor<4x!quant.uniform<u8:f32, 0.1:128>>) -> tensor<4x!quant.uniform<u8:f32, 0.1:128>> {
  %y = qc.clamp %x [128, 250] : tensor<4x!quant.uniform<u8:f32, 0.1:128>>
  return %y : tensor<4x!quant.uniform<u8:f32, 0.1:128>>
}

// -----

// The float boundaries are marked so that --qc-verify-integer-contract
// accepts them; the per-axis scales and bounds are float vectors.
// CHECK-LABEL: func.func @quantize
// CHECK-DAG: arith.constant dense<[1.000000e-01, 2.000000e-01, 3.000000e-01]> : tensor<3xf32>
// CHECK-DAG: arith.constant dense<[-1.290000e+02, -1.300000e+02, -1.310000e+02]> : tensor<3xf32>
// CHECK-DAG: arith.constant dense<[1, 2, 3]> : tensor<3xi32>
// CHECK: linalg.generic {{.*}} attrs = {qc.float_boundary}
// CHECK: arith.divf
// CHECK: math.floor
// CHECK: arith.cmpf oge
// CHECK: arith.fptosi
// CHECK-LABEL: func.func @quantize_half_even
// CHECK: math.roundeven
// CHECK-LABEL: func.func @dequantize
// CHECK: linalg.generic {{.*}} attrs = {qc.float_boundary}
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: arith.subi
// CHECK: arith.sitofp
// CHECK: arith.mulf
func.func @quantize(%x: tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<i8:f32:1, {0.1:1, 0.2:2, 0.3:3}>> {
  %q = qc.quantize %x rounding <half_up> : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<i8:f32:1, {0.1:1, 0.2:2, 0.3:3}>>
  return %q : tensor<2x3x!quant.uniform<i8:f32:1, {0.1:1, 0.2:2, 0.3:3}>>
}
func.func @quantize_half_even(%x: tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<i8:f32, 0.1>> {
  %q = qc.quantize %x : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<i8:f32, 0.1>>
  return %q : tensor<2x3x!quant.uniform<i8:f32, 0.1>>
}
func.func @dequantize(%x: tensor<2x3x!quant.uniform<u8:f32, 0.1:128>>) -> tensor<2x3xf32> {
  %q = qc.dequantize %x : tensor<2x3x!quant.uniform<u8:f32, 0.1:128>> -> tensor<2x3xf32>
  return %q : tensor<2x3xf32>
}

// -----

// Dynamic dimensions come from the operand.
// CHECK-LABEL: func.func @add_dynamic
// CHECK-SAME: (%[[A:.*]]: tensor<?x4xi8>, %{{.*}}: tensor<?x4xi8>) -> tensor<?x4xi8>
// CHECK: %[[D:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x4xi8>
// CHECK: tensor.empty(%[[D]]) : tensor<?x4xi8>
func.func @add_dynamic(%a: tensor<?x4x!quant.uniform<i8:f32, 0.1>>, %b: tensor<?x4x!quant.uniform<i8:f32, 0.2:1>>)
    -> tensor<?x4x!quant.uniform<i8:f32, 0.3:-2>> {
  %y = qc.add %a, %b : tensor<?x4x!quant.uniform<i8:f32, 0.1>>, tensor<?x4x!quant.uniform<i8:f32, 0.2:1>>
                    -> tensor<?x4x!quant.uniform<i8:f32, 0.3:-2>>
  return %y : tensor<?x4x!quant.uniform<i8:f32, 0.3:-2>>
}
