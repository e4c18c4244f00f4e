// RUN: qc-opt %s --qc-verify-integer-contract -split-input-file -verify-diagnostics | FileCheck %s

// Integer code, float values that are only moved (function arguments,
// tensor.empty), and marked float boundaries with their constants pass.
// CHECK-LABEL: func.func @integer_only
func.func @integer_only(%a: tensor<4xi8>, %f: tensor<4xf32>) -> (tensor<4xi32>, tensor<4xf32>) {
  %scale = arith.constant 2.5 : f32
  %e = tensor.empty() : tensor<4xi32>
  %ef = tensor.empty() : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]} ins(%a : tensor<4xi8>) outs(%e : tensor<4xi32>) {
  ^bb0(%x: i8, %o: i32):
    %y = arith.extsi %x : i8 to i32
    linalg.yield %y : i32
  } -> tensor<4xi32>
  %d = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]} ins(%a : tensor<4xi8>) outs(%ef : tensor<4xf32>)
                       attrs = {qc.float_boundary} {
  ^bb0(%x: i8, %o: f32):
    %y = arith.sitofp %x : i8 to f32
    %z = arith.mulf %y, %scale : f32
    linalg.yield %z : f32
  } -> tensor<4xf32>
  return %r, %d : tensor<4xi32>, tensor<4xf32>
}

// -----

func.func @float_compute(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'arith.addf' computes on floating-point values outside a qc.float_boundary op}}
  %b = arith.addf %a, %a : tensor<4xf32>
  return %b : tensor<4xf32>
}

// -----

func.func @float_linalg(%a: tensor<4xf32>, %o: tensor<4xf32>) -> tensor<4xf32> {
  // One error for the op, none for its body.
  // expected-error@+1 {{'linalg.generic' computes on floating-point values outside a qc.float_boundary op}}
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]} ins(%a : tensor<4xf32>) outs(%o : tensor<4xf32>) {
  ^bb0(%x: f32, %y: f32):
    %z = math.exp %x : f32
    linalg.yield %z : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

func.func @float_math(%a: f32) -> f32 {
  // expected-error@+1 {{'math.sqrt' computes on floating-point values}}
  %b = math.sqrt %a : f32
  return %b : f32
}

// -----

// A conversion to float inside unmarked integer code breaks the contract too.
func.func @hidden_float(%a: tensor<4xi32>, %o: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error@+1 {{float constant used by integer compute outside a qc.float_boundary op}}
  %half = arith.constant 0.5 : f32
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]} ins(%a : tensor<4xi32>) outs(%o : tensor<4xi32>) {
  ^bb0(%x: i32, %y: i32):
    // expected-error@+1 {{'arith.sitofp' computes on floating-point values}}
    %f = arith.sitofp %x : i32 to f32
    // expected-note@+2 {{used here by 'arith.mulf'}}
    // expected-error@+1 {{'arith.mulf' computes on floating-point values}}
    %g = arith.mulf %f, %half : f32
    // expected-error@+1 {{'arith.fptosi' computes on floating-point values}}
    %i = arith.fptosi %g : f32 to i32
    linalg.yield %i : i32
  } -> tensor<4xi32>
  return %r : tensor<4xi32>
}

// -----

// expected-error@+1 {{'func.func' still has a !quant type}}
func.func @qc_left(%a: tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{qc op 'qc.clamp' remains; run --qc-lower-to-linalg first}}
  %b = qc.clamp %a [0, 10] : tensor<4x!quant.uniform<i8:f32, 0.1>>
  // expected-error@+1 {{'func.return' still has a !quant type}}
  return %b : tensor<4x!quant.uniform<i8:f32, 0.1>>
}

// -----

// expected-error@+1 {{'func.func' still has a !quant type}}
func.func @quant_signature(%a: tensor<4x!quant.uniform<i8:f32, 0.1>>) {
  return
}
