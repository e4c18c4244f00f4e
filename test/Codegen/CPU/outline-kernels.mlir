// RUN: qc-opt %s --qc-cpu-outline-kernels --split-input-file | FileCheck %s

// Two kernels: the matmul with its empty tensor and fill, then the
// elementwise op with its own; the entry calls them in order.
// CHECK-LABEL: func.func private @chain_kernel0(
// CHECK-SAME:      %[[X:.*]]: tensor<4x8xi32>, %[[W:.*]]: tensor<8x16xi32>) -> tensor<4x16xi32>
// CHECK-SAME:      attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"], qc.kernel}
// CHECK:         %[[Z:.*]] = arith.constant 0 : i32
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<4x16xi32>
// CHECK:         %[[F:.*]] = linalg.fill ins(%[[Z]] : i32) outs(%[[E]]
// CHECK:         %[[M:.*]] = linalg.matmul ins(%[[X]], %[[W]] : {{.*}}) outs(%[[F]]
// CHECK:         return %[[M]]
// CHECK-LABEL: func.func private @chain_kernel1(
// CHECK-SAME:      %[[A:.*]]: tensor<4x16xi32>) -> tensor<4x16xi32>
// CHECK:         tensor.empty
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%[[A]] :
// CHECK-LABEL: func.func @chain(
// CHECK-SAME:      %[[X:.*]]: tensor<4x8xi32>, %[[W:.*]]: tensor<8x16xi32>)
// CHECK:         %[[K0:.*]] = call @chain_kernel0(%[[X]], %[[W]])
// CHECK:         %[[K1:.*]] = call @chain_kernel1(%[[K0]])
// CHECK:         return %[[K1]]
func.func @chain(%x: tensor<4x8xi32>, %w: tensor<8x16xi32>) -> tensor<4x16xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<4x16xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<4x16xi32>) -> tensor<4x16xi32>
  %m = linalg.matmul ins(%x, %w : tensor<4x8xi32>, tensor<8x16xi32>)
                     outs(%f : tensor<4x16xi32>) -> tensor<4x16xi32>
  %e2 = tensor.empty() : tensor<4x16xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m : tensor<4x16xi32>) outs(%e2 : tensor<4x16xi32>) {
  ^bb0(%a: i32, %o: i32):
    %s = arith.addi %a, %a : i32
    linalg.yield %s : i32
  } -> tensor<4x16xi32>
  return %r : tensor<4x16xi32>
}

// -----

// The loop's bounds stay constants inside the kernel (cloned, not passed);
// a value used by two kernels stays in the entry and is passed to both;
// the straight-line op after the last loop (no kernel uses it) stays too.
// CHECK-LABEL: func.func private @shared_kernel0(
// CHECK-SAME:      %{{.*}}: tensor<8xi32>) -> tensor<8xi32>
// CHECK-DAG:     arith.constant 8 : index
// CHECK-DAG:     arith.constant 1 : index
// CHECK:         scf.for
// CHECK-LABEL: func.func private @shared_kernel1(
// CHECK-LABEL: func.func @shared(
// CHECK:         %[[C:.*]] = tensor.collapse_shape
// CHECK:         %[[A:.*]] = call @shared_kernel0(%[[C]])
// CHECK:         %[[B:.*]] = call @shared_kernel1(%[[A]], %[[C]])
// CHECK:         tensor.expand_shape %[[B]]
func.func @shared(%x: tensor<2x4xi32>) -> tensor<2x4xi32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %flat = tensor.collapse_shape %x [[0, 1]] : tensor<2x4xi32> into tensor<8xi32>
  %a = scf.for %i = %c0 to %c8 step %c1 iter_args(%t = %flat) -> (tensor<8xi32>) {
    %v = tensor.extract %t[%i] : tensor<8xi32>
    %w = arith.addi %v, %v : i32
    %u = tensor.insert %w into %t[%i] : tensor<8xi32>
    scf.yield %u : tensor<8xi32>
  }
  %b = scf.for %i = %c0 to %c8 step %c1 iter_args(%t = %a) -> (tensor<8xi32>) {
    %v = tensor.extract %flat[%i] : tensor<8xi32>
    %u = tensor.insert %v into %t[%i] : tensor<8xi32>
    scf.yield %u : tensor<8xi32>
  }
  %r = tensor.expand_shape %b [[0, 1]] output_shape [2, 4] : tensor<8xi32> into tensor<2x4xi32>
  return %r : tensor<2x4xi32>
}

// -----

// A result of dynamic shape (the caller could not allocate its
// out-parameter) and bufferized code stay where they are.
// CHECK-LABEL: func.func @dynamic(
// CHECK-NOT:     call
// CHECK:         linalg.generic
// CHECK-NOT:     func.func private
func.func @dynamic(%x: tensor<?xi32>) -> tensor<?xi32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?xi32>
  %e = tensor.empty(%n) : tensor<?xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      ins(%x : tensor<?xi32>) outs(%e : tensor<?xi32>) {
  ^bb0(%a: i32, %o: i32):
    %s = arith.addi %a, %a : i32
    linalg.yield %s : i32
  } -> tensor<?xi32>
  return %r : tensor<?xi32>
}

// CHECK-LABEL: func.func @buffers(
// CHECK-NOT:     call
// CHECK:         linalg.generic
func.func @buffers(%x: memref<8xi32>, %y: memref<8xi32>) {
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                  iterator_types = ["parallel"]}
      ins(%x : memref<8xi32>) outs(%y : memref<8xi32>) {
  ^bb0(%a: i32, %o: i32):
    %s = arith.addi %a, %a : i32
    linalg.yield %s : i32
  }
  return
}
