// RUN: qc-opt %s --qc-cpu-fold-reshapes-into-epilogues --split-input-file | FileCheck %s

// A projection's epilogue read by a residual add through qc.reshape's
// collapse_shape + expand_shape: the pair becomes one expand_shape and the
// add iterates over the [B*S, D] rows (its other operand collapsed, its
// result expanded), reading the epilogue's result directly.
// CHECK-LABEL: func.func @residual
// CHECK:         %[[ACC:.*]] = linalg.matmul
// CHECK:         %[[EPI:.*]] = linalg.generic {{.*}} ins(%[[ACC]] : tensor<6x16xi32>) outs(%{{.*}} : tensor<6x16xi8>)
// CHECK:         %[[X:.*]] = tensor.collapse_shape %arg1 {{\[\[}}0, 1], [2]] : tensor<2x3x16xi8> into tensor<6x16xi8>
// CHECK:         %[[ADD:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[EPI]] : tensor<6x16xi8>, tensor<6x16xi8>)
// CHECK:         %[[R:.*]] = tensor.expand_shape %[[ADD]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 16] : tensor<6x16xi8> into tensor<2x3x16xi8>
// CHECK:         return %[[R]]
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @residual(%a: tensor<6x8xi8>, %x: tensor<2x3x16xi8>, %w: tensor<8x16xi8>) -> tensor<2x3x16xi8> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<6x16xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<6x16xi32>) -> tensor<6x16xi32>
  %acc = linalg.matmul ins(%a, %w : tensor<6x8xi8>, tensor<8x16xi8>) outs(%f : tensor<6x16xi32>) -> tensor<6x16xi32>
  %e8 = tensor.empty() : tensor<6x16xi8>
  %epi = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%acc : tensor<6x16xi32>) outs(%e8 : tensor<6x16xi8>) {
  ^bb0(%in: i32, %out: i8):
    %t = arith.trunci %in : i32 to i8
    linalg.yield %t : i8
  } -> tensor<6x16xi8>
  %flat = tensor.collapse_shape %epi [[0, 1]] : tensor<6x16xi8> into tensor<96xi8>
  %y = tensor.expand_shape %flat [[0, 1, 2]] output_shape [2, 3, 16] : tensor<96xi8> into tensor<2x3x16xi8>
  %e3 = tensor.empty() : tensor<2x3x16xi8>
  %r = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %y : tensor<2x3x16xi8>, tensor<2x3x16xi8>) outs(%e3 : tensor<2x3x16xi8>) {
  ^bb0(%p: i8, %q: i8, %out: i8):
    %s = arith.addi %p, %q : i8
    linalg.yield %s : i8
  } -> tensor<2x3x16xi8>
  return %r : tensor<2x3x16xi8>
}

// -----

// The product is also used elsewhere: its kernel could not fuse the add,
// so the reshapes stay as they are.
// CHECK-LABEL: func.func @shared_result
// CHECK:         tensor.collapse_shape %{{.*}} {{\[\[}}0, 1]] : tensor<6x16xi8> into tensor<96xi8>
// CHECK:         tensor.expand_shape %{{.*}} {{\[\[}}0, 1, 2]] output_shape [2, 3, 16]
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @shared_result(%a: tensor<6x8xi8>, %x: tensor<2x3x16xi8>, %w: tensor<8x16xi8>) -> (tensor<2x3x16xi8>, tensor<6x16xi8>) {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<6x16xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<6x16xi32>) -> tensor<6x16xi32>
  %acc = linalg.matmul ins(%a, %w : tensor<6x8xi8>, tensor<8x16xi8>) outs(%f : tensor<6x16xi32>) -> tensor<6x16xi32>
  %e8 = tensor.empty() : tensor<6x16xi8>
  %epi = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%acc : tensor<6x16xi32>) outs(%e8 : tensor<6x16xi8>) {
  ^bb0(%in: i32, %out: i8):
    %t = arith.trunci %in : i32 to i8
    linalg.yield %t : i8
  } -> tensor<6x16xi8>
  %flat = tensor.collapse_shape %epi [[0, 1]] : tensor<6x16xi8> into tensor<96xi8>
  %y = tensor.expand_shape %flat [[0, 1, 2]] output_shape [2, 3, 16] : tensor<96xi8> into tensor<2x3x16xi8>
  %e3 = tensor.empty() : tensor<2x3x16xi8>
  %r = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %y : tensor<2x3x16xi8>, tensor<2x3x16xi8>) outs(%e3 : tensor<2x3x16xi8>) {
  ^bb0(%p: i8, %q: i8, %out: i8):
    %s = arith.addi %p, %q : i8
    linalg.yield %s : i8
  } -> tensor<2x3x16xi8>
  return %r, %epi : tensor<2x3x16xi8>, tensor<6x16xi8>
}

// -----

// A reshape of a function argument (no kernel result) and a reduction
// consumer are left alone.
// CHECK-LABEL: func.func @not_an_epilogue
// CHECK:         tensor.expand_shape %arg0 {{\[\[}}0, 1], [2]] output_shape [2, 3, 16]
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#rows = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @not_an_epilogue(%a: tensor<6x16xi8>) -> tensor<2x3xi8> {
  %y = tensor.expand_shape %a [[0, 1], [2]] output_shape [2, 3, 16] : tensor<6x16xi8> into tensor<2x3x16xi8>
  %c0 = arith.constant 0 : i8
  %e = tensor.empty() : tensor<2x3xi8>
  %f = linalg.fill ins(%c0 : i8) outs(%e : tensor<2x3xi8>) -> tensor<2x3xi8>
  %r = linalg.generic {indexing_maps = [#id3, #rows], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%y : tensor<2x3x16xi8>) outs(%f : tensor<2x3xi8>) {
  ^bb0(%p: i8, %out: i8):
    %s = arith.addi %p, %out : i8
    linalg.yield %s : i8
  } -> tensor<2x3xi8>
  return %r : tensor<2x3xi8>
}
