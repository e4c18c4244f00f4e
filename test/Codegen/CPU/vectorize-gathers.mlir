// RUN: qc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(qc-cpu-vectorize-gathers))' | FileCheck %s
// RUN: qc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(qc-cpu-vectorize-gathers{block-rows=16}))' | FileCheck %s --check-prefix=B16

// The ELL kernel of --qc-sparsify (values and i16 row indices [N, L]) with 20
// rows: one masked block of 32 rows (the rows rounded up to 16), the
// activations read transposed, the index and weight stay scalar; each
// column stops after its last non-zero weight (the body adds x * w, so the
// zero padding of a column adds nothing): lengths 3, 2, 1, 3.
// CHECK-LABEL: func.func @ell
// CHECK-SAME:    %[[A:.*]]: tensor<20x64xi8>, %[[INIT:.*]]: tensor<20x4xi32>
// CHECK-DAG:     %[[AT:.*]] = linalg.transpose ins(%[[A]] : tensor<20x64xi8>) outs(%{{.*}} : tensor<64x20xi8>) permutation = [1, 0]
// CHECK-DAG:     %[[IT:.*]] = linalg.transpose ins(%[[INIT]] : tensor<20x4xi32>) outs(%{{.*}} : tensor<4x20xi32>) permutation = [1, 0]
// CHECK-DAG:     %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG:     %[[LENS:.*]] = arith.constant dense<[3, 2, 1, 3]> : tensor<4xindex>
// CHECK:         %[[RT:.*]] = scf.for %[[N:.*]] = %{{.*}} iter_args(%[[T:.*]] = %[[IT]]) -> (tensor<4x20xi32>)
// CHECK:           scf.for %[[M0:.*]] = %{{.*}} to %{{.*}} step %[[C32]] iter_args(%[[T2:.*]] = %[[T]])
// CHECK:             %[[START:.*]] = vector.transfer_read %[[T2]][%[[N]], %[[M0]]], %{{[^ ]*}} : tensor<4x20xi32>, vector<32xi32>
// CHECK:             %[[LEN:.*]] = tensor.extract %[[LENS]][%[[N]]] : tensor<4xindex>
// CHECK:             %[[SUM:.*]] = scf.for %[[J:.*]] = %{{.*}} to %[[LEN]] step %{{.*}} iter_args(%[[ACC:.*]] = %[[START]]) -> (vector<32xi32>)
// CHECK-DAG:           %[[V:.*]] = tensor.extract %{{.*}}[%[[N]], %[[J]]] : tensor<4x3xi8>
// CHECK-DAG:           %[[I:.*]] = tensor.extract %{{.*}}[%[[N]], %[[J]]] : tensor<4x3xi16>
// CHECK:               %[[K:.*]] = arith.index_castui %[[I]] : i16 to index
// CHECK:               %[[ROW:.*]] = vector.transfer_read %[[AT]][%[[K]], %[[M0]]], %{{[^ ]*}} : tensor<64x20xi8>, vector<32xi8>
// CHECK:               %[[A32:.*]] = arith.extsi %[[ROW]] : vector<32xi8> to vector<32xi32>
// CHECK:               %[[W32:.*]] = arith.extsi %[[V]] : i8 to i32
// CHECK:               %[[WB:.*]] = vector.broadcast %[[W32]] : i32 to vector<32xi32>
// CHECK:               %[[P:.*]] = arith.muli %[[A32]], %[[WB]] : vector<32xi32>
// CHECK:               %[[S:.*]] = arith.addi %[[ACC]], %[[P]] : vector<32xi32>
// CHECK:               scf.yield %[[S]] : vector<32xi32>
// CHECK:             vector.transfer_write %[[SUM]], %[[T2]][%[[N]], %[[M0]]]
// CHECK:         %[[OUT:.*]] = linalg.transpose ins(%[[RT]] : tensor<4x20xi32>) outs(%{{.*}} : tensor<20x4xi32>) permutation = [1, 0]
// CHECK:         return %[[OUT]]
// B16-LABEL: func.func @ell
// B16:         vector.transfer_read {{.*}} : tensor<64x20xi8>, vector<16xi8>
func.func @ell(%a: tensor<20x64xi8>, %init: tensor<20x4xi32>) -> tensor<20x4xi32> {
  %vals = arith.constant dense<[[1, 2, 3], [4, 5, 0], [6, 0, 0], [7, 8, 9]]> : tensor<4x3xi8>
  %idx = arith.constant dense<[[0, 9, 63], [5, 6, 0], [17, 0, 0], [1, 2, 3]]> : tensor<4x3xi16>
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, j) -> (n, j)>, affine_map<(m, n, j) -> (n, j)>, affine_map<(m, n, j) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%vals, %idx : tensor<4x3xi8>, tensor<4x3xi16>) outs(%init : tensor<20x4xi32>) {
  ^bb0(%v: i8, %i: i16, %acc: i32):
    %m = linalg.index 0 : index
    %k = arith.index_castui %i : i16 to index
    %x = tensor.extract %a[%m, %k] : tensor<20x64xi8>
    %x32 = arith.extsi %x : i8 to i32
    %v32 = arith.extsi %v : i8 to i32
    %p = arith.muli %x32, %v32 : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  } -> tensor<20x4xi32>
  return %r : tensor<20x4xi32>
}

// -----

// The N:M kernel with u8 activations (cast_unsigned) and 256 rows: two full
// blocks of 128 (block-rows), unmasked; the group arithmetic of k stays scalar.
// CHECK-LABEL: func.func @nm_unsigned
// CHECK:         scf.for
// CHECK:           scf.for {{.*}} step %[[C128:.*]] iter_args
// CHECK:             vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<2x256xi32>, vector<128xi32>
// CHECK:             scf.for
// CHECK:               arith.divui {{.*}} : index
// CHECK:               vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<8x256xi8>, vector<128xi8>
// CHECK:               arith.extui {{.*}} : vector<128xi8> to vector<128xi32>
// CHECK:               arith.extui {{.*}} : i8 to i32
func.func @nm_unsigned(%a: tensor<256x8xi8>, %init: tensor<256x2xi32>) -> tensor<256x2xi32> {
  %vals = arith.constant dense<[[1, 2, 3, 4], [5, 6, 7, 8]]> : tensor<2x4xi8>
  %offs = arith.constant dense<[[0, 3, 1, 2], [2, 3, 0, 1]]> : tensor<2x4xi8>
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, j) -> (n, j)>, affine_map<(m, n, j) -> (n, j)>, affine_map<(m, n, j) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%vals, %offs : tensor<2x4xi8>, tensor<2x4xi8>) outs(%init : tensor<256x2xi32>) {
  ^bb0(%v: i8, %o: i8, %acc: i32):
    %m = linalg.index 0 : index
    %j = linalg.index 2 : index
    %c2 = arith.constant 2 : index
    %c4 = arith.constant 4 : index
    %g = arith.divui %j, %c2 : index
    %base = arith.muli %g, %c4 : index
    %off = arith.index_castui %o : i8 to index
    %k = arith.addi %base, %off : index
    %x = tensor.extract %a[%m, %k] : tensor<256x8xi8>
    %x32 = arith.extui %x : i8 to i32
    %v32 = arith.extui %v : i8 to i32
    %p = arith.muli %x32, %v32 : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  } -> tensor<256x2xi32>
  return %r : tensor<256x2xi32>
}

// -----

// NOTE: a matrix-vector product (fewer than min-rows rows) keeps its scalar
// loops: most lanes of a row vector would be masked off.
// CHECK-LABEL: func.func @gemv
// CHECK-NOT:     vector.transfer_read
// CHECK:         linalg.generic
func.func @gemv(%a: tensor<1x64xi8>, %init: tensor<1x2xi32>) -> tensor<1x2xi32> {
  %vals = arith.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>
  %idx = arith.constant dense<[[0, 9], [5, 6]]> : tensor<2x2xi16>
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, j) -> (n, j)>, affine_map<(m, n, j) -> (n, j)>, affine_map<(m, n, j) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%vals, %idx : tensor<2x2xi8>, tensor<2x2xi16>) outs(%init : tensor<1x2xi32>) {
  ^bb0(%v: i8, %i: i16, %acc: i32):
    %m = linalg.index 0 : index
    %k = arith.index_castui %i : i16 to index
    %x = tensor.extract %a[%m, %k] : tensor<1x64xi8>
    %x32 = arith.extsi %x : i8 to i32
    %v32 = arith.extsi %v : i8 to i32
    %p = arith.muli %x32, %v32 : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  } -> tensor<1x2xi32>
  return %r : tensor<1x2xi32>
}

// -----

// NOTE: the row index also feeds the arithmetic (not only the read's row),
// so the body is not a function of one row vector: left alone.
// CHECK-LABEL: func.func @row_index_used
// CHECK-NOT:     vector.transfer_read
// CHECK:         linalg.generic
func.func @row_index_used(%a: tensor<16x64xi8>, %init: tensor<16x2xi32>) -> tensor<16x2xi32> {
  %vals = arith.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>
  %idx = arith.constant dense<[[0, 9], [5, 6]]> : tensor<2x2xi16>
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, j) -> (n, j)>, affine_map<(m, n, j) -> (n, j)>, affine_map<(m, n, j) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%vals, %idx : tensor<2x2xi8>, tensor<2x2xi16>) outs(%init : tensor<16x2xi32>) {
  ^bb0(%v: i8, %i: i16, %acc: i32):
    %m = linalg.index 0 : index
    %k = arith.index_castui %i : i16 to index
    %x = tensor.extract %a[%m, %k] : tensor<16x64xi8>
    %x32 = arith.extsi %x : i8 to i32
    %m32 = arith.index_cast %m : index to i32
    %p = arith.muli %x32, %m32 : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  } -> tensor<16x2xi32>
  return %r : tensor<16x2xi32>
}

// -----

// NOTE: the read's row index depends on the accumulator: left alone.
// CHECK-LABEL: func.func @index_from_accumulator
// CHECK-NOT:     vector.transfer_read
// CHECK:         linalg.generic
func.func @index_from_accumulator(%a: tensor<16x64xi8>, %init: tensor<16x2xi32>) -> tensor<16x2xi32> {
  %vals = arith.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, j) -> (n, j)>, affine_map<(m, n, j) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%vals : tensor<2x2xi8>) outs(%init : tensor<16x2xi32>) {
  ^bb0(%v: i8, %acc: i32):
    %m = linalg.index 0 : index
    %c63 = arith.constant 63 : i32
    %ka = arith.andi %acc, %c63 : i32
    %k = arith.index_castui %ka : i32 to index
    %x = tensor.extract %a[%m, %k] : tensor<16x64xi8>
    %x32 = arith.extsi %x : i8 to i32
    %v32 = arith.extsi %v : i8 to i32
    %p = arith.muli %x32, %v32 : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  } -> tensor<16x2xi32>
  return %r : tensor<16x2xi32>
}

// -----

// NOTE: a division by the activation could trap in the masked-off lanes of
// the last block (they hold padding zeros): left alone.
// CHECK-LABEL: func.func @division_by_row
// CHECK-NOT:     vector.transfer_read
// CHECK:         linalg.generic
func.func @division_by_row(%a: tensor<20x64xi8>, %init: tensor<20x2xi32>) -> tensor<20x2xi32> {
  %vals = arith.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>
  %idx = arith.constant dense<[[0, 9], [5, 6]]> : tensor<2x2xi16>
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, j) -> (n, j)>, affine_map<(m, n, j) -> (n, j)>, affine_map<(m, n, j) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%vals, %idx : tensor<2x2xi8>, tensor<2x2xi16>) outs(%init : tensor<20x2xi32>) {
  ^bb0(%v: i8, %i: i16, %acc: i32):
    %m = linalg.index 0 : index
    %k = arith.index_castui %i : i16 to index
    %x = tensor.extract %a[%m, %k] : tensor<20x64xi8>
    %x32 = arith.extsi %x : i8 to i32
    %v32 = arith.extsi %v : i8 to i32
    %q = arith.divsi %v32, %x32 : i32
    %s = arith.addi %acc, %q : i32
    linalg.yield %s : i32
  } -> tensor<20x2xi32>
  return %r : tensor<20x2xi32>
}
