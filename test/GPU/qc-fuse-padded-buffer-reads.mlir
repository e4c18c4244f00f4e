// RUN: qc-opt %s --qc-fuse-padded-buffer-reads -split-input-file | FileCheck %s

// The stem convolution's shape in small: an NCHW input transposed to NHWC,
// copied into a buffer padded by 1 and filled with 68, read through a
// collapse_shape by a filter-row gather (rows of 3 taps x 2 channels,
// stride 2). The gather reads the NCHW input itself: the row and column
// are checked (they reach the padding), the channel is not; the fill,
// copy, transpose and both buffers are gone.
// CHECK-LABEL: func.func @stem
// CHECK-SAME:    (%[[X:.*]]: memref<1x2x4x5xi8>, %[[OUT:.*]]: memref<6x3x3x2xi8>)
// CHECK-DAG:     %[[PAD:.*]] = arith.constant 68 : i8
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     linalg.transpose
// CHECK-NOT:     linalg.copy
// CHECK:         linalg.generic
// CHECK-SAME:      outs(%[[OUT]] : memref<6x3x3x2xi8>)
// CHECK-DAG:       %[[I0:.*]] = linalg.index 0
// CHECK-DAG:       %[[I3:.*]] = linalg.index 3
// CHECK:           %[[H:.*]] = arith.addi %[[I0]], %{{.*}} : index
// CHECK:           %[[HIN:.*]] = arith.cmpi ult, %[[H]], %c4 : index
// CHECK:           %[[HS:.*]] = arith.select %[[HIN]], %[[H]], %{{.*}} : index
// CHECK:           %[[WIN:.*]] = arith.cmpi ult, %[[W:.*]], %c5 : index
// CHECK:           %[[IN:.*]] = arith.andi %[[HIN]], %[[WIN]] : i1
// CHECK:           %[[WS:.*]] = arith.select %[[WIN]], %[[W]], %{{.*}} : index
// CHECK:           %[[E:.*]] = memref.load %[[X]][%{{.*}}, %[[I3]], %[[HS]], %[[WS]]] : memref<1x2x4x5xi8>
// CHECK:           %[[V:.*]] = arith.select %[[IN]], %[[E]], %[[PAD]] : i8
// CHECK:           linalg.yield %[[V]] : i8
// CHECK-NOT:     memref.alloc
#rows = affine_map<(d0, d1, d2, d3) -> (d0 * 14 + (d1 * 2 + d2) * 2 + d3)>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @stem(%x: memref<1x2x4x5xi8>, %out: memref<6x3x3x2xi8>) {
  %c68 = arith.constant 68 : i8
  %t = memref.alloc() : memref<1x4x5x2xi8>
  linalg.transpose ins(%x : memref<1x2x4x5xi8>) outs(%t : memref<1x4x5x2xi8>) permutation = [0, 2, 3, 1]
  %p = memref.alloc() : memref<1x6x7x2xi8>
  linalg.map outs(%p : memref<1x6x7x2xi8>)
    (%init: i8) {
      linalg.yield %c68 : i8
    }
  %interior = memref.subview %p[0, 1, 1, 0] [1, 4, 5, 2] [1, 1, 1, 1] : memref<1x6x7x2xi8> to memref<1x4x5x2xi8, strided<[84, 14, 2, 1], offset: 16>>
  linalg.copy ins(%t : memref<1x4x5x2xi8>) outs(%interior : memref<1x4x5x2xi8, strided<[84, 14, 2, 1], offset: 16>>)
  %flat = memref.collapse_shape %p [[0, 1, 2, 3]] : memref<1x6x7x2xi8> into memref<84xi8>
  linalg.generic {indexing_maps = [#rows, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%flat : memref<84xi8>) outs(%out : memref<6x3x3x2xi8>) {
  ^bb0(%in: i8, %o: i8):
    linalg.yield %in : i8
  }
  return
}

// -----

// A source that is not a transpose's output is read directly; an
// elementwise body keeps its other operand. Rows 0 and 5 are padding (the
// row is checked); every column is inside (no check on it).
// CHECK-LABEL: func.func @direct
// CHECK-SAME:    (%[[S:.*]]: memref<4x3xi32>, %[[B:.*]]: memref<6x3xi32>, %[[OUT:.*]]: memref<6x3xi32>)
// CHECK-DAG:     %[[PAD:.*]] = arith.constant -7 : i32
// CHECK-NOT:     memref.alloc
// CHECK:         linalg.generic {{.*}} ins(%[[B]] : memref<6x3xi32>) outs(%[[OUT]] : memref<6x3xi32>)
// CHECK:           ^bb0(%[[BV:.*]]: i32, %{{.*}}: i32):
// CHECK:           arith.cmpi ult
// CHECK-NOT:       arith.cmpi
// CHECK:           %[[E:.*]] = memref.load %[[S]]
// CHECK:           %[[V:.*]] = arith.select %{{.*}}, %[[E]], %[[PAD]] : i32
// CHECK:           %[[R:.*]] = arith.addi %[[V]], %[[BV]] : i32
// CHECK:           linalg.yield %[[R]] : i32
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @direct(%s: memref<4x3xi32>, %b: memref<6x3xi32>, %out: memref<6x3xi32>) {
  %c = arith.constant -7 : i32
  %p = memref.alloc() : memref<6x3xi32>
  linalg.fill ins(%c : i32) outs(%p : memref<6x3xi32>)
  %interior = memref.subview %p[1, 0] [4, 3] [1, 1] : memref<6x3xi32> to memref<4x3xi32, strided<[3, 1], offset: 3>>
  linalg.copy ins(%s : memref<4x3xi32>) outs(%interior : memref<4x3xi32, strided<[3, 1], offset: 3>>)
  linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%p, %b : memref<6x3xi32>, memref<6x3xi32>) outs(%out : memref<6x3xi32>) {
  ^bb0(%v: i32, %w: i32, %o: i32):
    %r = arith.addi %v, %w : i32
    linalg.yield %r : i32
  }
  return
}

// -----

// Left alone: a read whose linear index crosses the padded buffer's rows
// (d1 runs to 9 over rows of 3: no split per dim), a source written between
// the copy and the read, and a padded buffer read twice.
// CHECK-LABEL: func.func @unchanged
// CHECK:         linalg.fill
// CHECK:         linalg.copy
// CHECK:         memref.collapse_shape
// CHECK:         linalg.fill
// CHECK:         linalg.copy
// CHECK:         linalg.fill
// CHECK:         linalg.fill
// CHECK:         linalg.copy
// CHECK-NOT:     memref.load
#cross = affine_map<(d0, d1) -> (d0 * 3 + d1)>
#out2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @unchanged(%s: memref<4x3xi32>, %o1: memref<2x10xi32>, %o2: memref<6x3xi32>, %o3: memref<6x3xi32>) {
  %c = arith.constant 0 : i32
  %one = arith.constant 1 : i32
  %p1 = memref.alloc() : memref<6x3xi32>
  linalg.fill ins(%c : i32) outs(%p1 : memref<6x3xi32>)
  %i1 = memref.subview %p1[1, 0] [4, 3] [1, 1] : memref<6x3xi32> to memref<4x3xi32, strided<[3, 1], offset: 3>>
  linalg.copy ins(%s : memref<4x3xi32>) outs(%i1 : memref<4x3xi32, strided<[3, 1], offset: 3>>)
  %f1 = memref.collapse_shape %p1 [[0, 1]] : memref<6x3xi32> into memref<18xi32>
  linalg.generic {indexing_maps = [#cross, #out2], iterator_types = ["parallel", "parallel"]} ins(%f1 : memref<18xi32>) outs(%o1 : memref<2x10xi32>) {
  ^bb0(%v: i32, %o: i32):
    linalg.yield %v : i32
  }
  %s2 = memref.alloc() : memref<4x3xi32>
  linalg.fill ins(%c : i32) outs(%s2 : memref<4x3xi32>)
  %p2 = memref.alloc() : memref<6x3xi32>
  linalg.fill ins(%c : i32) outs(%p2 : memref<6x3xi32>)
  %i2 = memref.subview %p2[1, 0] [4, 3] [1, 1] : memref<6x3xi32> to memref<4x3xi32, strided<[3, 1], offset: 3>>
  linalg.copy ins(%s2 : memref<4x3xi32>) outs(%i2 : memref<4x3xi32, strided<[3, 1], offset: 3>>)
  linalg.fill ins(%one : i32) outs(%s2 : memref<4x3xi32>)
  linalg.generic {indexing_maps = [#out2, #out2], iterator_types = ["parallel", "parallel"]} ins(%p2 : memref<6x3xi32>) outs(%o2 : memref<6x3xi32>) {
  ^bb0(%v: i32, %o: i32):
    linalg.yield %v : i32
  }
  %p3 = memref.alloc() : memref<6x3xi32>
  linalg.fill ins(%c : i32) outs(%p3 : memref<6x3xi32>)
  %i3 = memref.subview %p3[1, 0] [4, 3] [1, 1] : memref<6x3xi32> to memref<4x3xi32, strided<[3, 1], offset: 3>>
  linalg.copy ins(%s : memref<4x3xi32>) outs(%i3 : memref<4x3xi32, strided<[3, 1], offset: 3>>)
  linalg.generic {indexing_maps = [#out2, #out2], iterator_types = ["parallel", "parallel"]} ins(%p3 : memref<6x3xi32>) outs(%o2 : memref<6x3xi32>) {
  ^bb0(%v: i32, %o: i32):
    linalg.yield %v : i32
  }
  linalg.generic {indexing_maps = [#out2, #out2], iterator_types = ["parallel", "parallel"]} ins(%p3 : memref<6x3xi32>) outs(%o3 : memref<6x3xi32>) {
  ^bb0(%v: i32, %o: i32):
    linalg.yield %v : i32
  }
  return
}
