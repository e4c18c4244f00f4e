// RUN: qc-opt %s -split-input-file -verify-diagnostics
// One case per verifier rule of qc.hadamard (docs/Hadamard.md).

func.func @f(%x: tensor<4x8xf32>) -> tensor<2x8xf32> {
  // expected-error@+1 {{operand and result shapes differ}}
  %r = qc.hadamard %x block 8 : tensor<4x8xf32> -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}

// -----

func.func @f(%x: tensor<4x?xf32>) -> tensor<4x?xf32> {
  // expected-error@+1 {{the rotated (last) dimension must be static}}
  %r = qc.hadamard %x block 8 : tensor<4x?xf32> -> tensor<4x?xf32>
  return %r : tensor<4x?xf32>
}

// -----

func.func @f(%x: tensor<f32>) -> tensor<f32> {
  // expected-error@+1 {{the rotated (last) dimension must be static}}
  %r = qc.hadamard %x block 2 : tensor<f32> -> tensor<f32>
  return %r : tensor<f32>
}

// -----

// 52 = 13 * 4: no Paley order 13 * 2^j divides it (Paley I needs the
// prime 51 or 25, Paley II the prime 25 or 12).
func.func @f(%x: tensor<4x52xf32>) -> tensor<4x52xf32> {
  // expected-error@+1 {{block 52 is not a supported Hadamard size: it must be a power of two >= 2, or m * 2^k with a Paley order m in {12, 20, 24, 28, 36, 44, 48, 60, 68, 72, 76, 80, 84, 104, 108, 124, 132, 140, 148, 152, 164, 168, 180, 192, 196, 200, 204, 212, 220, 224, 228, 240, 252}}
  %r = qc.hadamard %x block 52 : tensor<4x52xf32> -> tensor<4x52xf32>
  return %r : tensor<4x52xf32>
}

// -----

// 24 = 12 * 2 is supported but does not divide 36.
func.func @f(%x: tensor<4x36xf32>) -> tensor<4x36xf32> {
  // expected-error@+1 {{block 24 must divide the last dimension (size 36)}}
  %r = qc.hadamard %x block 24 : tensor<4x36xf32> -> tensor<4x36xf32>
  return %r : tensor<4x36xf32>
}

// -----

func.func @f(%x: tensor<4x12xf32>) -> tensor<4x12xf32> {
  // expected-error@+1 {{block 8 must divide the last dimension (size 12)}}
  %r = qc.hadamard %x block 8 : tensor<4x12xf32> -> tensor<4x12xf32>
  return %r : tensor<4x12xf32>
}

// -----

func.func @f(%x: tensor<4x12xf32>) -> tensor<4x12xf32> {
  // expected-error@+1 {{block 1 is not a supported Hadamard size}}
  %r = qc.hadamard %x block 1 : tensor<4x12xf32> -> tensor<4x12xf32>
  return %r : tensor<4x12xf32>
}

// -----

func.func @f(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error@+1 {{negate has 2 entries; the last dimension has 4}}
  %r = qc.hadamard %x block 4 negate [true, false] : tensor<4x4xf32> -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

// -----

func.func @f(%x: tensor<4x4xf32>) -> tensor<4x4xf16> {
  // expected-error@+1 {{float operand and result must have the same type}}
  %r = qc.hadamard %x block 4 : tensor<4x4xf32> -> tensor<4x4xf16>
  return %r : tensor<4x4xf16>
}

// -----

func.func @f(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error@+1 {{clamp applies to quantized results only}}
  %r = qc.hadamard %x block 4 clamp [0, 1] : tensor<4x4xf32> -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

// -----

func.func @f(%x: tensor<4x4xf32>) -> tensor<4x4x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{operand and result must both be float or both quantized}}
  %r = qc.hadamard %x block 4 : tensor<4x4xf32> -> tensor<4x4x!quant.uniform<i8:f32, 0.1>>
  return %r : tensor<4x4x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%x: tensor<2x4x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3, 0.4}>>) -> tensor<2x4x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{operand must be quantized per tensor}}
  %r = qc.hadamard %x block 4 : tensor<2x4x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3, 0.4}>> -> tensor<2x4x!quant.uniform<i8:f32, 0.1>>
  return %r : tensor<2x4x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%x: tensor<2x4x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x4x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3, 0.4}>> {
  // expected-error@+1 {{result must be quantized per tensor}}
  %r = qc.hadamard %x block 4 : tensor<2x4x!quant.uniform<i8:f32, 0.1>> -> tensor<2x4x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3, 0.4}>>
  return %r : tensor<2x4x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3, 0.4}>>
}

// -----

func.func @f(%x: tensor<2x4x!quant.uniform<i32:f32, 0.1>>) -> tensor<2x4x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{operand storage width must be in [2, 16], got 32}}
  %r = qc.hadamard %x block 4 : tensor<2x4x!quant.uniform<i32:f32, 0.1>> -> tensor<2x4x!quant.uniform<i8:f32, 0.1>>
  return %r : tensor<2x4x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%x: tensor<2x4x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x4x!quant.uniform<i8:f32, 0.1:200>> {
  // expected-error@+1 {{result zero point 200 is outside the storage range [-128, 127]}}
  %r = qc.hadamard %x block 4 : tensor<2x4x!quant.uniform<i8:f32, 0.1>> -> tensor<2x4x!quant.uniform<i8:f32, 0.1:200>>
  return %r : tensor<2x4x!quant.uniform<i8:f32, 0.1:200>>
}

// -----

func.func @f(%x: tensor<2x4x!quant.uniform<i8:f16, 0.1>>) -> tensor<2x4x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{quantized types must share one expressed type}}
  %r = qc.hadamard %x block 4 : tensor<2x4x!quant.uniform<i8:f16, 0.1>> -> tensor<2x4x!quant.uniform<i8:f32, 0.1>>
  return %r : tensor<2x4x!quant.uniform<i8:f32, 0.1>>
}

// -----

// 65536 * 32768 > 2^31 - 1: 16-bit codes in blocks of 2^16 could overflow.
func.func @f(%x: tensor<1x65536x!quant.uniform<i16:f32, 0.1>>) -> tensor<1x65536x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{i32 sums may overflow: block 65536 times codes of up to 32768 exceeds 2^31 - 1}}
  %r = qc.hadamard %x block 65536 : tensor<1x65536x!quant.uniform<i16:f32, 0.1>> -> tensor<1x65536x!quant.uniform<i8:f32, 0.1>>
  return %r : tensor<1x65536x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%x: tensor<2x4x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x4x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{clamp [5, 3] is empty (lo > hi)}}
  %r = qc.hadamard %x block 4 clamp [5, 3] : tensor<2x4x!quant.uniform<i8:f32, 0.1>> -> tensor<2x4x!quant.uniform<i8:f32, 0.1>>
  return %r : tensor<2x4x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%x: tensor<2x4x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x4x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{clamp [0, 200] is outside the result storage range [-128, 127]}}
  %r = qc.hadamard %x block 4 clamp [0, 200] : tensor<2x4x!quant.uniform<i8:f32, 0.1>> -> tensor<2x4x!quant.uniform<i8:f32, 0.1>>
  return %r : tensor<2x4x!quant.uniform<i8:f32, 0.1>>
}
