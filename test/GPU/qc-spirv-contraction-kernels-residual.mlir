// RUN: qc-opt %s --qc-spirv-contraction-kernels="shared-memory-tiles=false" -split-input-file | FileCheck %s

// A residual block's end: matmul -> per-channel requantization to i8 ->
// residual add with the skip input (its own rescale, rounding, ReLU clamp).
// The add reads the requantized value where nothing else does, so it is
// fused too: one kernel, which reads the skip input per output element after
// the reduction and stores the add's result; the i32 accumulator and the
// requantized i8 buffer are gone.
// CHECK-LABEL: func.func @residual
// CHECK-SAME:    %[[A:[^:]*]]: memref<6x16xi8>, %[[B:[^:]*]]: memref<16x8xi8>, %[[SCALE:[^:]*]]: memref<8xi32>, %[[SKIP:[^:]*]]: memref<6x8xi8>, %[[OUT:[^:]*]]: memref<6x8xi8>
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     linalg.
// CHECK:         gpu.launch
// CHECK:           scf.for
// CHECK:           scf.if
// CHECK:             memref.load %[[SCALE]]
// CHECK:             arith.muli {{.*}} : i64
// CHECK:             %[[S:.*]] = memref.load %[[SKIP]][%{{.*}}, %{{.*}}] : memref<6x8xi8>
// CHECK:             arith.extsi %[[S]] : i8 to i32
// CHECK:             arith.maxsi
// CHECK:             %[[R:.*]] = arith.trunci %{{.*}} : i32 to i8
// CHECK:             memref.store %[[R]], %[[OUT]][%{{.*}}, %{{.*}}] : memref<6x8xi8>
// CHECK:         gpu.terminator
// CHECK-NOT:     gpu.launch
// CHECK-NOT:     linalg.
// CHECK:         return
#id = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d1)>
func.func @residual(%a: memref<6x16xi8>, %b: memref<16x8xi8>, %scale: memref<8xi32>, %skip: memref<6x8xi8>, %out: memref<6x8xi8>) {
  %c0 = arith.constant 0 : i32
  %acc = memref.alloc() : memref<6x8xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<6x8xi32>)
  linalg.matmul ins(%a, %b : memref<6x16xi8>, memref<16x8xi8>) outs(%acc : memref<6x8xi32>)
  %q = memref.alloc() : memref<6x8xi8>
  linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel"]}
      ins(%acc, %scale : memref<6x8xi32>, memref<8xi32>) outs(%q : memref<6x8xi8>) {
  ^bb0(%x: i32, %s: i32, %o: i8):
    %x64 = arith.extsi %x : i32 to i64
    %s64 = arith.extsi %s : i32 to i64
    %p = arith.muli %x64, %s64 : i64
    %c16 = arith.constant 16 : i64
    %r = arith.shrsi %p, %c16 : i64
    %lo = arith.constant -128 : i64
    %hi = arith.constant 127 : i64
    %c1 = arith.maxsi %r, %lo : i64
    %c2 = arith.minsi %c1, %hi : i64
    %t = arith.trunci %c2 : i64 to i8
    linalg.yield %t : i8
  }
  memref.dealloc %acc : memref<6x8xi32>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%q, %skip : memref<6x8xi8>, memref<6x8xi8>) outs(%out : memref<6x8xi8>) {
  ^bb0(%x: i8, %y: i8, %o: i8):
    %x32 = arith.extsi %x : i8 to i32
    %y32 = arith.extsi %y : i8 to i32
    %c3 = arith.constant 3 : i32
    %y3 = arith.muli %y32, %c3 : i32
    %s = arith.addi %x32, %y3 : i32
    %z = arith.constant 0 : i32
    %hi = arith.constant 127 : i32
    %r1 = arith.maxsi %s, %z : i32
    %r2 = arith.minsi %r1, %hi : i32
    %t = arith.trunci %r2 : i32 to i8
    linalg.yield %t : i8
  }
  memref.dealloc %q : memref<6x8xi8>
  return
}

// -----

// The add's operands swapped (the requantized value is input 1), read
// through a reshaped view, and a third stage that widens the sum to i32:
// all three go into the kernel (each reads the i8 it is handed through an
// extension).
// CHECK-LABEL: func.func @chain_of_three
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     linalg.
// CHECK:         gpu.launch
// CHECK:           memref.load %{{.*}} : memref<2x3x8xi8>
// CHECK:           arith.addi {{.*}} : i32
// CHECK:           arith.trunci {{.*}} : i32 to i8
// CHECK:           arith.extsi {{.*}} : i8 to i32
// CHECK:           arith.muli {{.*}} : i32
// CHECK:           memref.store %{{.*}} : memref<2x3x8xi32>
// CHECK-NOT:     linalg.
// CHECK:         return
#id = affine_map<(d0, d1) -> (d0, d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @chain_of_three(%a: memref<6x16xi8>, %b: memref<16x8xi8>, %skip: memref<2x3x8xi8>, %out: memref<2x3x8xi32>) {
  %c0 = arith.constant 0 : i32
  %acc = memref.alloc() : memref<6x8xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<6x8xi32>)
  linalg.matmul ins(%a, %b : memref<6x16xi8>, memref<16x8xi8>) outs(%acc : memref<6x8xi32>)
  %q = memref.alloc() : memref<6x8xi8>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%acc : memref<6x8xi32>) outs(%q : memref<6x8xi8>) {
  ^bb0(%x: i32, %o: i8):
    %t = arith.trunci %x : i32 to i8
    linalg.yield %t : i8
  }
  %q3 = memref.expand_shape %q [[0, 1], [2]] output_shape [2, 3, 8] : memref<6x8xi8> into memref<2x3x8xi8>
  %sum = memref.alloc() : memref<2x3x8xi8>
  linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%skip, %q3 : memref<2x3x8xi8>, memref<2x3x8xi8>) outs(%sum : memref<2x3x8xi8>) {
  ^bb0(%y: i8, %x: i8, %o: i8):
    %x32 = arith.extsi %x : i8 to i32
    %y32 = arith.extsi %y : i8 to i32
    %s = arith.addi %x32, %y32 : i32
    %t = arith.trunci %s : i32 to i8
    linalg.yield %t : i8
  }
  linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%sum : memref<2x3x8xi8>) outs(%out : memref<2x3x8xi32>) {
  ^bb0(%x: i8, %o: i32):
    %w = arith.extsi %x : i8 to i32
    %c2 = arith.constant 2 : i32
    %r = arith.muli %w, %c2 : i32
    linalg.yield %r : i32
  }
  return
}

// -----

// NOTE: the clamp after the add works on the i8 itself (arith.minui with
// 250, which is -6 as an i8): in portable mode an i8 handed on in a register
// after arith.trunci is zero-extended in its i32 while a loaded one is
// sign-extended, so only stages that read the i8 through extsi/extui are
// fused. The add goes into the kernel; the clamp stays a generic.
// CHECK-LABEL: func.func @narrow_use
// CHECK:         gpu.launch
// CHECK:           memref.load %{{.*}} : memref<6x8xi8>
// CHECK:           memref.store %{{.*}} : memref<6x8xi8>
// CHECK:         linalg.generic
// CHECK:           arith.minui
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @narrow_use(%a: memref<6x16xi8>, %b: memref<16x8xi8>, %skip: memref<6x8xi8>, %out: memref<6x8xi8>) {
  %c0 = arith.constant 0 : i32
  %acc = memref.alloc() : memref<6x8xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<6x8xi32>)
  linalg.matmul ins(%a, %b : memref<6x16xi8>, memref<16x8xi8>) outs(%acc : memref<6x8xi32>)
  %q = memref.alloc() : memref<6x8xi8>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%acc : memref<6x8xi32>) outs(%q : memref<6x8xi8>) {
  ^bb0(%x: i32, %o: i8):
    %t = arith.trunci %x : i32 to i8
    linalg.yield %t : i8
  }
  %sum = memref.alloc() : memref<6x8xi8>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%q, %skip : memref<6x8xi8>, memref<6x8xi8>) outs(%sum : memref<6x8xi8>) {
  ^bb0(%x: i8, %y: i8, %o: i8):
    %x32 = arith.extui %x : i8 to i32
    %y32 = arith.extui %y : i8 to i32
    %s = arith.addi %x32, %y32 : i32
    %t = arith.trunci %s : i32 to i8
    linalg.yield %t : i8
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%sum : memref<6x8xi8>) outs(%out : memref<6x8xi8>) {
  ^bb0(%x: i8, %o: i8):
    %hi = arith.constant 250 : i8
    %r = arith.minui %x, %hi : i8
    linalg.yield %r : i8
  }
  return
}

// -----

// NOTE: the requantized value has a second reader (copied out): the kernel
// stores it and the add stays a generic of its own.
// CHECK-LABEL: func.func @second_reader
// CHECK:         gpu.launch
// CHECK:           memref.store %{{.*}} : memref<6x8xi8>
// CHECK:         linalg.generic
// CHECK:         memref.copy
#id = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d1)>
func.func @second_reader(%a: memref<6x16xi8>, %b: memref<16x8xi8>, %skip: memref<6x8xi8>, %out: memref<6x8xi8>, %raw: memref<6x8xi8>) {
  %c0 = arith.constant 0 : i32
  %acc = memref.alloc() : memref<6x8xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<6x8xi32>)
  linalg.matmul ins(%a, %b : memref<6x16xi8>, memref<16x8xi8>) outs(%acc : memref<6x8xi32>)
  %q = memref.alloc() : memref<6x8xi8>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%acc : memref<6x8xi32>) outs(%q : memref<6x8xi8>) {
  ^bb0(%x: i32, %o: i8):
    %t = arith.trunci %x : i32 to i8
    linalg.yield %t : i8
  }
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%q, %skip : memref<6x8xi8>, memref<6x8xi8>) outs(%out : memref<6x8xi8>) {
  ^bb0(%x: i8, %y: i8, %o: i8):
    %x32 = arith.extsi %x : i8 to i32
    %y32 = arith.extsi %y : i8 to i32
    %s32 = arith.addi %x32, %y32 : i32
    %s = arith.trunci %s32 : i32 to i8
    linalg.yield %s : i8
  }
  memref.copy %q, %raw : memref<6x8xi8> to memref<6x8xi8>
  return
}

// -----

// NOTE: the requantization's scale is overwritten between it and the add:
// computing the requantization at the add would read the new scale, so the
// kernel stays where the requantization was and the add is not fused.
// CHECK-LABEL: func.func @scale_written_before_add
// CHECK:         gpu.launch
// CHECK:           memref.store %{{.*}} : memref<6x8xi8>
// CHECK:         memref.copy
// CHECK:         linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d1)>
func.func @scale_written_before_add(%a: memref<6x16xi8>, %b: memref<16x8xi8>, %scale: memref<8xi32>, %new: memref<8xi32>, %skip: memref<6x8xi8>, %out: memref<6x8xi8>) {
  %c0 = arith.constant 0 : i32
  %acc = memref.alloc() : memref<6x8xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<6x8xi32>)
  linalg.matmul ins(%a, %b : memref<6x16xi8>, memref<16x8xi8>) outs(%acc : memref<6x8xi32>)
  %q = memref.alloc() : memref<6x8xi8>
  linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel"]}
      ins(%acc, %scale : memref<6x8xi32>, memref<8xi32>) outs(%q : memref<6x8xi8>) {
  ^bb0(%x: i32, %s: i32, %o: i8):
    %p = arith.muli %x, %s : i32
    %t = arith.trunci %p : i32 to i8
    linalg.yield %t : i8
  }
  memref.copy %new, %scale : memref<8xi32> to memref<8xi32>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%q, %skip : memref<6x8xi8>, memref<6x8xi8>) outs(%out : memref<6x8xi8>) {
  ^bb0(%x: i8, %y: i8, %o: i8):
    %x32 = arith.extsi %x : i8 to i32
    %y32 = arith.extsi %y : i8 to i32
    %s32 = arith.addi %x32, %y32 : i32
    %s = arith.trunci %s32 : i32 to i8
    linalg.yield %s : i8
  }
  return
}

// -----

// NOTE: the add writes the contraction's own input A in place: the kernel
// would overwrite A while other workgroups still read it, so the add is
// not fused.
// CHECK-LABEL: func.func @writes_input
// CHECK:         gpu.launch
// CHECK:           memref.store %{{.*}} : memref<6x8xi8>
// CHECK:         linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d1)>
func.func @writes_input(%a: memref<6x8xi8>, %b: memref<8x8xi8>, %skip: memref<6x8xi8>) {
  %c0 = arith.constant 0 : i32
  %acc = memref.alloc() : memref<6x8xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<6x8xi32>)
  linalg.matmul ins(%a, %b : memref<6x8xi8>, memref<8x8xi8>) outs(%acc : memref<6x8xi32>)
  %q = memref.alloc() : memref<6x8xi8>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%acc : memref<6x8xi32>) outs(%q : memref<6x8xi8>) {
  ^bb0(%x: i32, %o: i8):
    %t = arith.trunci %x : i32 to i8
    linalg.yield %t : i8
  }
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%q, %skip : memref<6x8xi8>, memref<6x8xi8>) outs(%a : memref<6x8xi8>) {
  ^bb0(%x: i8, %y: i8, %o: i8):
    %x32 = arith.extsi %x : i8 to i32
    %y32 = arith.extsi %y : i8 to i32
    %s32 = arith.addi %x32, %y32 : i32
    %s = arith.trunci %s32 : i32 to i8
    linalg.yield %s : i8
  }
  return
}
