// The generic lowering (one output element per invocation), which every
// linalg op that is not a recognized contraction takes:
// RUN: qc-opt %s --qc-spirv-pipeline=contraction-kernels=false | FileCheck %s
// RUN: qc-opt %s --qc-spirv-pipeline="portable contraction-kernels=false" | FileCheck %s --check-prefix=PORTABLE
// RUN: qc-opt %s --qc-spirv-bufferize --qc-spirv-map-to-gpu=contraction-kernels=false | FileCheck %s --check-prefix=GPU
// The default: the fill and the matmul are one tiled kernel.
// RUN: qc-opt %s --qc-spirv-pipeline | FileCheck %s --check-prefix=TILED
// RUN: qc-opt %s --qc-spirv-pipeline=portable | FileCheck %s --check-prefix=TILED-PORTABLE

// TILED-LABEL: func.func @main
// TILED:         gpu.launch_func @main_contraction_0::@main_contraction_0
// TILED-NOT:     gpu.launch_func
// TILED:       spirv.module @__spv__main_contraction_0 Logical GLSL450
// TILED:         spirv.ExecutionMode @main_contraction_0 "LocalSize", 8, 8, 1
// A (37x53) is read by element (53 is not a multiple of 4), B by element.
// TILED-PORTABLE: spirv.module @__spv__main_contraction_0 Logical GLSL450 requires #spirv.vce<v1.3, [Shader, Matrix]
// TILED-PORTABLE-NOT: x i8,

// 37x29 is not a multiple of the 8x8 tile: a guarded kernel still exists, with
// a 4x5 grid (x runs along the 29 contiguous columns), and the accumulator is
// carried by the k loop (no load or store of the output inside it), starting
// from the fill value: no fill kernel (qc-fold-init-fills).
// GPU-LABEL: func.func @main
// GPU-SAME:    %[[A:.*]]: memref<37x53xi8>, %[[B:.*]]: memref<53x29xi8>, %[[C:.*]]: memref<37x29xi32>
// GPU-DAG:     %[[C5:.*]] = arith.constant 5 : index
// GPU-DAG:     %[[C4:.*]] = arith.constant 4 : index
// GPU-DAG:     %[[C8:.*]] = arith.constant 8 : index
// GPU:         gpu.launch_func @main_kernel::@main_kernel blocks in (%[[C4]], %[[C5]], %{{.*}}) threads in (%[[C8]], %[[C8]], %{{.*}}) args(%[[A]] : memref<37x53xi8>, %[[B]] : memref<53x29xi8>, %[[C]] : memref<37x29xi32>)
// GPU-NOT:     gpu.launch_func
// GPU:       gpu.module @main_kernel
// GPU:         %[[ZERO:.*]] = arith.constant 0 : i32
// GPU:         %[[TX:.*]] = gpu.thread_id x
// GPU:         %[[COL:.*]] = arith.addi %[[TX]]
// GPU:         scf.if
// GPU-NOT:       memref.load %{{.*}} : memref<37x29xi32>
// GPU:           %[[SUM:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[ZERO]]) -> (i32)
// GPU-NOT:         memref.store
// GPU:             scf.yield
// GPU:           memref.store %[[SUM]]

// One spirv.module per kernel, with the launch's workgroup size and the
// default target env (8-bit storage, Int8).
// CHECK-LABEL: func.func @main
// CHECK-COUNT-1: gpu.launch_func
// CHECK-NOT: gpu.launch_func
// CHECK: spirv.module @__spv__main_kernel Logical GLSL450 requires #spirv.vce<v1.3, [StorageBuffer8BitAccess, Shader, Int8, Matrix]
// CHECK:   spirv.GlobalVariable @main_kernel_arg_0 bind(0, 0) : !spirv.ptr<!spirv.struct<(!spirv.array<1961 x i8, stride=1> [0])>, StorageBuffer>
// CHECK:   spirv.ExecutionMode @main_kernel "LocalSize", 8, 8, 1
// CHECK: gpu.module @main_kernel attributes {spirv.target_env = #spirv.target_env<#spirv.vce<v1.3, [Shader, Int8, Int16, Int64, StorageBuffer8BitAccess, StorageBuffer16BitAccess]

// Portable: no 8-bit SPIR-V types; i8 buffers are arrays of i32 words.
// PORTABLE: spirv.module @__spv__main_kernel Logical GLSL450 requires #spirv.vce<v1.3, [Shader, Matrix]
// PORTABLE:   spirv.GlobalVariable @main_kernel_arg_0 bind(0, 0) : !spirv.ptr<!spirv.struct<(!spirv.array<491 x i32, stride=4> [0])>, StorageBuffer>
// PORTABLE-NOT: x i8,

func.func @main(%a: tensor<37x53xi8>, %b: tensor<53x29xi8>) -> tensor<37x29xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<37x29xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<37x29xi32>) -> tensor<37x29xi32>
  %r = linalg.matmul ins(%a, %b : tensor<37x53xi8>, tensor<53x29xi8>)
                     outs(%f : tensor<37x29xi32>) -> tensor<37x29xi32>
  return %r : tensor<37x29xi32>
}
