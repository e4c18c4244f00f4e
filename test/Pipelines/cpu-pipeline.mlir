// qc-cpu-pipeline and each of its stages on an int8 matmul with a bias.
// RUN: qc-opt %s --qc-cpu-vectorize | FileCheck %s --check-prefix=VECTORIZE
// RUN: qc-opt %s --qc-cpu-vectorize --qc-cpu-bufferize | FileCheck %s --check-prefix=BUFFERIZE
// RUN: qc-opt %s --qc-cpu-pipeline | FileCheck %s --check-prefix=LLVM
// RUN: qc-opt %s --qc-cpu-pipeline="vectorize=false" | FileCheck %s --check-prefix=LOOPS
// RUN: qc-opt %s --qc-cpu-pipeline="integer-only=true" | FileCheck %s --check-prefix=LLVM
// RUN: qc-opt %s --qc-cpu-pipeline="cache-tile=16,16,32 register-tile=4,8,8" | FileCheck %s --check-prefix=LLVM
// RUN: qc-opt %s --qc-cpu-pipeline | qc-run --entry matmul_bias --print \
// RUN:   --input %S/Inputs/a-4x16.npy --input %S/Inputs/b-16x8.npy --input %S/Inputs/bias-8.npy | FileCheck %s --check-prefix=EXEC

// VECTORIZE-LABEL: func.func @matmul_bias
// VECTORIZE:       vector.transfer_read {{.*}} : tensor<4x16xi8>, vector<4x16xi8>
// VECTORIZE:       vector.contract {{.*}} : vector<4x16xi8>, vector<16x8xi8> into vector<4x8xi32>
// VECTORIZE-NOT:   linalg.matmul
// VECTORIZE:       arith.addi {{.*}} : vector<1x8xi32>

// Results become caller-allocated out-parameters; nothing is returned.
// BUFFERIZE-LABEL: func.func @matmul_bias
// BUFFERIZE-SAME:    (%{{.*}}: memref<4x16xi8>, %{{.*}}: memref<16x8xi8>, %{{.*}}: memref<8xi32>, %[[OUT:.*]]: memref<4x8xi32>)
// BUFFERIZE-NOT:     tensor<
// BUFFERIZE:         return{{$}}

// LLVM-DAG:   llvm.func @matmul_bias({{.*}}) attributes {llvm.emit_c_interface, qc.abi.inputs = [tensor<4x16xi8>, tensor<16x8xi8>, tensor<8xi32>], qc.abi.results = [tensor<4x8xi32>]}
// LLVM-DAG:   llvm.func @_mlir_ciface_matmul_bias(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
// LLVM-NOT:   func.func
// LLVM-NOT:   vector.

// The plain upstream lowering: scalar loops, no vectors.
// LOOPS:      llvm.func @matmul_bias
// LOOPS-NOT:  vector<
// LOOPS:      llvm.func @_mlir_ciface_matmul_bias

// The lowered module still runs: its signature comes from qc.abi.*.
// EXEC:      result #0: int32[4x8]
// EXEC-NEXT: {{\[\[}}-2324, 13575, -26297, -4028, 18931, 29317, -24580, -28257],

func.func @matmul_bias(%a: tensor<4x16xi8>, %b: tensor<16x8xi8>, %bias: tensor<8xi32>) -> tensor<4x8xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<4x8xi32>
  %z = linalg.fill ins(%c0 : i32) outs(%e : tensor<4x8xi32>) -> tensor<4x8xi32>
  %m = linalg.matmul ins(%a, %b : tensor<4x16xi8>, tensor<16x8xi8>) outs(%z : tensor<4x8xi32>) -> tensor<4x8xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m, %bias : tensor<4x8xi32>, tensor<8xi32>) outs(%e : tensor<4x8xi32>) {
  ^bb0(%x: i32, %y: i32, %o: i32):
    %s = arith.addi %x, %y : i32
    linalg.yield %s : i32
  } -> tensor<4x8xi32>
  return %r : tensor<4x8xi32>
}
