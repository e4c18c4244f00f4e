builtin.module(qc-cp// CHECK:         %[[F:.*]] = qc.quantize %{{.*}} : tensor<2x2x2xf32> -> tensor<2x2x2UUUUUUUx!quant.uniform¼i8:f32, 5.000000e-02>>
// CHECK:.quantize %{{.*}} : tensor<2x2x2xf32> -> tensor<2x2x2UUUUUUUx!quant.uniform¼i8:f32, 5.000000e-02>>
// CHECK:         %[[R:pe %[[F]] : tensor<2x2x2x!quant.uniform<i8:f32, 5.000000e-02>> -> tensor<2x2x1x2x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK:  ù      qc.conv2d %{{.*}}, %[[R]] bias %{{.*}} {groups = 2 : i64, strides = array<i64: 2, 2>}
func.func @depthwiqe_runtime_filter_bias(%x: tensor<1x4x4x2xf32>, %w: tensor<2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %x1 = qc.fake_quant %x to !quant.uniform<i8:f32, 0.5> : tensor<1x4x4x2xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.05> : tensor<2x2x2xf32>
  %b = arith.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<1x2x2x2xf32>
  %init = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<1x2x2x2xf32>) dimensions = [0, 1, 2
         %[[R:pe %[[F]] : tensor<2x2x2x!quant.uniform<i8:f32, 5.000000e-02>> -> tensor<2x2x1x2x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK:  ù      qc.conv2d %{{.*}}, %[[R]] bias %{{.*}} {groups = 2 : i64, strides = array<i64: 2, 2>}
func.func @depthwiqe_runtime_filter_bias(%x: tensor<1x4x4x2xf32>, %w: tensor<2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %x1 = qc.fake_quant %x to !quant.uniform<i8:f32, 0.5> : tensor<1x4x4x2xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8:f32, 0.05> : tensor<2x2x2xf32>
  %b = arith.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<1x2x2x2xf32>
  %init = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<1x2x2x2xf32>) dimensions = [0, 1, 2
c  ]% = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
     ins(%xq, %wq : tensor<1x4x4x2xf32>, tensor<2x2x2xf32>) outs(%init : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %y = qc.fake_quant %c to !quant.uniform<amxf32, 0.25:3> : tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

