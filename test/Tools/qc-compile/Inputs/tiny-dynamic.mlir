// A QAT layer whose leading (batch) dimension is dynamic.
func.func @main(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %xq = qc.fake_quant %x to !quant.uniform<i8:f32, 0.05:-3> : tensor<?x4xf32>
  %w = arith.constant dense<[[0.1, 0.2, 0.3], [-0.1, -0.2, -0.3], [0.0, 1.5, -1.5], [0.5, 0.5, 0.5]]> : tensor<4x3xf32>
  %wq = qc.fake_quant %w to !quant.uniform<i8<-127:127>:f32, 0.01> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %mm = linalg.matmul ins(%xq, %wq : tensor<?x4xf32>, tensor<4x3xf32>) outs(%init : tensor<?x3xf32>) -> tensor<?x3xf32>
  %b = arith.constant dense<[0.1, -0.2, 1.0]> : tensor<3xf32>
  %add = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%mm, %b : tensor<?x3xf32>, tensor<3xf32>) outs(%e : tensor<?x3xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<?x3xf32>
  %relu6 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%add : tensor<?x3xf32>) outs(%e : tensor<?x3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %lo = arith.maximumf %a, %zero : f32
    %hi = arith.minimumf %lo, %six : f32
    linalg.yield %hi : f32
  } -> tensor<?x3xf32>
  %y = qc.fake_quant %relu6 to !quant.uniform<i8:f32, 0.05:-128> : tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}
