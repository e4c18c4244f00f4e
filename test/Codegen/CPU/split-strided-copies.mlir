// RUN: qc-opt %s --pass-pipeline='builtin.module(func.func(qc-cpu-split-strided-copies))' --split-input-file | FileCheck %s

// The interior of a padded NHWC buffer: each image row (W*C bytes) is
// contiguous in both, so the loops run over N and H.
// CHECK-LABEL: func.func @pad_interior
// CHECK-SAME:    (%[[SRC:.*]]: memref<2x4x4x8xi8>, %[[DST:.*]]: memref<2x6x6x8xi8>)
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK:         %[[IN:.*]] = memref.subview %[[DST]][0, 1, 1, 0] [2, 4, 4, 8] [1, 1, 1, 1]
// CHECK:         scf.for %[[N:.*]] = %[[C0]] to %[[C2]] step %[[C1]] {
// CHECK:           scf.for %[[H:.*]] = %[[C0]] to %[[C4]] step %[[C1]] {
// CHECK:             %[[A:.*]] = memref.subview %[[SRC]][%[[N]], %[[H]], 0, 0] [1, 1, 4, 8] [1, 1, 1, 1] : memref<2x4x4x8xi8> to memref<4x8xi8, strided<[8, 1], offset: ?>>
// CHECK:             %[[B:.*]] = memref.subview %[[IN]][%[[N]], %[[H]], 0, 0] [1, 1, 4, 8] [1, 1, 1, 1] : memref<2x4x4x8xi8, strided<[288, 48, 8, 1], offset: 56>> to memref<4x8xi8, strided<[8, 1], offset: ?>>
// CHECK:             memref.copy %[[A]], %[[B]]
// CHECK-NOT:     memref.copy
func.func @pad_interior(%src: memref<2x4x4x8xi8>, %dst: memref<2x6x6x8xi8>) {
  %in = memref.subview %dst[0, 1, 1, 0] [2, 4, 4, 8] [1, 1, 1, 1]
      : memref<2x6x6x8xi8> to memref<2x4x4x8xi8, strided<[288, 48, 8, 1], offset: 56>>
  memref.copy %src, %in : memref<2x4x4x8xi8> to memref<2x4x4x8xi8, strided<[288, 48, 8, 1], offset: 56>>
  return
}

// -----

// A strided source: the split follows the side with the shorter
// contiguous block (here the source's rows of 8 bytes).
// CHECK-LABEL: func.func @strided_source
// CHECK:         scf.for
// CHECK:           scf.for
// CHECK-NOT:         scf.for
// CHECK:             memref.subview %{{.*}} : memref<3x5x8xi8, strided<[100, 16, 1]>> to memref<8xi8, strided<[1], offset: ?>>
// CHECK:             memref.subview %{{.*}} : memref<3x5x8xi8> to memref<8xi8, strided<[1], offset: ?>>
// CHECK:             memref.copy
func.func @strided_source(%src: memref<3x5x8xi8, strided<[100, 16, 1]>>, %dst: memref<3x5x8xi8>) {
  memref.copy %src, %dst : memref<3x5x8xi8, strided<[100, 16, 1]>> to memref<3x5x8xi8>
  return
}

// -----

// A dynamic batch (the padded input of a model compiled with
// `--batch '?'`): the batch loop runs to the source's dimension.
// CHECK-LABEL: func.func @dynamic_batch
// CHECK-SAME:    (%[[SRC:.*]]: memref<?x4x4x8xi8>, %[[DST:.*]]: memref<?x4x4x8xi8, strided<[288, 48, 8, 1], offset: 56>>)
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[N:.*]] = memref.dim %[[SRC]], %[[C0]] : memref<?x4x4x8xi8>
// CHECK:         scf.for %{{.*}} = %[[C0]] to %[[N]]
// CHECK:           scf.for
// CHECK:             memref.copy %{{.*}} : memref<4x8xi8, strided<[8, 1], offset: ?>> to memref<4x8xi8, strided<[8, 1], offset: ?>>
// CHECK-NOT:     memref.copy
func.func @dynamic_batch(%src: memref<?x4x4x8xi8>,
                         %dst: memref<?x4x4x8xi8, strided<[288, 48, 8, 1], offset: 56>>) {
  memref.copy %src, %dst : memref<?x4x4x8xi8> to memref<?x4x4x8xi8, strided<[288, 48, 8, 1], offset: 56>>
  return
}

// -----

// Left alone: contiguous on both sides (LLVM's lowering makes it one
// memcpy), a strided innermost dimension (also with a dynamic batch), a
// dynamic dimension other than the first.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT:     scf.for
// CHECK:         memref.copy %{{.*}} : memref<4x8xi8> to memref<4x8xi8, strided<[8, 1], offset: 8>>
// CHECK-NEXT:    memref.copy %{{.*}} : memref<4x8xi8> to memref<4x8xi8, strided<[16, 2]>>
// CHECK-NEXT:    memref.copy %{{.*}} : memref<4x?xi8> to memref<4x?xi8, strided<[16, 1]>>
// CHECK-NEXT:    memref.copy %{{.*}} : memref<?x8xi8> to memref<?x8xi8, strided<[?, 2]>>
// CHECK-NOT:     scf.for
func.func @left_alone(%a: memref<4x8xi8>, %b: memref<4x8xi8, strided<[8, 1], offset: 8>>,
                      %c: memref<4x8xi8, strided<[16, 2]>>, %d: memref<4x?xi8>,
                      %e: memref<4x?xi8, strided<[16, 1]>>, %f: memref<?x8xi8>,
                      %g: memref<?x8xi8, strided<[?, 2]>>) {
  memref.copy %a, %b : memref<4x8xi8> to memref<4x8xi8, strided<[8, 1], offset: 8>>
  memref.copy %a, %c : memref<4x8xi8> to memref<4x8xi8, strided<[16, 2]>>
  memref.copy %d, %e : memref<4x?xi8> to memref<4x?xi8, strided<[16, 1]>>
  memref.copy %f, %g : memref<?x8xi8> to memref<?x8xi8, strided<[?, 2]>>
  return
}
