// i4 and u4 arguments and results (test/Tools/qc-compile/narrow-codes.test).
!i4 = !quant.uniform<i4:f32, 0.5>
!u4 = !quant.uniform<u4:f32, 1.0:8>
!u4h = !quant.uniform<u4:f32, 0.5>
func.func @codes(%a: tensor<4x!i4>, %b: tensor<4x!u4>) -> (tensor<4x!i4>, tensor<4x!u4>, tensor<4x!u4h>) {
  %r = qc.requantize %b : tensor<4x!u4> -> tensor<4x!u4h>
  return %a, %b, %r : tensor<4x!i4>, tensor<4x!u4>, tensor<4x!u4h>
}
