func.func @f(%a: tensor<2xf32>, %e: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = linalg.broadcast ins(%a : tensor<2xf32>) outs(%e : tensor<2x3xf32>) dimensions = [!]
  return %0 : tensor<2x3xf32>
}
