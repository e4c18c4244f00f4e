// Two functions, each with a convolution kernel whose tiles run on OpenMP
// threads with threads=2: both kernels use the `ident_t` globals that the
// translation of the omp dialect adds once per module.
func.func @conv_a(%x: tensor<1x34x34x16xi8>) -> tensor<1x32x32x64xi32> {
  %w = arith.constant dense<3> : tensor<3x3x16x64xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x32x32x64xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<1x32x32x64xi32>) -> tensor<1x32x32x64xi32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x34x34x16xi8>, tensor<3x3x16x64xi8>) outs(%z : tensor<1x32x32x64xi32>) -> tensor<1x32x32x64xi32>
  return %r : tensor<1x32x32x64xi32>
}

func.func @conv_b(%x: tensor<1x34x34x16xi8>) -> tensor<1x32x32x64xi32> {
  %w = arith.constant dense<-2> : tensor<3x3x16x64xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x32x32x64xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<1x32x32x64xi32>) -> tensor<1x32x32x64xi32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x34x34x16xi8>, tensor<3x3x16x64xi8>) outs(%z : tensor<1x32x32x64xi32>) -> tensor<1x32x32x64xi32>
  return %r : tensor<1x32x32x64xi32>
}
