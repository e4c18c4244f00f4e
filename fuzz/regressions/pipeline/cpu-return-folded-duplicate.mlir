qc-cpu-pipeline
// Found by differential testing (issue 12 part 2, fixed on main by
// lib/Codegen/CPU/CopyRepeatedResults.cpp): results that become the same
// value only after folding crashed the CPU pipeline in
// buffer-results-to-out-params. Here the identity transpose folds away and
// the function returns %c twice.
func.func @main(%x: tensor<2x3x!quant.uniform<i8:f32, 0.1>>)
    -> (tensor<2x3x!quant.uniform<i8:f32, 0.1>>, tensor<2x3x!quant.uniform<i8:f32, 0.1>>) {
  %c = qc.clamp %x [-5, 90] : tensor<2x3x!quant.uniform<i8:f32, 0.1>>
  %t = qc.transpose %c [0, 1] : tensor<2x3x!quant.uniform<i8:f32, 0.1>> -> tensor<2x3x!quant.uniform<i8:f32, 0.1>>
  return %t, %c : tensor<2x3x!quant.uniform<i8:f32, 0.1>>, tensor<2x3x!quant.uniform<i8:f32, 0.1>>
}
