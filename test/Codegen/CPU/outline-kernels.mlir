// RUN: qc-opt %s --qc-cpu-outline-kernels --split-input-file | FileCheck %s
// RUN: qc-opt %s --qc-cpu-outline-kernels=before-tiling=true --split-input-file | FileCheck %s --check-prefix=EARLY

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

// -----

// Before tiling: each int8 kernel keeps the requantizing consumer it fuses
// (one function per layer), and the reshaped constant weight both layers
// use is cloned into each (the int8 kernels pack it at compile time only
// when they see the constant); the entry keeps no copy of it.
// EARLY-LABEL: func.func private @mlp_kernel0(
// EARLY-SAME:      %[[A:.*]]: tensor<3x16xi8>) -> tensor<3x16xi8>
// EARLY:         %[[W:.*]] = arith.constant dense<1> : tensor<256xi8>
// EARLY:         %[[WE:.*]] = tensor.expand_shape %[[W]]
// EARLY:         %[[F:.*]] = linalg.fill
// EARLY:         %[[M:.*]] = linalg.matmul ins(%[[A]], %[[WE]] : {{.*}}) outs(%[[F]]
// EARLY:         %[[Y:.*]] = linalg.generic {{.*}} ins(%[[M]] :
// EARLY:         return %[[Y]]
// EARLY-LABEL: func.func private @mlp_kernel1(
// EARLY-SAME:      %[[A:.*]]: tensor<3x16xi8>) -> tensor<3x16xi8>
// EARLY:         tensor.expand_shape
// EARLY:         linalg.matmul
// EARLY:         linalg.generic
// EARLY-LABEL: func.func @mlp(
// EARLY-SAME:      %[[X:.*]]: tensor<3x16xi8>)
// EARLY-NOT:     tensor.expand_shape
// EARLY:         %[[K0:.*]] = call @mlp_kernel0(%[[X]])
// EARLY:         %[[K1:.*]] = call @mlp_kernel1(%[[K0]])
// EARLY:         return %[[K1]]
func.func @mlp(%a: tensor<3x16xi8>) -> tensor<3x16xi8> {
  %wflat = arith.constant dense<1> : tensor<256xi8>
  %w = tensor.expand_shape %wflat [[0, 1]] output_shape [16, 16] : tensor<256xi8> into tensor<16x16xi8>
  %zero = arith.constant 0 : i32
  %e1 = tensor.empty() : tensor<3x16xi32>
  %z1 = linalg.fill ins(%zero : i32) outs(%e1 : tensor<3x16xi32>) -> tensor<3x16xi32>
  %r1 = linalg.matmul ins(%a, %w : tensor<3x16xi8>, tensor<16x16xi8>) outs(%z1 : tensor<3x16xi32>) -> tensor<3x16xi32>
  %o1 = tensor.empty() : tensor<3x16xi8>
  %y1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%r1 : tensor<3x16xi32>) outs(%o1 : tensor<3x16xi8>) {
  ^bb0(%acc: i32, %out: i8):
    %lo = arith.constant -128 : i32
    %hi = arith.constant 127 : i32
    %t0 = arith.maxsi %acc, %lo : i32
    %t1 = arith.minsi %t0, %hi : i32
    %t = arith.trunci %t1 : i32 to i8
    linalg.yield %t : i8
  } -> tensor<3x16xi8>
  %e2 = tensor.empty() : tensor<3x16xi32>
  %z2 = linalg.fill ins(%zero : i32) outs(%e2 : tensor<3x16xi32>) -> tensor<3x16xi32>
  %r2 = linalg.matmul ins(%y1, %w : tensor<3x16xi8>, tensor<16x16xi8>) outs(%z2 : tensor<3x16xi32>) -> tensor<3x16xi32>
  %o2 = tensor.empty() : tensor<3x16xi8>
  %y2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%r2 : tensor<3x16xi32>) outs(%o2 : tensor<3x16xi8>) {
  ^bb0(%acc: i32, %out: i8):
    %lo = arith.constant -128 : i32
    %hi = arith.constant 127 : i32
    %t0 = arith.maxsi %acc, %lo : i32
    %t1 = arith.minsi %t0, %hi : i32
    %t = arith.trunci %t1 : i32 to i8
    linalg.yield %t : i8
  } -> tensor<3x16xi8>
  return %y2 : tensor<3x16xi8>
}

// -----

// A contraction the int8 kernels leave alone (3 rows, weights from an
// argument: no compile-time packing) fuses nothing: the matmul and its
// consumer are two kernels, as after tiling.
// EARLY-LABEL: func.func private @runtime_weights_kernel0(
// EARLY:         linalg.matmul
// EARLY-NOT:     linalg.generic
// EARLY:         return
// EARLY-LABEL: func.func private @runtime_weights_kernel1(
// EARLY:         linalg.generic
// EARLY-LABEL: func.func @runtime_weights(
// EARLY:         call @runtime_weights_kernel0
// EARLY:         call @runtime_weights_kernel1
func.func @runtime_weights(%a: tensor<3x16xi8>, %w: tensor<16x16xi8>) -> tensor<3x16xi8> {
  %zero = arith.constant 0 : i32
  %e1 = tensor.empty() : tensor<3x16xi32>
  %z1 = linalg.fill ins(%zero : i32) outs(%e1 : tensor<3x16xi32>) -> tensor<3x16xi32>
  %r1 = linalg.matmul ins(%a, %w : tensor<3x16xi8>, tensor<16x16xi8>) outs(%z1 : tensor<3x16xi32>) -> tensor<3x16xi32>
  %o1 = tensor.empty() : tensor<3x16xi8>
  %y1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%r1 : tensor<3x16xi32>) outs(%o1 : tensor<3x16xi8>) {
  ^bb0(%acc: i32, %out: i8):
    %lo = arith.constant -128 : i32
    %hi = arith.constant 127 : i32
    %t0 = arith.maxsi %acc, %lo : i32
    %t1 = arith.minsi %t0, %hi : i32
    %t = arith.trunci %t1 : i32 to i8
    linalg.yield %t : i8
  } -> tensor<3x16xi8>
  return %y1 : tensor<3x16xi8>
}

// -----

// Nothing to outline: the empty tensor the entry returns stays, and so does
// the return.
// EARLY-LABEL: func.func @no_kernel(
// EARLY:         %[[E:.*]] = tensor.empty() : tensor<4xi8>
// EARLY:         return %[[E]]
func.func @no_kernel() -> tensor<4xi8> {
  %e = tensor.empty() : tensor<4xi8>
  return %e : tensor<4xi8>
}
