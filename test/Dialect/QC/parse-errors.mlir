// RUN: qc-opt %s -split-input-file -verify-diagnostics
// RUN: not qc-opt %s -split-input-file 2>&1 | FileCheck %s
// Malformed qc syntax is reported at its location with a non-zero exit.

// CHECK: parse-errors.mlir:[[@LINE+4]]:{{[0-9]+}}: error: custom op 'qc.fake_quant' expected ::mlir::qc::RoundingMode to be one of: half_even, half_away, half_up
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+2 {{expected ::mlir::qc::RoundingMode to be one of: half_even, half_away, half_up}}
  // expected-error@+1 {{failed to parse QC_RoundingModeAttr parameter}}
  %0 = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> rounding <half_down> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @f(%q: tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+2 {{expected ::mlir::qc::RequantProfile to be one of: double_round, single_round}}
  // expected-error@+1 {{failed to parse QC_RequantProfileAttr parameter}}
  %0 = qc.requantize %q profile <triple_round> : tensor<4x!quant.uniform<i8:f32, 0.1>> -> tensor<4x!quant.uniform<i8:f32, 0.1>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%q: tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{expected ':'}}
  %0 = qc.clamp %q [0, 3] tensor<4x!quant.uniform<i8:f32, 0.1>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @f(%q: tensor<4x!quant.uniform<i8:f32, 0.1>>) {
  // expected-error@+1 {{custom op 'qc.does_not_exist' is unknown}}
  %0 = qc.does_not_exist %q : tensor<4x!quant.uniform<i8:f32, 0.1>>
  return
}

// -----

// expected-error@+1 {{illegal storage type size: 0}}
func.func @f(%q: tensor<4x!quant.uniform<i0:f32, 0.1>>) {
  return
}
