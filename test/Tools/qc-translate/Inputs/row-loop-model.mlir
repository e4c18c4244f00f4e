// A 32x64 by 64x32 int8 product with a requantizing epilogue: one int8
// kernel whose tiles run the epilogue as loops over their rows.
func.func @model(%a: tensor<32x64xi8>, %b: tensor<64x32xi8>, %bias: tensor<32xi32>) -> tensor<32x32xi8> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<32x32xi32>
  %z = linalg.fill ins(%c0 : i32) outs(%e : tensor<32x32xi32>) -> tensor<32x32xi32>
  %m = linalg.matmul ins(%a, %b : tensor<32x64xi8>, tensor<64x32xi8>) outs(%z : tensor<32x32xi32>) -> tensor<32x32xi32>
  %e8 = tensor.empty() : tensor<32x32xi8>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m, %bias : tensor<32x32xi32>, tensor<32xi32>) outs(%e8 : tensor<32x32xi8>) {
  ^bb0(%x: i32, %y: i32, %o: i8):
    %shift = arith.constant 8 : i32
    %lo = arith.constant -128 : i32
    %hi = arith.constant 127 : i32
    %s = arith.addi %x, %y : i32
    %q = arith.shrsi %s, %shift : i32
    %c = arith.maxsi %q, %lo : i32
    %d = arith.minsi %c, %hi : i32
    %t = arith.trunci %d : i32 to i8
    linalg.yield %t : i8
  } -> tensor<32x32xi8>
  return %r : tensor<32x32xi8>
}
