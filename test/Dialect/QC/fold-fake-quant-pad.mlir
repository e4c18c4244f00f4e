// RUN: qc-opt %s -split-input-file --qc-fold-fake-quant | FileCheck %s
// RUN: not qc-opt %s -split-input-file --qc-fold-fake-quant=allow-float=false 2>&1 | FileCheck %s --check-prefix=STRICT
// RUN: qc-opt %s -split-input-file "--qc-fold-fake-quant=report=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT

// A dequantized value padded with +0.0 is the dequantization of its codes
// padded with the zero point: (z - z) * s = +0.0 exactly, for every scale and
// zero point. The integer pad is a tensor.pad of the storage codes between
// quant.scast casts. This is the zero-padded input of a rotated layer whose
// reduction dimension no Hadamard block divides (--qc-hadamard-rotate,
// qc.calibration --rotate=hadamard: K = 5 padded to 8): the rotation then
// folds to the integer qc.hadamard (docs/Hadamard.md).

// STRICT-NOT: error:
// CHECK-LABEL: func.func @padded_rotation
// CHECK-SAME:    (%[[X:.*]]: tensor<3x5xf32>)
// CHECK-DAG:     %[[Z:.*]] = arith.constant -7 : i16
// CHECK-DAG:     %[[Q:.*]] = qc.quantize %[[X]] : tensor<3x5xf32> -> tensor<3x5x!quant.uniform<i16:f32, 1.000000e-03:-7>>
// CHECK:         %[[C:.*]] = quant.scast %[[Q]] : tensor<3x5x!quant.uniform<i16:f32, 1.000000e-03:-7>> to tensor<3x5xi16>
// CHECK:         %[[P:.*]] = tensor.pad %[[C]] low[0, 0] high[0, 3] {
// CHECK:           tensor.yield %[[Z]] : i16
// CHECK:         } : tensor<3x5xi16> to tensor<3x8xi16>
// CHECK:         %[[PQ:.*]] = quant.scast %[[P]] : tensor<3x8xi16> to tensor<3x8x!quant.uniform<i16:f32, 1.000000e-03:-7>>
// CHECK:         %[[H:.*]] = qc.hadamard %[[PQ]] block 8 negate [true, false, false, true, false, false, false, false]
// CHECK-SAME:      : tensor<3x8x!quant.uniform<i16:f32, 1.000000e-03:-7>> -> tensor<3x8x!quant.uniform<i8:f32, 5.000000e-02:1>>
// CHECK:         %[[D:.*]] = qc.dequantize %[[H]]
// CHECK:         return %[[D]]
// REPORT: remark: qc-fold-fake-quant: {{[0-9]+}} integer op(s), 0 op(s) stayed float
func.func @padded_rotation(%x: tensor<3x5xf32>) -> tensor<3x8xf32> {
  %a = qc.fake_quant %x to !quant.uniform<i16:f32, 0.001:-7> : tensor<3x5xf32>
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %a low[0, 0] high[0, 3] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<3x5xf32> to tensor<3x8xf32>
  %h = qc.hadamard %p block 8 negate [true, false, false, true, false, false, false, false] : tensor<3x8xf32> -> tensor<3x8xf32>
  %b = qc.fake_quant %h to !quant.uniform<i8:f32, 0.05:1> : tensor<3x8xf32>
  return %b : tensor<3x8xf32>
}

// -----

// A dynamic batch (as --qc-hadamard-rotate writes for a `?` leading
// dimension) and an unsigned type whose zero point 200 is stored as the i8
// bit pattern -56; padding on the low side too.
// CHECK-LABEL: func.func @dynamic_u8
// CHECK-DAG:     %[[Z:.*]] = arith.constant -56 : i8
// CHECK:         %[[C:.*]] = quant.scast %{{.*}} : tensor<?x27x!quant.uniform<u8:f32, 2.000000e-02:200>> to tensor<?x27xi8>
// CHECK:         %[[P:.*]] = tensor.pad %[[C]] low[0, 1] high[0, 0] {
// CHECK:           tensor.yield %[[Z]] : i8
// CHECK:         } : tensor<?x27xi8> to tensor<?x28xi8>
// CHECK:         %[[PQ:.*]] = quant.scast %[[P]] : tensor<?x28xi8> to tensor<?x28x!quant.uniform<u8:f32, 2.000000e-02:200>>
// CHECK:         qc.hadamard %[[PQ]] block 28 : tensor<?x28x!quant.uniform<u8:f32, 2.000000e-02:200>> -> tensor<?x28x!quant.uniform<i8:f32, 3.000000e-02>>
func.func @dynamic_u8(%x: tensor<?x27xf32>) -> tensor<?x28xf32> {
  %a = qc.fake_quant %x to !quant.uniform<u8:f32, 0.02:200> : tensor<?x27xf32>
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %a low[0, 1] high[0, 0] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<?x27xf32> to tensor<?x28xf32>
  %h = qc.hadamard %p block 28 : tensor<?x28xf32> -> tensor<?x28xf32>
  %b = qc.fake_quant %h to !quant.uniform<i8:f32, 0.03> : tensor<?x28xf32>
  return %b : tensor<?x28xf32>
}

// -----

// The pad alone, between two quantizations with other parameters: the
// integer pad, then a requantize (the pad keeps the input's parameters).
// CHECK-LABEL: func.func @pad_then_requantize
// CHECK:         %[[P:.*]] = tensor.pad %{{.*}} low[1, 0] high[0, 2] {
// CHECK:         } : tensor<2x3xi8> to tensor<3x5xi8>
// CHECK:         %[[PQ:.*]] = quant.scast %[[P]] : tensor<3x5xi8> to tensor<3x5x!quant.uniform<i8:f32, 1.000000e-01:3>>
// CHECK:         qc.requantize %[[PQ]] : tensor<3x5x!quant.uniform<i8:f32, 1.000000e-01:3>> -> tensor<3x5x!quant.uniform<i8:f32, 2.000000e-01:-1>>
func.func @pad_then_requantize(%x: tensor<2x3xf32>) -> tensor<3x5xf32> {
  %a = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1:3> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %a low[1, 0] high[0, 2] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<2x3xf32> to tensor<3x5xf32>
  %b = qc.fake_quant %p to !quant.uniform<i8:f32, 0.2:-1> : tensor<3x5xf32>
  return %b : tensor<3x5xf32>
}

// -----

// NOTE: padding with 1.0 is not the dequantization of any pad of the codes
// in general (1.0 need not be on the grid): the pad and the rotation after it
// stay in float, an error with allow-float=false.
// STRICT: error: 'tensor.pad' has no integer form here (allow-float=false): padding value 1 is not +0.0 (only the zero point code pads exactly)
// STRICT: error: 'qc.hadamard' has no integer form here (allow-float=false): it follows 'tensor.pad', which stays in float
// CHECK-LABEL: func.func @nonzero_pad_value
// CHECK:         tensor.pad %{{.*}} low[0, 0] high[0, 3]
// CHECK:           tensor.yield %{{.*}} : f32
// CHECK:         } : tensor<3x5xf32> to tensor<3x8xf32>
// CHECK:         qc.hadamard %{{.*}} block 8 : tensor<3x8xf32> -> tensor<3x8xf32>
// REPORT: remark: 'tensor.pad' stays in float: padding value 1 is not +0.0 (only the zero point code pads exactly)
func.func @nonzero_pad_value(%x: tensor<3x5xf32>) -> tensor<3x8xf32> {
  %a = qc.fake_quant %x to !quant.uniform<i16:f32, 0.001:-7> : tensor<3x5xf32>
  %one = arith.constant 1.0 : f32
  %p = tensor.pad %a low[0, 0] high[0, 3] {
  ^bb0(%i: index, %j: index):
    tensor.yield %one : f32
  } : tensor<3x5xf32> to tensor<3x8xf32>
  %h = qc.hadamard %p block 8 : tensor<3x8xf32> -> tensor<3x8xf32>
  %b = qc.fake_quant %h to !quant.uniform<i8:f32, 0.05:1> : tensor<3x8xf32>
  return %b : tensor<3x8xf32>
}

// -----

// NOTE: -0.0 compares equal to 0.0 but the zero point dequantizes to +0.0:
// not the same float tensor, so it stays in float too.
// STRICT: error: 'tensor.pad' has no integer form here (allow-float=false): padding value -0 is not +0.0
// CHECK-LABEL: func.func @negative_zero_pad_value
// CHECK:         tensor.yield %{{.*}} : f32
// CHECK-NOT:     quant.scast
func.func @negative_zero_pad_value(%x: tensor<3x5xf32>) -> tensor<3x8xf32> {
  %a = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<3x5xf32>
  %nz = arith.constant -0.0 : f32
  %p = tensor.pad %a low[0, 0] high[0, 3] {
  ^bb0(%i: index, %j: index):
    tensor.yield %nz : f32
  } : tensor<3x5xf32> to tensor<3x8xf32>
  %b = qc.fake_quant %p to !quant.uniform<i8:f32, 0.1> : tensor<3x8xf32>
  return %b : tensor<3x8xf32>
}

// -----

// NOTE: per-axis parameters have one zero point per channel, a pad one
// value: stays in float.
// STRICT: error: 'tensor.pad' has no integer form here (allow-float=false): per-axis parameters have no single zero point to pad with
// CHECK-LABEL: func.func @per_axis
// CHECK:         tensor.yield %{{.*}} : f32
func.func @per_axis(%x: tensor<3x2xf32>) -> tensor<4x2xf32> {
  %a = qc.fake_quant %x to !quant.uniform<i8:f32:1, {0.1:2, 0.2:-3}> : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %a low[0, 0] high[1, 0] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<3x2xf32> to tensor<4x2xf32>
  %b = qc.fake_quant %p to !quant.uniform<i8:f32, 0.1> : tensor<4x2xf32>
  return %b : tensor<4x2xf32>
}
