// RUN: qc-opt %s -canonicalize -split-input-file | FileCheck %s

!a = !quant.uniform<i8:f32, 0.1:3>

// Canonicalization must never remove fake quantization: it is what
// --qc-fold-fake-quant turns into integer code.
// CHECK-LABEL: func.func @fake_quant_survives
// CHECK: %[[F:.*]] = qc.fake_quant %{{.*}} to !quant.uniform<i8:f32, 1.000000e-01:3>
// CHECK: return %[[F]]
func.func @fake_quant_survives(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qc.fake_quant %x to !a : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// The min/max form becomes the nudged !quant.uniform form: [-1, 2] on 8 signed
// bits has scale 3/255 and zero point round(-128 + 1 / (3/255)) = -43.
// CHECK-LABEL: func.func @fake_quant_min_max
// CHECK: qc.fake_quant %{{.*}} to !quant.uniform<i8:f32, 0.011764705882352941:-43> : tensor<4xf32>
// CHECK-NOT: min =
func.func @fake_quant_min_max(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qc.fake_quant %x {min = array<f64: -1.0>, max = array<f64: 2.0>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Unsigned narrow-range 4-bit per-axis: [1, 15] grid; a range that excludes 0
// pins the zero point to the end of the grid.
// CHECK-LABEL: func.func @fake_quant_min_max_per_axis
// CHECK: qc.fake_quant %{{.*}} to !quant.uniform<u4<1:15>:f32:1, {0.071428571428571425:8,0.071428571428571425:1,0.071428571428571425:15}>
func.func @fake_quant_min_max_per_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = qc.fake_quant %x {min = array<f64: -0.5, 0.0, -1.0>, max = array<f64: 0.5, 1.0, 0.0>, axis = 1, num_bits = 4, is_unsigned, narrow_range} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// quantize(dequantize(q)) is q: every code survives the float round trip.
// CHECK-LABEL: func.func @quantize_of_dequantize
// CHECK-NEXT: return %arg0
func.func @quantize_of_dequantize(%q: tensor<4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x!quant.uniform<i8:f32, 0.1:3>> {
  %0 = qc.dequantize %q : tensor<4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<4xf32>
  %1 = qc.quantize %0 : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.1:3>>
  return %1 : tensor<4x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// NOTE: dequantize(quantize(x)) rounds x, so it is not x and must stay.
// CHECK-LABEL: func.func @dequantize_of_quantize_is_lossy
// CHECK: qc.quantize
// CHECK: qc.dequantize
func.func @dequantize_of_quantize_is_lossy(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qc.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.1:3>>
  %1 = qc.dequantize %0 : tensor<4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// NOTE: quantize(dequantize(q)) with different parameters is a requantization,
// not an identity.
// CHECK-LABEL: func.func @quantize_of_dequantize_other_type
// CHECK: qc.dequantize
// CHECK: qc.quantize
func.func @quantize_of_dequantize_other_type(%q: tensor<4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x!quant.uniform<i8:f32, 0.2>> {
  %0 = qc.dequantize %q : tensor<4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<4xf32>
  %1 = qc.quantize %0 : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.2>>
  return %1 : tensor<4x!quant.uniform<i8:f32, 0.2>>
}

// -----

// CHECK-LABEL: func.func @requantize_identity
// CHECK-NEXT: return %arg0
func.func @requantize_identity(%q: tensor<4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x!quant.uniform<i8:f32, 0.1:3>> {
  %0 = qc.requantize %q : tensor<4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<4x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// NOTE: a requantize with a clamp changes values even between equal types.
// CHECK-LABEL: func.func @requantize_with_clamp_stays
// CHECK: qc.requantize %arg0 clamp [3, 127]
func.func @requantize_with_clamp_stays(%q: tensor<4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x!quant.uniform<i8:f32, 0.1:3>> {
  %0 = qc.requantize %q clamp [3, 127] : tensor<4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<4x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// A clamp covering the whole storage range is the identity; a narrower one stays.
// CHECK-LABEL: func.func @clamp
// CHECK-NEXT: %[[C:.*]] = qc.clamp %arg0 [3, 127]
// CHECK-NEXT: return %[[C]]
func.func @clamp(%q: tensor<4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x!quant.uniform<i8:f32, 0.1:3>> {
  %0 = qc.clamp %q [-128, 127] : tensor<4x!quant.uniform<i8:f32, 0.1:3>>
  %1 = qc.clamp %0 [3, 127] : tensor<4x!quant.uniform<i8:f32, 0.1:3>>
  return %1 : tensor<4x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// CHECK-LABEL: func.func @reshape_identity
// CHECK-NEXT: return %arg0
func.func @reshape_identity(%q: tensor<2x4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<2x4x!quant.uniform<i8:f32, 0.1:3>> {
  %0 = qc.reshape %q : tensor<2x4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<2x4x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<2x4x!quant.uniform<i8:f32, 0.1:3>>
}
