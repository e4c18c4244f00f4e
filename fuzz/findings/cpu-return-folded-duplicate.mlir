// Open bug (being fixed for issue 12 part 2: the `return %r, %r` crash),
// found by differential testing: results that become the same value only
// after folding crash the CPU pipeline the same way. Here the identity
// transpose folds away, the function returns %c twice, and
// buffer-results-to-out-params (promoteBufferResultsToOutParams) segfaults:
//
//   qc-opt cpu-return-folded-duplicate.mlir --qc-cpu-pipeline
//
// A fix must hold for duplicates created by canonicalization, not only for
// a literal `return %r, %r` in the input.
func.func @main(%x: tensor<2x3x!quant.uniform<i8:f32, 0.1>>)
    -> (tensor<2x3x!quant.uniform<i8:f32, 0.1>>, tensor<2x3x!quant.uniform<i8:f32, 0.1>>) {
  %c = qc.clamp %x min -5 max 90 : tensor<2x3x!quant.uniform<i8:f32, 0.1>>
  %t = qc.transpose %c [0, 1] : tensor<2x3x!quant.uniform<i8:f32, 0.1>> -> tensor<2x3x!quant.uniform<i8:f32, 0.1>>
  return %t, %c : tensor<2x3x!quant.uniform<i8:f32, 0.1>>, tensor<2x3x!quant.uniform<i8:f32, 0.1>>
}
