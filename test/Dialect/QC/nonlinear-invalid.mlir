// RUN: qc-opt %s -split-input-file -verify-diagnostics
// One case per verifier rule of qc.table, qc.softmax, qc.layer_norm and
// qc.batch_matmul.

func.func @f(%x: tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{table must have 256 entries (2^8 for the operand's storage), got 'tensor<4xi32>'}}
  %y = qc.table %x table dense<[0, 1, 2, 3]> : tensor<4xi32> : tensor<4x!quant.uniform<i8:f32, 0.1>> -> tensor<4x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<4x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%x: tensor<4x!quant.uniform<i2:f32, 0.1>>) -> tensor<4x!quant.uniform<u8<0:100>:f32, 0.1>> {
  // expected-error@+1 {{table entry 2 = 101 is outside the result storage range [0, 100]}}
  %y = qc.table %x table dense<[0, 1, 101, 3]> : tensor<4xi32> : tensor<4x!quant.uniform<i2:f32, 0.1>> -> tensor<4x!quant.uniform<u8<0:100>:f32, 0.1>>
  return %y : tensor<4x!quant.uniform<u8<0:100>:f32, 0.1>>
}

// -----

func.func @f(%x: tensor<4x!quant.uniform<i2:f32, 0.1>>) -> tensor<2x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{operand and result must have the same shape}}
  %y = qc.table %x table dense<[0, 1, 2, 3]> : tensor<4xi32> : tensor<4x!quant.uniform<i2:f32, 0.1>> -> tensor<2x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<2x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%x: tensor<4x2x!quant.uniform<i2:f32:1, {0.1, 0.2}>>) -> tensor<4x2x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{operand must be quantized per tensor}}
  %y = qc.table %x table dense<[0, 1, 2, 3]> : tensor<4xi32> : tensor<4x2x!quant.uniform<i2:f32:1, {0.1, 0.2}>> -> tensor<4x2x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<4x2x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%x: tensor<4x!quant.uniform<i2:f32, 0.1>>) -> tensor<4x!quant.uniform<i8:f16, 0.1>> {
  // expected-error@+1 {{quantized types must share one expressed type}}
  %y = qc.table %x table dense<[0, 1, 2, 3]> : tensor<4xi32> : tensor<4x!quant.uniform<i2:f32, 0.1>> -> tensor<4x!quant.uniform<i8:f16, 0.1>>
  return %y : tensor<4x!quant.uniform<i8:f16, 0.1>>
}

// -----

// 16-bit input is accepted (nonlinear-16bit.mlir); wider storage is not (the
// rule of every qc tensor): a table of 2^17 or more exponentials.
func.func @f(%x: tensor<4x!quant.uniform<i17:f32, 0.1>>) -> tensor<4x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{operand storage width must be in [2, 16], got 17}}
  %y = qc.softmax %x axis 0 : tensor<4x!quant.uniform<i17:f32, 0.1>> -> tensor<4x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<4x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%x: tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{axis 1 is outside the rank 1}}
  %y = qc.softmax %x axis 1 : tensor<4x!quant.uniform<i8:f32, 0.1>> -> tensor<4x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<4x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%x: tensor<?x!quant.uniform<i8:f32, 0.1>>) -> tensor<?x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{the softmax axis must be static}}
  %y = qc.softmax %x axis 0 : tensor<?x!quant.uniform<i8:f32, 0.1>> -> tensor<?x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<?x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%x: tensor<4x2x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x2x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{gamma and beta must have 2 entries (the last axis), got 3 and 2}}
  %y = qc.layer_norm %x gamma [1.0, 1.0, 1.0] beta [0.0, 0.0] epsilon 1.0e-5 : tensor<4x2x!quant.uniform<i8:f32, 0.1>> -> tensor<4x2x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<4x2x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%x: tensor<4x2x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x2x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{gamma and beta must be finite}}
  %y = qc.layer_norm %x gamma [1.0, 0x7FF0000000000000] beta [0.0, 0.0] epsilon 1.0e-5 : tensor<4x2x!quant.uniform<i8:f32, 0.1>> -> tensor<4x2x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<4x2x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%x: tensor<4x2x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x2x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{epsilon must be finite and >= 0, got -1.000000e+00}}
  %y = qc.layer_norm %x gamma [1.0, 1.0] beta [0.0, 0.0] epsilon -1.0 : tensor<4x2x!quant.uniform<i8:f32, 0.1>> -> tensor<4x2x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<4x2x!quant.uniform<i8:f32, 0.1>>
}

// -----

// Codes wider than 16 bits (the rule of every qc tensor): c_i = D x_i - S
// would leave i32 and D sum x^2 i64.
func.func @f(%x: tensor<4x8x!quant.uniform<i32:f32, 0.1>>) -> tensor<4x8x!quant.uniform<i16:f32, 0.1>> {
  // expected-error@+1 {{operand storage width must be in [2, 16], got 32}}
  %y = qc.layer_norm %x gamma [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0] beta [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0] epsilon 1.0e-5 : tensor<4x8x!quant.uniform<i32:f32, 0.1>> -> tensor<4x8x!quant.uniform<i16:f32, 0.1>>
  return %y : tensor<4x8x!quant.uniform<i16:f32, 0.1>>
}

// -----

// The row bound holds for 16-bit codes as for 8-bit ones.
func.func @f(%x: tensor<2x16385x!quant.uniform<i16:f32, 0.1>>) -> tensor<2x16385x!quant.uniform<i16:f32, 0.1>> {
  // expected-error@+1 {{the last axis must be static and at most 16384 long (so that D * (q - z) - sum fits in i32 and D * sum (q - z)^2 in i64)}}
  %y = qc.layer_norm %x gamma [] beta [] epsilon 1.0e-5 : tensor<2x16385x!quant.uniform<i16:f32, 0.1>> -> tensor<2x16385x!quant.uniform<i16:f32, 0.1>>
  return %y : tensor<2x16385x!quant.uniform<i16:f32, 0.1>>
}

// -----

func.func @f(%x: tensor<2x16385x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x16385x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{the last axis must be static and at most 16384 long}}
  %y = qc.layer_norm %x gamma [] beta [] epsilon 1.0e-5 : tensor<2x16385x!quant.uniform<i8:f32, 0.1>> -> tensor<2x16385x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<2x16385x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%a: tensor<4x8x!quant.uniform<i8:f32, 0.1>>, %b: tensor<2x8x5x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x4x5x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{operands and result must have rank 3}}
  %y = qc.batch_matmul %a, %b : tensor<4x8x!quant.uniform<i8:f32, 0.1>>, tensor<2x8x5x!quant.uniform<i8:f32, 0.1>> -> tensor<2x4x5x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<2x4x5x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%a: tensor<2x4x8x!quant.uniform<i8:f32, 0.1>>, %b: tensor<2x7x5x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x4x5x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{K differs: 8 vs 7}}
  %y = qc.batch_matmul %a, %b : tensor<2x4x8x!quant.uniform<i8:f32, 0.1>>, tensor<2x7x5x!quant.uniform<i8:f32, 0.1>> -> tensor<2x4x5x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<2x4x5x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%a: tensor<2x4x8x!quant.uniform<i8:f32, 0.1>>, %b: tensor<3x8x5x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x4x5x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{result must be [B, M, N]}}
  %y = qc.batch_matmul %a, %b : tensor<2x4x8x!quant.uniform<i8:f32, 0.1>>, tensor<3x8x5x!quant.uniform<i8:f32, 0.1>> -> tensor<2x4x5x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<2x4x5x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%a: tensor<2x4x8x!quant.uniform<i8:f32, 0.1>>, %b: tensor<2x8x5x!quant.uniform<i8:f32:2, {0.1, 0.1, 0.1, 0.1, 0.1}>>) -> tensor<2x4x5x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{rhs must be quantized per tensor}}
  %y = qc.batch_matmul %a, %b : tensor<2x4x8x!quant.uniform<i8:f32, 0.1>>, tensor<2x8x5x!quant.uniform<i8:f32:2, {0.1, 0.1, 0.1, 0.1, 0.1}>> -> tensor<2x4x5x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<2x4x5x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%a: tensor<2x4x140000x!quant.uniform<i8:f32, 0.1>>, %b: tensor<2x140000x5x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x4x5x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{i32 accumulator may overflow}}
  %y = qc.batch_matmul %a, %b : tensor<2x4x140000x!quant.uniform<i8:f32, 0.1>>, tensor<2x140000x5x!quant.uniform<i8:f32, 0.1>> -> tensor<2x4x5x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<2x4x5x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%a: tensor<2x4x8x!quant.uniform<i8:f32, 0.1>>, %b: tensor<2x8x5x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x4x5x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{clamp [5, 300] is outside the result storage range [-128, 127]}}
  %y = qc.batch_matmul %a, %b clamp [5, 300] : tensor<2x4x8x!quant.uniform<i8:f32, 0.1>>, tensor<2x8x5x!quant.uniform<i8:f32, 0.1>> -> tensor<2x4x5x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<2x4x5x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{qc.yield operand types must be the result types}}
  %y = qc.float_island "f.float0" -> tensor<4xf32> {
    %c = arith.constant dense<1.0> : tensor<2xf32>
    qc.yield %c : tensor<2xf32>
  }
  return %y : tensor<4xf32>
}

// -----

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{needs a name}}
  %y = qc.float_island "" -> tensor<4xf32> {
    qc.yield %x : tensor<4xf32>
  }
  return %y : tensor<4xf32>
}
