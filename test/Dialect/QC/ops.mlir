// RUN: qc-opt %s | FileCheck %s
// RUN: qc-opt %s | qc-opt | FileCheck %s
// RUN: qc-opt %s --mlir-print-op-generic | qc-opt | FileCheck %s
// Round trip of every qc op in its custom assembly format.

!a = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8:f32, 0.02>
!wc = !quant.uniform<i8<-127:127>:f32:1, {0.02, 0.04, 0.01}>
!b = !quant.uniform<i32:f32, 0.002>
!bc = !quant.uniform<i32:f32:0, {0.002, 0.004, 0.001}>
!y = !quant.uniform<i8:f32, 0.25:-5>
!u = !quant.uniform<u8:f32, 0.05:128>

// CHECK-LABEL: func.func @fake_quant
func.func @fake_quant(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  // CHECK: qc.fake_quant %{{.*}} to !quant.uniform<i8:f32, 1.000000e-01:3> : tensor<4x3xf32>
  %0 = qc.fake_quant %x to !a : tensor<4x3xf32>
  // CHECK: qc.fake_quant %{{.*}} to !quant.uniform<i8<-127:127>:f32:1, {{.*}}> rounding <half_away> : tensor<4x3xf32>
  %1 = qc.fake_quant %0 to !wc rounding <half_away> : tensor<4x3xf32>
  // CHECK: qc.fake_quant %{{.*}} {max = array<f64: 2.000000e+00>, min = array<f64: -1.000000e+00>, num_bits = 4 : i64} : tensor<4x3xf32>
  %2 = qc.fake_quant %1 {min = array<f64: -1.0>, max = array<f64: 2.0>, num_bits = 4} : tensor<4x3xf32>
  // CHECK: qc.fake_quant %{{.*}} rounding <half_up> {axis = 1 : i64, is_unsigned, max = {{.*}}, min = {{.*}}, narrow_range} : tensor<4x3xf32>
  %3 = qc.fake_quant %2 rounding <half_up> {min = array<f64: -1.0, 0.0, -3.0>, max = array<f64: 1.0, 1.0, 0.5>, axis = 1, is_unsigned, narrow_range} : tensor<4x3xf32>
  return %3 : tensor<4x3xf32>
}

// CHECK-LABEL: func.func @boundaries
func.func @boundaries(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: %[[Q:.*]] = qc.quantize %{{.*}} rounding <half_away> : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 1.000000e-01:3>>
  %q = qc.quantize %x rounding <half_away> : tensor<4xf32> -> tensor<4x!a>
  // CHECK: %[[R:.*]] = qc.requantize %[[Q]] profile <single_round> clamp [0, 100] : tensor<4x!quant.uniform<i8:f32, 1.000000e-01:3>> -> tensor<4x!quant.uniform<u8:f32, 5.000000e-02:128>>
  %r = qc.requantize %q profile <single_round> clamp [0, 100] : tensor<4x!a> -> tensor<4x!u>
  // CHECK: qc.dequantize %[[R]] : tensor<4x!quant.uniform<u8:f32, 5.000000e-02:128>> -> tensor<4xf32>
  %d = qc.dequantize %r : tensor<4x!u> -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// CHECK-LABEL: func.func @matmul
func.func @matmul(%a: tensor<5x16x!a>, %w: tensor<16x3x!wc>, %b: tensor<3x!bc>, %w1: tensor<16x3x!w>, %b1: tensor<3x!b>)
    -> (tensor<5x3x!y>, tensor<5x3x!y>) {
  // CHECK: qc.matmul %{{.*}}, %{{.*}} bias %{{.*}} clamp [-5, 127] : tensor<5x16x!quant.uniform<i8:f32, 1.000000e-01:3>>, tensor<16x3x!quant.uniform<i8<-127:127>:f32:1, {{.*}}>>, tensor<3x!quant.uniform<i32:f32:0, {{.*}}>> -> tensor<5x3x!quant.uniform<i8:f32, 2.500000e-01:-5>>
  %0 = qc.matmul %a, %w bias %b clamp [-5, 127] : tensor<5x16x!a>, tensor<16x3x!wc>, tensor<3x!bc> -> tensor<5x3x!y>
  // CHECK: qc.matmul %{{.*}}, %{{.*}} bias %{{.*}} profile <single_round> : {{.*}}, {{.*}}, {{.*}} -> tensor<5x3x
  %1 = qc.matmul %a, %w1 bias %b1 profile <single_round> : tensor<5x16x!a>, tensor<16x3x!w>, tensor<3x!b> -> tensor<5x3x!y>
  return %0, %1 : tensor<5x3x!y>, tensor<5x3x!y>
}

// CHECK-LABEL: func.func @conv2d
func.func @conv2d(%x: tensor<1x8x8x4x!a>, %w: tensor<3x3x4x6x!w>, %dw: tensor<3x3x1x8x!w>) -> (tensor<1x4x4x6x!y>, tensor<1x8x8x8x!y>) {
  // CHECK: qc.conv2d %{{.*}}, %{{.*}} {padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x8x8x4x!quant.uniform<i8:f32, 1.000000e-01:3>>, tensor<3x3x4x6x!quant.uniform<i8:f32, 2.000000e-02>> -> tensor<1x4x4x6x!quant.uniform<i8:f32, 2.500000e-01:-5>>
  %0 = qc.conv2d %x, %w {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>} : tensor<1x8x8x4x!a>, tensor<3x3x4x6x!w> -> tensor<1x4x4x6x!y>
  // CHECK: qc.conv2d %{{.*}}, %{{.*}} clamp [-5, 19] {dilations = array<i64: 2, 2>, groups = 4 : i64, padding = array<i64: 2, 2, 2, 2>}
  %1 = qc.conv2d %x, %dw clamp [-5, 19] {dilations = array<i64: 2, 2>, padding = array<i64: 2, 2, 2, 2>, groups = 4} : tensor<1x8x8x4x!a>, tensor<3x3x1x8x!w> -> tensor<1x8x8x8x!y>
  return %0, %1 : tensor<1x4x4x6x!y>, tensor<1x8x8x8x!y>
}

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%a: tensor<2x3x!a>, %b: tensor<2x3x!y>) -> tensor<2x3x!y> {
  // CHECK: qc.add %{{.*}}, %{{.*}} : tensor<2x3x!quant.uniform<i8:f32, 1.000000e-01:3>>, tensor<2x3x!quant.uniform<i8:f32, 2.500000e-01:-5>> -> tensor<2x3x!quant.uniform<i8:f32, 2.500000e-01:-5>>
  %0 = qc.add %a, %b : tensor<2x3x!a>, tensor<2x3x!y> -> tensor<2x3x!y>
  // CHECK: qc.mul %{{.*}}, %{{.*}} profile <single_round> clamp [-5, 127]
  %1 = qc.mul %0, %a profile <single_round> clamp [-5, 127] : tensor<2x3x!y>, tensor<2x3x!a> -> tensor<2x3x!y>
  // CHECK: qc.clamp %{{.*}} [-5, 19] : tensor<2x3x!quant.uniform<i8:f32, 2.500000e-01:-5>>
  %2 = qc.clamp %1 [-5, 19] : tensor<2x3x!y>
  return %2 : tensor<2x3x!y>
}

// CHECK-LABEL: func.func @pooling
func.func @pooling(%x: tensor<1x5x5x3x!a>) -> (tensor<1x2x2x3x!a>, tensor<1x3x3x3x!a>) {
  // CHECK: qc.max_pool2d %{{.*}} {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x5x5x3x!quant.uniform<i8:f32, 1.000000e-01:3>> -> tensor<1x2x2x3x
  %0 = qc.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x5x5x3x!a> -> tensor<1x2x2x3x!a>
  // CHECK: qc.avg_pool2d %{{.*}} {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
  %1 = qc.avg_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>} : tensor<1x5x5x3x!a> -> tensor<1x3x3x3x!a>
  // The default tie rounding (half_away) is not printed; others are.
  // CHECK: qc.avg_pool2d %{{.*}} {kernel = array<i64: 3, 3>} : tensor<1x5x5x3x
  %2 = qc.avg_pool2d %x rounding <half_away> {kernel = array<i64: 3, 3>} : tensor<1x5x5x3x!a> -> tensor<1x3x3x3x!a>
  // CHECK: qc.avg_pool2d %{{.*}} rounding <half_even> {count_include_pad, kernel = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
  %3 = qc.avg_pool2d %x rounding <half_even> {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, count_include_pad} : tensor<1x5x5x3x!a> -> tensor<1x3x3x3x!a>
  return %0, %1 : tensor<1x2x2x3x!a>, tensor<1x3x3x3x!a>
}

// CHECK-LABEL: func.func @shapes
func.func @shapes(%x: tensor<2x8x!a>, %y: tensor<2x3x!a>, %w: tensor<16x3x!wc>) -> (tensor<4x4x!a>, tensor<2x11x!a>, tensor<3x16x!quant.uniform<i8<-127:127>:f32:0, {0.02, 0.04, 0.01}>>) {
  // CHECK: qc.reshape %{{.*}} : tensor<2x8x!quant.uniform<i8:f32, 1.000000e-01:3>> -> tensor<4x4x!quant.uniform<i8:f32, 1.000000e-01:3>>
  %0 = qc.reshape %x : tensor<2x8x!a> -> tensor<4x4x!a>
  // CHECK: qc.concat %{{.*}}, %{{.*}} axis 1 : (tensor<2x8x{{.*}}>, tensor<2x3x{{.*}}>) -> tensor<2x11x
  %1 = qc.concat %x, %y axis 1 : (tensor<2x8x!a>, tensor<2x3x!a>) -> tensor<2x11x!a>
  // CHECK: qc.transpose %{{.*}} [1, 0] : tensor<16x3x!quant.uniform<i8<-127:127>:f32:1, {{.*}}>> -> tensor<3x16x!quant.uniform<i8<-127:127>:f32:0, {{.*}}>>
  %2 = qc.transpose %w [1, 0] : tensor<16x3x!wc> -> tensor<3x16x!quant.uniform<i8<-127:127>:f32:0, {0.02, 0.04, 0.01}>>
  return %0, %1, %2 : tensor<4x4x!a>, tensor<2x11x!a>, tensor<3x16x!quant.uniform<i8<-127:127>:f32:0, {0.02, 0.04, 0.01}>>
}

// Inferred result types: a written type may leave an inferred static
// dimension dynamic (concat, pooling); dynamic operand dimensions propagate.
// CHECK-LABEL: func.func @inferred_shapes
func.func @inferred_shapes(%x: tensor<2x8x!a>, %y: tensor<2x3x!a>, %d: tensor<?x5x5x3x!a>, %t: tensor<?x8x!a>)
    -> (tensor<2x?x!a>, tensor<?x2x2x3x!a>, tensor<1x?x?x1x!a>, tensor<8x?x!a>, tensor<?x16x!a>) {
  // CHECK: qc.concat %{{.*}}, %{{.*}} axis 1 : (tensor<2x8x{{.*}}>, tensor<2x3x{{.*}}>) -> tensor<2x?x
  %0 = qc.concat %x, %y axis 1 : (tensor<2x8x!a>, tensor<2x3x!a>) -> tensor<2x?x!a>
  // CHECK: qc.max_pool2d %{{.*}} -> tensor<?x2x2x3x
  %1 = qc.max_pool2d %d {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<?x5x5x3x!a> -> tensor<?x2x2x3x!a>
  %c = qc.reshape %x : tensor<2x8x!a> -> tensor<1x4x4x1x!a>
  // CHECK: qc.avg_pool2d %{{.*}} -> tensor<1x?x?x1x
  %2 = qc.avg_pool2d %c {kernel = array<i64: 2, 2>} : tensor<1x4x4x1x!a> -> tensor<1x?x?x1x!a>
  // CHECK: qc.transpose %{{.*}} [1, 0] : tensor<?x8x{{.*}}> -> tensor<8x?x
  %3 = qc.transpose %t [1, 0] : tensor<?x8x!a> -> tensor<8x?x!a>
  // CHECK: qc.concat %{{.*}}, %{{.*}} axis 1 : (tensor<?x8x{{.*}}>, tensor<?x8x{{.*}}>) -> tensor<?x16x
  %4 = qc.concat %t, %t axis 1 : (tensor<?x8x!a>, tensor<?x8x!a>) -> tensor<?x16x!a>
  return %0, %1, %2, %3, %4 : tensor<2x?x!a>, tensor<?x2x2x3x!a>, tensor<1x?x?x1x!a>, tensor<8x?x!a>, tensor<?x16x!a>
}

// CHECK-LABEL: func.func @narrow_widths
func.func @narrow_widths(%x: tensor<4xf32>) -> tensor<4x!quant.uniform<i16:f32, 1.0e-3>> {
  // CHECK: qc.quantize %{{.*}} : tensor<4xf32> -> tensor<4x!quant.uniform<i4:f32, 5.000000e-01:-2>>
  %0 = qc.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i4:f32, 0.5:-2>>
  // CHECK: qc.requantize %{{.*}} : tensor<4x!quant.uniform<i4:f32, 5.000000e-01:-2>> -> tensor<4x!quant.uniform<i16:f32, 1.000000e-03>>
  %1 = qc.requantize %0 : tensor<4x!quant.uniform<i4:f32, 0.5:-2>> -> tensor<4x!quant.uniform<i16:f32, 1.0e-3>>
  return %1 : tensor<4x!quant.uniform<i16:f32, 1.0e-3>>
}
