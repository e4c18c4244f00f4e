// RUN: qc-opt %s -split-input-file -verify-diagnostics
// One case per verifier rule of the qc dialect (and of the !quant.uniform
// types it relies on). Each split is a separate module.

// scale <= 0 is rejected by the !quant.uniform parser
// expected-error@+1 {{scale -1.000000e-01 out of expressed type range}}
func.func @f(%x: tensor<4x!quant.uniform<i8:f32, -0.1:3>>) {
  return
}

// -----

// zero point outside the storage range
func.func @f(%x: tensor<4x!quant.uniform<i8:f32, 0.1:300>>) -> tensor<4x!quant.uniform<i8:f32, 0.1:300>> {
  // expected-error@+1 {{operand zero point 300 is outside the storage range [-128, 127]}}
  %0 = qc.clamp %x [0, 10] : tensor<4x!quant.uniform<i8:f32, 0.1:300>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.1:300>>
}

// -----

// per-axis axis outside the rank
func.func @f(%x: tensor<4x2x!quant.uniform<i8:f32:5, {0.1, 0.2}>>) -> tensor<4x2x!quant.uniform<i8:f32:5, {0.1, 0.2}>> {
  // expected-error@+1 {{operand quantized axis 5 is outside the rank 2}}
  %0 = qc.clamp %x [0, 10] : tensor<4x2x!quant.uniform<i8:f32:5, {0.1, 0.2}>>
  return %0 : tensor<4x2x!quant.uniform<i8:f32:5, {0.1, 0.2}>>
}

// -----

// per-axis parameter count differs from the dimension
func.func @f(%x: tensor<4x3x!quant.uniform<i8:f32:1, {0.1, 0.2}>>) -> tensor<4x3x!quant.uniform<i8:f32:1, {0.1, 0.2}>> {
  // expected-error@+1 {{operand has 2 per-axis parameters but dimension 1 has size 3}}
  %0 = qc.clamp %x [0, 10] : tensor<4x3x!quant.uniform<i8:f32:1, {0.1, 0.2}>>
  return %0 : tensor<4x3x!quant.uniform<i8:f32:1, {0.1, 0.2}>>
}

// -----

// storage wider than 16 bits for a value (only biases are i32)
func.func @f(%x: tensor<4x!quant.uniform<i32:f32, 0.1>>) -> tensor<4x!quant.uniform<i32:f32, 0.1>> {
  // expected-error@+1 {{operand storage width must be in [2, 16], got 32}}
  %0 = qc.clamp %x [0, 10] : tensor<4x!quant.uniform<i32:f32, 0.1>>
  return %0 : tensor<4x!quant.uniform<i32:f32, 0.1>>
}

// -----

// fake_quant without parameters
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{needs exactly one of `to !quant.uniform<...>` or min/max}}
  %0 = qc.fake_quant %x  : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// fake_quant with both forms
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{needs exactly one of `to !quant.uniform<...>` or min/max}}
  %0 = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1:3> {min = array<f64: -1.0>, max = array<f64: 1.0>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// axis with the quantized-type form
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{`axis` belongs to the min/max form}}
  %0 = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1:3> {axis = 0} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// fake_quant to a non-quantized type
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{`to` type must be a !quant.uniform type}}
  %0 = qc.fake_quant %x to i8 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// expressed type differs from the operand
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{expressed type 'f16' differs from the operand element type 'f32'}}
  %0 = qc.fake_quant %x to !quant.uniform<i8:f16, 0.1> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// fake_quant zero point out of range
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{quantized type zero point 200 is outside the storage range [-128, 127]}}
  %0 = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1:200> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// fake_quant per-axis size mismatch
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{quantized type has 2 per-axis parameters but dimension 0 has size 4}}
  %0 = qc.fake_quant %x to !quant.uniform<i8:f32:0, {0.1, 0.2}> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// fake_quant to 32-bit storage
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{quantized type storage width must be in [2, 16], got 32}}
  %0 = qc.fake_quant %x to !quant.uniform<i32:f32, 0.1> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// num_bits too large
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{num_bits must be in [2, 16], got 17}}
  %0 = qc.fake_quant %x {min = array<f64: -1.0>, max = array<f64: 1.0>, num_bits = 17} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// num_bits too small
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{num_bits must be in [2, 16], got 1}}
  %0 = qc.fake_quant %x {min = array<f64: -1.0>, max = array<f64: 1.0>, num_bits = 1} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// min without max
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{needs both `min` and `max`}}
  %0 = qc.fake_quant %x {min = array<f64: -1.0>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// min/max lengths differ
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{`min` and `max` must have the same length}}
  %0 = qc.fake_quant %x {min = array<f64: -1.0, -2.0>, max = array<f64: 1.0>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// min/max axis outside the rank
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{axis 2 is outside the rank 1}}
  %0 = qc.fake_quant %x {min = array<f64: -1.0>, max = array<f64: 1.0>, axis = 2} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// per-axis min/max count mismatch
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{has 2 min/max pairs but dimension 0 has size 4}}
  %0 = qc.fake_quant %x {min = array<f64: -1.0, -1.0>, max = array<f64: 1.0, 1.0>, axis = 0} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// per-tensor min/max with several values
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{per-tensor min/max needs one value each}}
  %0 = qc.fake_quant %x {min = array<f64: -1.0, -1.0>, max = array<f64: 1.0, 1.0>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// NaN min
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{min/max must be finite}}
  %0 = qc.fake_quant %x {min = array<f64: 0x7FF8000000000000>, max = array<f64: 1.0>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// empty range
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{min 1.000000e+00 must be less than max 1.000000e+00}}
  %0 = qc.fake_quant %x {min = array<f64: 1.0>, max = array<f64: 1.0>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// fake_quant on an integer tensor
func.func @f(%x: tensor<4xi8>) -> tensor<4xi8> {
  // expected-error@+1 {{operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values}}
  %0 = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1:3> : tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

// quantize shape mismatch
func.func @f(%x: tensor<4xf32>) -> tensor<5x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+1 {{operand and result shapes must match}}
  %0 = qc.quantize %x : tensor<4xf32> -> tensor<5x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<5x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// quantize expressed type mismatch
func.func @f(%x: tensor<4xf16>) -> tensor<4x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+1 {{float element type 'f16' must be the expressed type 'f32'}}
  %0 = qc.quantize %x : tensor<4xf16> -> tensor<4x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// dequantize expressed type mismatch
func.func @f(%x: tensor<4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4xf64> {
  // expected-error@+1 {{float element type 'f64' must be the expressed type 'f32'}}
  %0 = qc.dequantize %x : tensor<4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<4xf64>
  return %0 : tensor<4xf64>
}

// -----

// dequantize shape mismatch
func.func @f(%x: tensor<4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<2x2xf32> {
  // expected-error@+1 {{operand and result shapes must match}}
  %0 = qc.dequantize %x : tensor<4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// requantize shape mismatch
func.func @f(%x: tensor<4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<5x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{operand and result shapes must match}}
  %0 = qc.requantize %x : tensor<4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<5x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<5x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// requantize empty clamp
func.func @f(%x: tensor<4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{clamp [10, 0] is empty (lo > hi)}}
  %0 = qc.requantize %x clamp [10, 0] : tensor<4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<4x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// requantize clamp outside the storage range
func.func @f(%x: tensor<4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{clamp [0, 300] is outside the result storage range [-128, 127]}}
  %0 = qc.requantize %x clamp [0, 300] : tensor<4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<4x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// requantize between expressed types
func.func @f(%x: tensor<4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x!quant.uniform<i8:f16, 0.1>> {
  // expected-error@+1 {{quantized types must share one expressed type}}
  %0 = qc.requantize %x : tensor<4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<4x!quant.uniform<i8:f16, 0.1>>
  return %0 : tensor<4x!quant.uniform<i8:f16, 0.1>>
}

// -----

// requantize changes the axis
func.func @f(%x: tensor<2x2x!quant.uniform<i8:f32:0, {0.1, 0.2}>>) -> tensor<2x2x!quant.uniform<i8:f32:1, {0.1, 0.2}>> {
  // expected-error@+1 {{per-axis operand and result must use the same axis}}
  %0 = qc.requantize %x : tensor<2x2x!quant.uniform<i8:f32:0, {0.1, 0.2}>> -> tensor<2x2x!quant.uniform<i8:f32:1, {0.1, 0.2}>>
  return %0 : tensor<2x2x!quant.uniform<i8:f32:1, {0.1, 0.2}>>
}

// -----

// matmul rank
func.func @f(%a: tensor<2x4x8x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<8x3x!quant.uniform<i8:f32, 0.02>>) -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{lhs, rhs and result must have rank 2}}
  %0 = qc.matmul %a, %w : tensor<2x4x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<8x3x!quant.uniform<i8:f32, 0.02>> -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// matmul K mismatch
func.func @f(%a: tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<7x3x!quant.uniform<i8:f32, 0.02>>) -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{reduction sizes differ: lhs has K = 8, rhs has K = 7}}
  %0 = qc.matmul %a, %w : tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<7x3x!quant.uniform<i8:f32, 0.02>> -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// matmul dynamic K: the accumulator bound needs the reduction size
func.func @f(%a: tensor<4x?x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<?x3x!quant.uniform<i8:f32, 0.02>>) -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{the reduction size K must be static (the i32 accumulator bound is proven from it)}}
  %0 = qc.matmul %a, %w : tensor<4x?x!quant.uniform<i8:f32, 0.1:3>>, tensor<?x3x!quant.uniform<i8:f32, 0.02>> -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// matmul result shape
func.func @f(%a: tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<8x3x!quant.uniform<i8:f32, 0.02>>) -> tensor<4x4x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{result shape must be [M, N]}}
  %0 = qc.matmul %a, %w : tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<8x3x!quant.uniform<i8:f32, 0.02>> -> tensor<4x4x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x4x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// matmul per-axis lhs
func.func @f(%a: tensor<4x8x!quant.uniform<i8:f32:0, {0.1,0.1,0.1,0.1}>>, %w: tensor<8x3x!quant.uniform<i8:f32, 0.02>>) -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{lhs must be quantized per tensor}}
  %0 = qc.matmul %a, %w : tensor<4x8x!quant.uniform<i8:f32:0, {0.1,0.1,0.1,0.1}>>, tensor<8x3x!quant.uniform<i8:f32, 0.02>> -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// matmul rhs quantized along K
func.func @f(%a: tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<8x3x!quant.uniform<i8:f32:0, {0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1}>>) -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{per-axis rhs must be quantized along axis 1 (N)}}
  %0 = qc.matmul %a, %w : tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<8x3x!quant.uniform<i8:f32:0, {0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1}>> -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// matmul bias not i32
func.func @f(%a: tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<8x3x!quant.uniform<i8:f32, 0.02>>, %b: tensor<3x!quant.uniform<i8:f32, 0.002>>) -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{bias must have i32 storage, got 'i8'}}
  %0 = qc.matmul %a, %w bias %b : tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<8x3x!quant.uniform<i8:f32, 0.02>>, tensor<3x!quant.uniform<i8:f32, 0.002>> -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// matmul bias zero point
func.func @f(%a: tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<8x3x!quant.uniform<i8:f32, 0.02>>, %b: tensor<3x!quant.uniform<i32:f32, 0.002:5>>) -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{bias must have zero point 0}}
  %0 = qc.matmul %a, %w bias %b : tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<8x3x!quant.uniform<i8:f32, 0.02>>, tensor<3x!quant.uniform<i32:f32, 0.002:5>> -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// matmul bias shape
func.func @f(%a: tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<8x3x!quant.uniform<i8:f32, 0.02>>, %b: tensor<4x!quant.uniform<i32:f32, 0.002>>) -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{bias must have shape [3]}}
  %0 = qc.matmul %a, %w bias %b : tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<8x3x!quant.uniform<i8:f32, 0.02>>, tensor<4x!quant.uniform<i32:f32, 0.002>> -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// matmul bias scale
func.func @f(%a: tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<8x3x!quant.uniform<i8:f32, 0.02>>, %b: tensor<3x!quant.uniform<i32:f32, 0.003>>) -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{bias scale 3.000000e-03 of channel 0 must equal input scale x weight scale = 2.000000e-03}}
  %0 = qc.matmul %a, %w bias %b : tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<8x3x!quant.uniform<i8:f32, 0.02>>, tensor<3x!quant.uniform<i32:f32, 0.003>> -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// matmul per-channel bias scale
func.func @f(%a: tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<8x3x!quant.uniform<i8:f32:1, {0.02, 0.04, 0.01}>>, %b: tensor<3x!quant.uniform<i32:f32:0, {0.002, 0.004, 0.002}>>) -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{bias scale 2.000000e-03 of channel 2 must equal input scale x weight scale = 1.000000e-03}}
  %0 = qc.matmul %a, %w bias %b : tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<8x3x!quant.uniform<i8:f32:1, {0.02, 0.04, 0.01}>>, tensor<3x!quant.uniform<i32:f32:0, {0.002, 0.004, 0.002}>> -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// matmul accumulator overflow
func.func @f(%a: tensor<4x200000x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<200000x3x!quant.uniform<i8:f32, 0.02>>) -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{i32 accumulator may overflow: 200000 products of up to 131 x 128 exceed 2^31 - 1}}
  %0 = qc.matmul %a, %w : tensor<4x200000x!quant.uniform<i8:f32, 0.1:3>>, tensor<200000x3x!quant.uniform<i8:f32, 0.02>> -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// matmul clamp
func.func @f(%a: tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<8x3x!quant.uniform<i8:f32, 0.02>>) -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{clamp [-200, 0] is outside the result storage range [-128, 127]}}
  %0 = qc.matmul %a, %w clamp [-200, 0] : tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<8x3x!quant.uniform<i8:f32, 0.02>> -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// matmul expressed types differ
func.func @f(%a: tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<8x3x!quant.uniform<i8:f16, 0.02>>) -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{quantized types must share one expressed type}}
  %0 = qc.matmul %a, %w : tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<8x3x!quant.uniform<i8:f16, 0.02>> -> tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x3x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// conv rank
func.func @f(%x: tensor<8x8x4x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>>) -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{input, filter and result must have rank 4 (NHWC, HWCF, NHWF)}}
  %0 = qc.conv2d %x, %w  : tensor<8x8x4x!quant.uniform<i8:f32, 0.1:3>>, tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>> -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// conv strides size
func.func @f(%x: tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>>) -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{strides and dilations need 2 values, padding 4 ([top, bottom, left, right])}}
  %0 = qc.conv2d %x, %w {strides = array<i64: 1>} : tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:3>>, tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>> -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// conv zero stride
func.func @f(%x: tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>>) -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{strides must be positive}}
  %0 = qc.conv2d %x, %w {strides = array<i64: 0, 1>} : tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:3>>, tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>> -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// conv negative dilation
func.func @f(%x: tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>>) -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{dilations must be positive}}
  %0 = qc.conv2d %x, %w {dilations = array<i64: 1, -1>} : tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:3>>, tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>> -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// conv negative padding
func.func @f(%x: tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>>) -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{padding must be non-negative}}
  %0 = qc.conv2d %x, %w {padding = array<i64: 0, 0, -1, 0>} : tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:3>>, tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>> -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// conv zero groups
func.func @f(%x: tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>>) -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{groups must be positive}}
  %0 = qc.conv2d %x, %w {groups = 0} : tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:3>>, tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>> -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// conv groups not dividing
func.func @f(%x: tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>>) -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{groups = 3 must divide the input channels (4) and the filters (6)}}
  %0 = qc.conv2d %x, %w {groups = 3} : tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:3>>, tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>> -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// conv filter depth
func.func @f(%x: tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<3x3x2x6x!quant.uniform<i8:f32, 0.02>>) -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{filter depth must be C / groups = 4, got 2}}
  %0 = qc.conv2d %x, %w  : tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:3>>, tensor<3x3x2x6x!quant.uniform<i8:f32, 0.02>> -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// conv result shape
func.func @f(%x: tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>>) -> tensor<1x8x8x6x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{result shape must be [1, 6, 6, 6]}}
  %0 = qc.conv2d %x, %w  : tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:3>>, tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>> -> tensor<1x8x8x6x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<1x8x8x6x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// conv filter axis
func.func @f(%x: tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<3x3x4x6x!quant.uniform<i8:f32:2, {0.1,0.1,0.1,0.1}>>) -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{per-axis filter must be quantized along axis 3 (F)}}
  %0 = qc.conv2d %x, %w  : tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:3>>, tensor<3x3x4x6x!quant.uniform<i8:f32:2, {0.1,0.1,0.1,0.1}>> -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// conv window larger than input
func.func @f(%x: tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<9x9x4x6x!quant.uniform<i8:f32, 0.02>>) -> tensor<1x0x0x6x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{window is larger than the padded input}}
  %0 = qc.conv2d %x, %w  : tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:3>>, tensor<9x9x4x6x!quant.uniform<i8:f32, 0.02>> -> tensor<1x0x0x6x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<1x0x0x6x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// conv 16x16-bit accumulator overflow
func.func @f(%x: tensor<1x8x8x64x!quant.uniform<i16:f32, 0.1>>, %w: tensor<3x3x64x6x!quant.uniform<i16:f32, 0.1>>) -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{i32 accumulator may overflow: 576 products of up to 32768 x 32768 exceed 2^31 - 1}}
  %0 = qc.conv2d %x, %w  : tensor<1x8x8x64x!quant.uniform<i16:f32, 0.1>>, tensor<3x3x64x6x!quant.uniform<i16:f32, 0.1>> -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// conv per-axis input
func.func @f(%x: tensor<1x8x8x4x!quant.uniform<i8:f32:3, {0.1,0.1,0.1,0.1}>>, %w: tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>>) -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{input must be quantized per tensor}}
  %0 = qc.conv2d %x, %w  : tensor<1x8x8x4x!quant.uniform<i8:f32:3, {0.1,0.1,0.1,0.1}>>, tensor<3x3x4x6x!quant.uniform<i8:f32, 0.02>> -> tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<1x6x6x6x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// add shape mismatch (5 neither 4 nor 1: no broadcast)
func.func @f(%a: tensor<4x!quant.uniform<i8:f32, 0.1:3>>, %b: tensor<5x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{operand dimensions must equal the result's or be 1 (broadcast)}}
  %0 = qc.add %a, %b : tensor<4x!quant.uniform<i8:f32, 0.1:3>>, tensor<5x!quant.uniform<i8:f32, 0.1:3>> -> tensor<4x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// add per-axis operand
func.func @f(%a: tensor<2x2x!quant.uniform<i8:f32:0, {0.1, 0.2}>>, %b: tensor<2x2x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<2x2x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{lhs must be quantized per tensor}}
  %0 = qc.add %a, %b : tensor<2x2x!quant.uniform<i8:f32:0, {0.1, 0.2}>>, tensor<2x2x!quant.uniform<i8:f32, 0.1:3>> -> tensor<2x2x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<2x2x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// add empty clamp
func.func @f(%a: tensor<4x!quant.uniform<i8:f32, 0.1:3>>, %b: tensor<4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{clamp [5, 4] is empty (lo > hi)}}
  %0 = qc.add %a, %b clamp [5, 4] : tensor<4x!quant.uniform<i8:f32, 0.1:3>>, tensor<4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<4x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// mul 16x16-bit overflow
func.func @f(%a: tensor<4x!quant.uniform<i16:f32, 0.1:32767>>, %b: tensor<4x!quant.uniform<i16:f32, 0.1:32767>>) -> tensor<4x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{i32 accumulator may overflow: 1 products of up to 65535 x 65535 exceed 2^31 - 1}}
  %0 = qc.mul %a, %b : tensor<4x!quant.uniform<i16:f32, 0.1:32767>>, tensor<4x!quant.uniform<i16:f32, 0.1:32767>> -> tensor<4x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// mul rank mismatch
func.func @f(%a: tensor<4x!quant.uniform<i8:f32, 0.1:3>>, %b: tensor<4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x5x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{operands and result must have the same rank}}
  %0 = qc.mul %a, %b : tensor<4x!quant.uniform<i8:f32, 0.1:3>>, tensor<4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<4x5x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x5x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// qc.clamp bounds with lo > hi (the rule of every op's clamp)
func.func @f(%x: tensor<4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+1 {{clamp [10, 0] is empty (lo > hi)}}
  %0 = qc.clamp %x [10, 0] : tensor<4x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// clamp outside the storage range
func.func @f(%x: tensor<4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+1 {{clamp [-129, 0] is outside the result storage range [-128, 127]}}
  %0 = qc.clamp %x [-129, 0] : tensor<4x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// qc.clamp above the storage range of an unsigned type
func.func @f(%x: tensor<4x!quant.uniform<u8:f32, 0.1:3>>) -> tensor<4x!quant.uniform<u8:f32, 0.1:3>> {
  // expected-error@+1 {{clamp [3, 256] is outside the result storage range [0, 255]}}
  %0 = qc.clamp %x [3, 256] : tensor<4x!quant.uniform<u8:f32, 0.1:3>>
  return %0 : tensor<4x!quant.uniform<u8:f32, 0.1:3>>
}

// -----

// qc.clamp bounds are a [lo, hi] pair, as every op's clamp
func.func @f(%x: tensor<4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+1 {{'clamp' failed to satisfy constraint: i64 dense array attribute with exactly 2 elements}}
  %0 = qc.clamp %x [0, 5, 9] : tensor<4x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// pool rank
func.func @f(%x: tensor<4x4x2x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<2x2x2x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+1 {{input must have rank 4 (NHWC)}}
  %0 = qc.max_pool2d %x {kernel = array<i64: 2, 2>} : tensor<4x4x2x!quant.uniform<i8:f32, 0.1:3>> -> tensor<2x2x2x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<2x2x2x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// pool empty kernel
func.func @f(%x: tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+1 {{kernel sizes must be positive}}
  %0 = qc.max_pool2d %x {kernel = array<i64: 0, 1>} : tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>> -> tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// pool padding as large as the kernel
func.func @f(%x: tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+1 {{padding must be smaller than the kernel}}
  %0 = qc.avg_pool2d %x {kernel = array<i64: 2, 2>, padding = array<i64: 2, 0, 0, 0>} : tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>> -> tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// average pool tie rounding: one of the #qc.rounding modes
func.func @f(%x: tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<1x2x2x2x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+2 {{expected ::mlir::qc::RoundingMode to be one of: half_even, half_away, half_up}}
  // expected-error@+1 {{failed to parse QC_RoundingModeAttr parameter 'value'}}
  %0 = qc.avg_pool2d %x rounding <half_down> {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>> -> tensor<1x2x2x2x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<1x2x2x2x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// average pool tie rounding: half_up has no engine to match
func.func @f(%x: tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<1x2x2x2x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+1 {{rounding must be half_away (TFLite) or half_even (ONNX Runtime), got half_up}}
  %0 = qc.avg_pool2d %x rounding <half_up> {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>> -> tensor<1x2x2x2x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<1x2x2x2x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// the importer's tie rounding on a float op (the average pool's divisor) must be a #qc.rounding
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{attribute 'qc.rounding' must be a #qc.rounding, got "half_even"}}
  %0 = arith.addf %x, %x {qc.rounding = "half_even"} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// pool changes parameters (the inferred result type keeps them)
func.func @f(%x: tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<1x2x2x2x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+2 {{'qc.avg_pool2d' op inferred type(s) 'tensor<1x2x2x2x!quant.uniform<i8:f32, 1.000000e-01:3>>' are incompatible with return type(s) of operation 'tensor<1x2x2x2x!quant.uniform<i8:f32, 2.500000e-01:-5>>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = qc.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>> -> tensor<1x2x2x2x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<1x2x2x2x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// pool result shape (inferred [1, 2, 2, 2])
func.func @f(%x: tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<1x3x3x2x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+2 {{'qc.max_pool2d' op inferred type(s) 'tensor<1x2x2x2x!quant.uniform<i8:f32, 1.000000e-01:3>>' are incompatible with return type(s) of operation 'tensor<1x3x3x2x!quant.uniform<i8:f32, 1.000000e-01:3>>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = qc.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>> -> tensor<1x3x3x2x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<1x3x3x2x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// pool kernel attribute size
func.func @f(%x: tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<1x3x3x2x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+1 {{'kernel' failed to satisfy constraint}}
  %0 = qc.max_pool2d %x {kernel = array<i64: 2>} : tensor<1x4x4x2x!quant.uniform<i8:f32, 0.1:3>> -> tensor<1x3x3x2x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<1x3x3x2x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// reshape element count
func.func @f(%x: tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<15x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+1 {{element counts differ: 16 vs 15}}
  %0 = qc.reshape %x : tensor<2x8x!quant.uniform<i8:f32, 0.1:3>> -> tensor<15x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<15x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// reshape changes parameters
func.func @f(%x: tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<16x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{operand and result must have the same quantized type}}
  %0 = qc.reshape %x : tensor<2x8x!quant.uniform<i8:f32, 0.1:3>> -> tensor<16x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<16x!quant.uniform<i8:f32, 0.25:-5>>
}

// -----

// reshape of a dynamic shape
func.func @f(%x: tensor<?x8x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<16x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+1 {{shapes must be static}}
  %0 = qc.reshape %x : tensor<?x8x!quant.uniform<i8:f32, 0.1:3>> -> tensor<16x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<16x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// transpose with a non-permutation
func.func @f(%x: tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<8x2x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+1 {{[1, 1] is not a permutation of 0..1}}
  %0 = qc.transpose %x [1, 1] : tensor<2x8x!quant.uniform<i8:f32, 0.1:3>> -> tensor<8x2x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<8x2x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// transpose permutation size
func.func @f(%x: tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<8x2x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+1 {{permutation size must equal the rank}}
  %0 = qc.transpose %x [1, 0, 2] : tensor<2x8x!quant.uniform<i8:f32, 0.1:3>> -> tensor<8x2x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<8x2x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// transpose result shape (inferred 8x2)
func.func @f(%x: tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<2x8x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+2 {{'qc.transpose' op inferred type(s) 'tensor<8x2x!quant.uniform<i8:f32, 1.000000e-01:3>>' are incompatible with return type(s) of operation 'tensor<2x8x!quant.uniform<i8:f32, 1.000000e-01:3>>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = qc.transpose %x [1, 0] : tensor<2x8x!quant.uniform<i8:f32, 0.1:3>> -> tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// transpose leaves the per-axis axis behind (inferred: axis 0)
func.func @f(%x: tensor<2x3x!quant.uniform<i8:f32:1, {0.1,0.2,0.3}>>) -> tensor<3x2x!quant.uniform<i8:f32:1, {0.1,0.2}>> {
  // expected-error@+2 {{'qc.transpose' op inferred type(s) 'tensor<3x2x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01}>>' are incompatible with return type(s) of operation 'tensor<3x2x!quant.uniform<i8:f32:1, {1.000000e-01,2.000000e-01}>>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = qc.transpose %x [1, 0] : tensor<2x3x!quant.uniform<i8:f32:1, {0.1,0.2,0.3}>> -> tensor<3x2x!quant.uniform<i8:f32:1, {0.1,0.2}>>
  return %0 : tensor<3x2x!quant.uniform<i8:f32:1, {0.1,0.2}>>
}

// -----

// concat axis outside the rank
func.func @f(%x: tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<2x8x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+1 {{axis 2 is outside the rank 2}}
  %0 = qc.concat %x axis 2 : (tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// concat of different parameters
func.func @f(%x: tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>, %y: tensor<2x8x!quant.uniform<i8:f32, 0.25:-5>>) -> tensor<4x8x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+1 {{all operands must have one quantized type (requantize first)}}
  %0 = qc.concat %x, %y axis 0 : (tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<2x8x!quant.uniform<i8:f32, 0.25:-5>>) -> tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// concat of mismatched dimensions
func.func @f(%x: tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>, %y: tensor<2x7x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x8x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+1 {{dimension 1 must agree between the operands}}
  %0 = qc.concat %x, %y axis 0 : (tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<2x7x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// concat result size (inferred 4x8)
func.func @f(%x: tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>, %y: tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<5x8x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+2 {{'qc.concat' op inferred type(s) 'tensor<4x8x!quant.uniform<i8:f32, 1.000000e-01:3>>' are incompatible with return type(s) of operation 'tensor<5x8x!quant.uniform<i8:f32, 1.000000e-01:3>>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = qc.concat %x, %y axis 0 : (tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<5x8x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<5x8x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// concat result parameters differ from the operands' (inferred: theirs)
func.func @f(%x: tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>, %y: tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x8x!quant.uniform<i8:f32, 0.25:3>> {
  // expected-error@+2 {{'qc.concat' op inferred type(s) 'tensor<4x8x!quant.uniform<i8:f32, 1.000000e-01:3>>' are incompatible with return type(s) of operation 'tensor<4x8x!quant.uniform<i8:f32, 2.500000e-01:3>>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = qc.concat %x, %y axis 0 : (tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x8x!quant.uniform<i8:f32, 0.25:3>>
  return %0 : tensor<4x8x!quant.uniform<i8:f32, 0.25:3>>
}

// -----

// concat result dimension 1 is 8 for the operands
func.func @f(%x: tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>, %y: tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x9x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+2 {{'qc.concat' op inferred type(s) 'tensor<4x8x!quant.uniform<i8:f32, 1.000000e-01:3>>' are incompatible with return type(s) of operation 'tensor<4x9x!quant.uniform<i8:f32, 1.000000e-01:3>>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = qc.concat %x, %y axis 0 : (tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<2x8x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x9x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<4x9x!quant.uniform<i8:f32, 0.1:3>>
}

// -----

// concat without operands
func.func @f() -> tensor<5x8x!quant.uniform<i8:f32, 0.1:3>> {
  // expected-error@+1 {{needs at least one operand}}
  %0 = qc.concat axis 0 : () -> tensor<5x8x!quant.uniform<i8:f32, 0.1:3>>
  return %0 : tensor<5x8x!quant.uniform<i8:f32, 0.1:3>>
}
