// A GEMM-shaped int8 matmul (20 x 70 x 16, constant weights 3) that
// x86-amx=true computes on AMX tiles (amx-rejected.test; its library
// manifest: test/Tools/qc-compile/manifest-requires.test).
func.func @amx_matmul(%a: tensor<20x70xi8>) -> tensor<20x16xi32> {
  %b = arith.constant dense<3> : tensor<70x16xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<20x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<20x16xi32>) -> tensor<20x16xi32>
  %r = linalg.matmul ins(%a, %b : tensor<20x70xi8>, tensor<70x16xi8>) outs(%z : tensor<20x16xi32>) -> tensor<20x16xi32>
  return %r : tensor<20x16xi32>
}
