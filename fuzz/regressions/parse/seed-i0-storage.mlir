

// matmul result shape
func.func @f(%a: tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, %w: tensor<8x3x!quant.uniform<i8:f32, 0.02>>) -> tensor<4x4x!quant.uniform<i8:f32, 0.25:-5>> {
  // expected-error@+1 {{result shape must be [M, N]}}
  %0 = qc.matmul %a, %w : tensor<4x8x!quant.uniform<i8:f32, 0.1:3>>, tensor<8x3x!quant.uniform<i8:f32, 0.02>> -> tensor<4x4x!quant.uniform<i8:f32, 0.25:-5>>
  return %0 : tensor<4x4x!quant.uniform<i8:f32, 0.25:-5>>
}

