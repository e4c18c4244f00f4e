// RUN: qc-opt %s --qc-strided-copies-to-linalg | FileCheck %s

// A copy into the interior of a padded buffer (bufferized tensor.pad) becomes
// a linalg.copy, i.e. a device kernel.
// CHECK-LABEL: func.func @pad_interior
// CHECK:         %[[V:.*]] = memref.subview
// CHECK-NEXT:    linalg.copy ins(%{{.*}} : memref<2x3xi8>) outs(%[[V]] : memref<2x3xi8, strided<[5, 1], offset: 6>>)
// CHECK-NOT:     memref.copy
func.func @pad_interior(%src: memref<2x3xi8>, %dst: memref<4x5xi8>) {
  %v = memref.subview %dst[1, 1] [2, 3] [1, 1] : memref<4x5xi8> to memref<2x3xi8, strided<[5, 1], offset: 6>>
  memref.copy %src, %v : memref<2x3xi8> to memref<2x3xi8, strided<[5, 1], offset: 6>>
  return
}

// NOTE: a copy between dense buffers stays a (whole-buffer) host copy.
// CHECK-LABEL: func.func @dense
// CHECK:         memref.copy
func.func @dense(%src: memref<2x3xi8>, %dst: memref<2x3xi8>) {
  memref.copy %src, %dst : memref<2x3xi8> to memref<2x3xi8>
  return
}

// A copy of a view onto the same view (a bufferized tensor.insert_slice of
// the extract_slice its producer wrote into: the padded qc.hadamard
// lowering) does nothing and is erased; a copy between two different views
// of one buffer stays a kernel.
// CHECK-LABEL: func.func @self_copy
// CHECK-NOT:     memref.copy
// CHECK:         linalg.copy ins(%{{.*}} : memref<?x2xi32, strided<[8, 1], offset: 6>>) outs(%{{.*}} : memref<?x2xi32, strided<[8, 1], offset: 5>>)
// CHECK-NOT:     copy
// CHECK:         return
func.func @self_copy(%buf: memref<?x8xi32>, %n: index) {
  %a = memref.subview %buf[0, 6] [%n, 2] [1, 1] : memref<?x8xi32> to memref<?x2xi32, strided<[8, 1], offset: 6>>
  %b = memref.subview %buf[0, 6] [%n, 2] [1, 1] : memref<?x8xi32> to memref<?x2xi32, strided<[8, 1], offset: 6>>
  memref.copy %a, %b : memref<?x2xi32, strided<[8, 1], offset: 6>> to memref<?x2xi32, strided<[8, 1], offset: 6>>
  memref.copy %a, %a : memref<?x2xi32, strided<[8, 1], offset: 6>> to memref<?x2xi32, strided<[8, 1], offset: 6>>
  %c = memref.subview %buf[0, 5] [%n, 2] [1, 1] : memref<?x8xi32> to memref<?x2xi32, strided<[8, 1], offset: 5>>
  memref.copy %a, %c : memref<?x2xi32, strided<[8, 1], offset: 6>> to memref<?x2xi32, strided<[8, 1], offset: 5>>
  return
}
