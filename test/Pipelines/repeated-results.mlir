// A function that returns one value twice: qc-copy-repeated-results gives the
// repetition its own buffer before buffer-results-to-out-params (upstream's
// promoteBufferResultsToOutParams crashes on `return %r, %r`, MLIR 22), in
// the bufferization stage both pipelines share; qc-run then fills both
// results on the CPU and on Vulkan.
// RUN: qc-opt %s --qc-cpu-bufferize | FileCheck %s
// RUN: qc-opt %s --qc-spirv-bufferize | FileCheck %s
// RUN: qc-opt %s --qc-cpu-pipeline | FileCheck %s --check-prefix=LLVM
// RUN: qc-opt %s --qc-spirv-pipeline | FileCheck %s --check-prefix=SPIRV
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/../Tools/qc-run/Inputs/npytool.py save %t/a.npy int8 "[10, 20, 30, -128]"
// RUN: qc-run --target=cpu %s --input %t/a.npy --print | FileCheck %s --check-prefix=EXEC
// RUN: qc-run --target=vulkan %s --input %t/a.npy --print | FileCheck %s --check-prefix=EXEC

// CHECK-LABEL: func.func @dup
// CHECK-SAME:    (%[[A:.*]]: memref<4xi8>, %[[OUT0:.*]]: memref<4xi8>, %[[OUT1:.*]]: memref<4xi8>)
// CHECK:         memref.copy %[[OUT0]], %[[OUT1]]
// CHECK:         return
// LLVM: llvm.func @dup
// SPIRV: spirv.module
// EXEC:      result #0: int8[4]
// EXEC-NEXT: [11, 22, 33, -124]
// EXEC-NEXT: result #1: int8[4]
// EXEC-NEXT: [11, 22, 33, -124]
func.func @dup(%a: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi8>) {
  %c = arith.constant dense<[1, 2, 3, 4]> : tensor<4xi8>
  %e = tensor.empty() : tensor<4xi8>
  %r = linalg.add ins(%a, %c : tensor<4xi8>, tensor<4xi8>) outs(%e : tensor<4xi8>) -> tensor<4xi8>
  return %r, %r : tensor<4xi8>, tensor<4xi8>
}
