vulkan-bundle:


func.func @dynamic_reduction(%a: tensor<4x?x!quant.uniform<i8:f32, 0.1>>, %b: tensor<?x8x!quant.uniform<i8:f32, 0.02>>)
    -> tensor<4x8x!quant.uniform<i8:f32, 0.25>> {
  // expected-error@+1 {{failed to legalize operation 'qc.matmul'}}
  %y = qc.matmul %a, %b : tensor<4x?x!quant.uniform<i8:f32, 0.1>>, tensor<?x8x!quant.uniform<i8:f32, 0.02>>
                       -> tensor<4x8x!quant.uniform<i8:f32, 0.25>>
  return %y : tensor<4x8x!quant.uniform<i8:f32, 0.25>>
}

