// The default (vectorized) CPU pipeline on a factorized quantized matmul: the
// second factor multiplies the i16 intermediate by i8 codes; the vectorizer
// leaves that mixed contraction as loops and the result equals the fully
// scalar pipeline (vectorize=false) value for value.
// RUN: %python -c "import numpy as np; np.save('%t.npy', np.arange(-64, 64, dtype=np.int8).reshape(2, 64))"
// RUN: qc-opt %s --qc-low-rank="rank=2" 2>/dev/null > %t.mlir
// RUN: qc-run %t.mlir --input %t.npy --print > %t.vectorized.txt
// RUN: qc-run %t.mlir --input %t.npy --print --pipeline-options=vectorize=false > %t.loops.txt
// RUN: diff %t.vectorized.txt %t.loops.txt
// RUN: FileCheck %s < %t.vectorized.txt
// CHECK: result #0: int8[2x48]

!x = !quant.uniform<i8:f32, 0.05:3>
!w = !quant.uniform<i8<-127:127>:f32, 0.01>
!y = !quant.uniform<i8:f32, 0.3:-2>
func.func @model(%x: tensor<2x64x!x>) -> tensor<2x48x!y> {
  %wc = arith.constant dense<3> : tensor<64x48xi8>
  %w = quant.scast %wc : tensor<64x48xi8> to tensor<64x48x!w>
  %y = qc.matmul %x, %w : tensor<2x64x!x>, tensor<64x48x!w> -> tensor<2x48x!y>
  return %y : tensor<2x48x!y>
}
