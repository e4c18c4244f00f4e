// RUN: qc-opt %s --qc-lower-to-linalg -split-input-file -verify-diagnostics

// NOTE: dynamic shapes are lowered only where they cost nothing at compile
// time (any dimension of the elementwise ops except a per-axis one, M of
// qc.matmul, the batch of convolutions and pooling); the window arithmetic
// needs static spatial sizes. The full conversion reports the op instead of
// leaving it half converted.
func.func @dynamic_height(%x: tensor<1x?x8x3x!quant.uniform<i8:f32, 0.1>>, %w: tensor<3x3x3x4x!quant.uniform<i8:f32, 0.05>>)
    -> tensor<1x?x6x4x!quant.uniform<i8:f32, 0.2>> {
  // expected-error@+1 {{failed to legalize operation 'qc.conv2d'}}
  %y = qc.conv2d %x, %w : tensor<1x?x8x3x!quant.uniform<i8:f32, 0.1>>, tensor<3x3x3x4x!quant.uniform<i8:f32, 0.05>>
                       -> tensor<1x?x6x4x!quant.uniform<i8:f32, 0.2>>
  return %y : tensor<1x?x6x4x!quant.uniform<i8:f32, 0.2>>
}

// -----

func.func @dynamic_columns(%a: tensor<4x16x!quant.uniform<i8:f32, 0.1>>, %b: tensor<16x?x!quant.uniform<i8:f32, 0.02>>)
    -> tensor<4x?x!quant.uniform<i8:f32, 0.25>> {
  // expected-error@+1 {{failed to legalize operation 'qc.matmul'}}
  %y = qc.matmul %a, %b : tensor<4x16x!quant.uniform<i8:f32, 0.1>>, tensor<16x?x!quant.uniform<i8:f32, 0.02>>
                       -> tensor<4x?x!quant.uniform<i8:f32, 0.25>>
  return %y : tensor<4x?x!quant.uniform<i8:f32, 0.25>>
}

// -----

func.func @dynamic_axis(%x: tensor<?x2x!quant.uniform<i8:f32:0, {0.1, 0.2}>>) -> tensor<?x2x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{failed to legalize operation 'qc.requantize'}}
  %y = qc.requantize %x : tensor<?x2x!quant.uniform<i8:f32:0, {0.1, 0.2}>> -> tensor<?x2x!quant.uniform<i8:f32, 0.1>>
  return %y : tensor<?x2x!quant.uniform<i8:f32, 0.1>>
}

// -----

// NOTE: quant.qcast / quant.dcast carry float semantics (rounding mode,
// clamping order) that qc does not adopt: use qc.quantize / qc.dequantize.
func.func @upstream_qcast(%x: tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 0.1>> {
  // expected-error@+1 {{'quant.qcast' has no integer lowering: fold fake quantization into integer qc ops first (--qc-fold-fake-quant)}}
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.1>>
  return %q : tensor<4x!quant.uniform<i8:f32, 0.1>>
}

// -----

// NOTE: a quantized value flowing into an op qc has no rewrite for (here
// tensor.extract) is reported, not left with a !quant type.
func.func @unknown_user(%x: tensor<4x!quant.uniform<i8:f32, 0.1>>, %i: index) -> !quant.uniform<i8:f32, 0.1> {
  // expected-error@+1 {{failed to legalize operation 'tensor.extract'}}
  %e = tensor.extract %x[%i] : tensor<4x!quant.uniform<i8:f32, 0.1>>
  return %e : !quant.uniform<i8:f32, 0.1>
}

// -----

// NOTE: a real multiplier that overflows a double has no fixed-point form.
func.func @multiplier_overflow(%a: tensor<4x!quant.uniform<i8:f64, 1.0e200>>, %b: tensor<4x!quant.uniform<i8:f64, 1.0e200>>)
    -> tensor<4x!quant.uniform<i8:f64, 1.0>> {
  // expected-error@+1 {{failed to legalize operation 'qc.mul'}}
  %y = qc.mul %a, %b : tensor<4x!quant.uniform<i8:f64, 1.0e200>>, tensor<4x!quant.uniform<i8:f64, 1.0e200>>
                    -> tensor<4x!quant.uniform<i8:f64, 1.0>>
  return %y : tensor<4x!quant.uniform<i8:f64, 1.0>>
}

// -----

// NOTE: qc.fake_quant is float QAT semantics; --qc-fold-fake-quant removes it
// before lowering, and the error says so (importer output given as is).
func.func @fake_quant_left(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'qc.fake_quant' has no integer lowering: fold fake quantization into integer qc ops first (--qc-fold-fake-quant)}}
  %y = qc.fake_quant %x to !quant.uniform<i8:f32, 0.05:-3> : tensor<4xf32>
  return %y : tensor<4xf32>
}
