// The tiles of qc-cpu-int8-kernels run on OpenMP threads with threads != 1,
// in sequence (no runtime calls) with threads=1, the default.
// RUN: qc-opt %s --qc-cpu-pipeline="threads=2" | FileCheck %s --check-prefix=OMP
// RUN: qc-opt %s --qc-cpu-pipeline="threads=0" | FileCheck %s --check-prefix=OMPDEFAULT
// RUN: qc-opt %s --qc-cpu-pipeline | FileCheck %s --check-prefix=SEQ

// qc-cpu-outline-kernels puts each kernel in a function of its own: the
// convolution (its packing and register tiles) is @conv_kernel0.
// OMP-LABEL:   llvm.func internal @conv_kernel0(
// OMP:           %[[N:.*]] = llvm.mlir.constant(2 : i32) : i32
// OMP:           omp.parallel num_threads(%[[N]] : i32)
// OMP:             omp.wsloop
// OMP:               omp.loop_nest
// OMP-NOT:       scf.
// OMP-LABEL:   llvm.func @conv(
// OMP-NOT:       omp.
// OMP-LABEL:   llvm.func internal @small_conv_kernel0(
// OMP-NOT:       omp.
// OMPDEFAULT:    omp.parallel {
// SEQ-NOT:       omp.
// SEQ:           llvm.func @conv(
// SEQ-NOT:       omp.
func.func @conv(%x: tensor<1x34x34x16xi8>) -> tensor<1x32x32x64xi32> {
  %w = arith.constant dense<3> : tensor<3x3x16x64xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x32x32x64xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<1x32x32x64xi32>) -> tensor<1x32x32x64xi32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x34x34x16xi8>, tensor<3x3x16x64xi8>) outs(%z : tensor<1x32x32x64xi32>) -> tensor<1x32x32x64xi32>
  return %r : tensor<1x32x32x64xi32>
}

// Too little work to pay for a fork and join (qc-cpu-serialize-small-foralls):
// its tiles run on the calling thread even with threads=2.
func.func @small_conv(%x: tensor<1x10x10x8xi8>) -> tensor<1x8x8x32xi32> {
  %w = arith.constant dense<3> : tensor<3x3x8x32xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x8x8x32xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<1x8x8x32xi32>) -> tensor<1x8x8x32xi32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x10x10x8xi8>, tensor<3x3x8x32xi8>) outs(%z : tensor<1x8x8x32xi32>) -> tensor<1x8x8x32xi32>
  return %r : tensor<1x8x8x32xi32>
}
