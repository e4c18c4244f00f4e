builtin.module(func.func(qc-fold-fake-quant))


// expected-error@+1 {{illegal storage type size: 0}}
func.func @f(%q: tensor<4x!quant.uniform<i0:f32, 0.1>>) {
  return
}
