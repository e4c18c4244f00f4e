// Open bug (CPU codegen), found by differential testing
// (test/Integration/Inputs/random_programs.py): an i4 tensor written by
// vectorized code and read by scalar code (or the reverse) is read with
// another layout. LLVM stores a vector<N x i4> bit-packed (two codes per
// byte) while a scalar i4 load/store addresses one element per byte, and
// the CPU pipeline mixes both on one memref<...xi4>.
//
//   qc-run --target=cpu cpu-i4-vector-scalar-layout.mlir \
//       --input cpu-i4-vector-scalar-layout.in.npy --output /tmp/out.npy
//
// input [-3 -2 -1 0 1 2 3]; expected output (the identity) [-3 -2 -1 0 1 2 3]
// (vectorize=false gives it); qc-cpu-pipeline gives e.g. [-3 -1 1 3 7 -1 0]
// (the last three vary from run to run): the first generic writes
// vector<7xi4> packed into 4 bytes, the second reads memref<7x1xi4> one
// byte per element, past what was written.
func.func @main(%x: tensor<7x!quant.uniform<i8:f32, 1.0>>) -> tensor<7x1x!quant.uniform<i8:f32, 1.0>> {
  %q = qc.requantize %x : tensor<7x!quant.uniform<i8:f32, 1.0>> -> tensor<7x!quant.uniform<i4:f32, 1.0>>
  %r = qc.reshape %q : tensor<7x!quant.uniform<i4:f32, 1.0>> -> tensor<7x1x!quant.uniform<i4:f32, 1.0>>
  %y = qc.requantize %r : tensor<7x1x!quant.uniform<i4:f32, 1.0>> -> tensor<7x1x!quant.uniform<i8:f32, 1.0>>
  return %y : tensor<7x1x!quant.uniform<i8:f32, 1.0>>
}
