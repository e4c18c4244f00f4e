// RUN: qc-opt %s --qc-pack-weights -split-input-file -verify-diagnostics | FileCheck %s
// The pass's statistics add up the remarks below: five weights packed
// ((6-4) + (8-4) + (32-19) + (12-6) + (12-6) = 31 bytes saved), two kept dense.
// RUN: qc-opt %s --qc-pack-weights -split-input-file --qc-pass-statistics -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// STATS:      ... qc pass statistics ...
// STATS:      {{^}}qc-pack-weights{{$}}
// STATS-NEXT:   (S) 31 bytes-saved
// STATS-NEXT:   (S) 2 dense-weights
// STATS-NEXT:   (S) 5 packed-weights

// int4 codes two per byte, [N, ceil(K/2)] = [2, 2]: column 0 = (1, -2, 3)
// -> bytes 0xE1, 0x03; column 1 = (-8, 7, 0) -> 0x78, 0x00. The kernel puts
// the nibble in the high half and shifts it down arithmetically.
// CHECK-LABEL: func @int4
// CHECK-DAG: %[[P:.*]] = arith.constant dense<{{\[}}[-31, 3], [120, 0]]> : tensor<2x2xi8>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}} : tensor<4x3xi8>)
// CHECK: %[[N:.*]] = linalg.index 1
// CHECK: %[[K:.*]] = linalg.index 2
// CHECK: %[[H:.*]] = arith.shrui %[[K]]
// CHECK: %[[B:.*]] = tensor.extract %[[P]][%[[N]], %[[H]]] : tensor<2x2xi8>
// CHECK: arith.shli %[[B]]
// CHECK: %[[W:.*]] = arith.shrsi
// CHECK: arith.extsi %[[W]] : i8 to i32
// CHECK-NOT: linalg.matmul
func.func @int4(%a: tensor<4x3xi8>) -> tensor<4x2xi32> {
  %w = arith.constant dense<[[1, -8], [-2, 7], [3, 0]]> : tensor<3x2xi4>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<4x2xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<4x2xi32>) -> tensor<4x2xi32>
  // expected-remark@+1 {{qc-pack-weights: int4 weight packed two per byte: 6.0 -> 4.0 bytes}}
  %r = linalg.matmul ins(%a, %w : tensor<4x3xi8>, tensor<3x2xi4>) outs(%i : tensor<4x2xi32>) -> tensor<4x2xi32>
  return %r : tensor<4x2xi32>
}

// -----

// Unsigned codes (cast_unsigned) are shifted down logically and zero-extended.
// CHECK-LABEL: func @uint4
// CHECK: arith.shrui
// CHECK: %[[W:.*]] = arith.shrui
// CHECK: arith.extui %[[W]] : i8 to i32
func.func @uint4(%a: tensor<1x4xi8>) -> tensor<1x2xi32> {
  %w = arith.constant dense<[[15, 0], [8, 7], [1, 2], [3, 4]]> : tensor<4x2xi4>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x2xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<1x2xi32>) -> tensor<1x2xi32>
  // expected-remark@+1 {{qc-pack-weights: int4 weight packed two per byte: 8.0 -> 4.0 bytes}}
  %r = linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%a, %w : tensor<1x4xi8>, tensor<4x2xi4>) outs(%i : tensor<1x2xi32>) -> tensor<1x2xi32>
  return %r : tensor<1x2xi32>
}

// -----

// Three distinct i8 codes in the tensor: u4 indices into one codebook
// [-100, 5, 90] (sorted codes), [N, K/2] = [4, 4] bytes.
// CHECK-LABEL: func @codebook_tensor
// CHECK-DAG: %[[CB:.*]] = arith.constant dense<{{\[}}[-100, 5, 90]]> : tensor<1x3xi8>
// CHECK-DAG: %[[P:.*]] = arith.constant dense<{{.*}}> : tensor<4x4xi8>
// CHECK: linalg.generic
// CHECK: %[[B:.*]] = tensor.extract %[[P]]
// CHECK: %[[S:.*]] = arith.shrui %[[B]]
// CHECK: %[[I:.*]] = arith.andi %[[S]], %c15_i8
// CHECK: %[[X:.*]] = arith.index_castui %[[I]] : i8 to index
// CHECK: tensor.extract %[[CB]][%c0{{.*}}, %[[X]]] : tensor<1x3xi8>
func.func @codebook_tensor(%a: tensor<2x8xi8>) -> tensor<2x4xi32> {
  %w = arith.constant dense<[[5, 90, -100, 5], [5, 5, 90, -100], [90, -100, 5, 5], [5, 90, 90, -100],
                             [-100, 5, 90, 5], [5, -100, 5, 90], [90, 5, -100, 5], [5, 5, 5, 90]]> : tensor<8x4xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<2x4xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<2x4xi32>) -> tensor<2x4xi32>
  // expected-remark@+1 {{qc-pack-weights: u4 indices into 1 codebook of 3 8-bit codes (per tensor): 32.0 -> 19.0 bytes}}
  %r = linalg.matmul ins(%a, %w : tensor<2x8xi8>, tensor<8x4xi8>) outs(%i : tensor<2x4xi32>) -> tensor<2x4xi32>
  return %r : tensor<2x4xi32>
}

// -----

// Many codes: dense. Few codes but too small a weight for the codebook to
// pay: dense too.
// CHECK-LABEL: func @kept_dense
// CHECK-COUNT-2: linalg.matmul
func.func @kept_dense(%a: tensor<2x17xi8>, %b: tensor<2x2xi8>) -> (tensor<2x2xi32>, tensor<2x2xi32>) {
  %w = arith.constant dense<[[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10, 11], [12, 13], [14, 15], [16, 17],
                             [18, 19], [20, 21], [22, 23], [24, 25], [26, 27], [28, 29], [30, 31], [32, 33]]> : tensor<17x2xi8>
  %w2 = arith.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<2x2xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<2x2xi32>) -> tensor<2x2xi32>
  // expected-remark@+1 {{qc-pack-weights: more than 16 distinct 8-bit codes per output channel; kept dense}}
  %r = linalg.matmul ins(%a, %w : tensor<2x17xi8>, tensor<17x2xi8>) outs(%i : tensor<2x2xi32>) -> tensor<2x2xi32>
  // expected-remark@+1 {{qc-pack-weights: 6.0 bytes of indices and codebooks would not be smaller than the 4.0 bytes of the weight; kept dense}}
  %r2 = linalg.matmul ins(%b, %w2 : tensor<2x2xi8>, tensor<2x2xi8>) outs(%i : tensor<2x2xi32>) -> tensor<2x2xi32>
  return %r, %r2 : tensor<2x2xi32>, tensor<2x2xi32>
}

// -----

// A filter [KH, KW, C, F] is the [KH*KW*C, F] weight; the window loops get
// their bounds from a zero splat of the window shape.
// CHECK-LABEL: func @conv_int4
// CHECK-DAG: %[[WIN:.*]] = arith.constant dense<0> : tensor<2x1x2xi8>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[WIN]] : tensor<1x5x4x2xi8>, tensor<2x1x2xi8>)
// CHECK-NOT: linalg.conv_2d
func.func @conv_int4(%x: tensor<1x5x4x2xi8>) -> tensor<1x2x4x3xi32> {
  %w = arith.constant dense<[[[[1, 2, 3], [4, 5, 6]]], [[[-1, -2, -3], [-4, -5, -6]]]]> : tensor<2x1x2x3xi4>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x2x4x3xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<1x2x4x3xi32>) -> tensor<1x2x4x3xi32>
  // expected-remark@+1 {{qc-pack-weights: int4 weight packed two per byte: 12.0 -> 6.0 bytes}}
  %r = linalg.conv_2d_nhwc_hwcf {strides = dense<[2, 1]> : tensor<2xi64>, dilations = dense<[2, 1]> : tensor<2xi64>}
       ins(%x, %w : tensor<1x5x4x2xi8>, tensor<2x1x2x3xi4>) outs(%i : tensor<1x2x4x3xi32>) -> tensor<1x2x4x3xi32>
  return %r : tensor<1x2x4x3xi32>
}

// -----

// u8 activations x i4 weights: the lowering's matmul-shaped generic (no
// named op has mixed signedness). The activation stays zero-extended, the
// unpacked weight is shifted down arithmetically and sign-extended.
// CHECK-LABEL: func @mixed_u8_i4
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<2x4xi8>)
// CHECK: ^bb0(%[[A:.*]]: i8, %{{.*}}: i32):
// CHECK: arith.shli
// CHECK: %[[W:.*]] = arith.shrsi
// CHECK-DAG: arith.extui %[[A]] : i8 to i32
// CHECK-DAG: arith.extsi %[[W]] : i8 to i32
// CHECK-NOT: linalg.generic
func.func @mixed_u8_i4(%a: tensor<2x4xi8>) -> tensor<2x3xi32> {
  %w = arith.constant dense<[[7, 5, -8], [5, 5, 1], [-1, 0, 5], [5, -6, 5]]> : tensor<4x3xi4>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<2x3xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<2x3xi32>) -> tensor<2x3xi32>
  // expected-remark@+1 {{qc-pack-weights: int4 weight packed two per byte: 12.0 -> 6.0 bytes}}
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %w : tensor<2x4xi8>, tensor<4x3xi4>) outs(%i : tensor<2x3xi32>) {
  ^bb0(%x: i8, %y: i4, %acc: i32):
    %xe = arith.extui %x : i8 to i32
    %ye = arith.extsi %y : i4 to i32
    %p = arith.muli %xe, %ye : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  } -> tensor<2x3xi32>
  return %r : tensor<2x3xi32>
}

// -----

// A generic that is not a plain product of the two codes (here a product
// of differences) is left alone: no remark.
// CHECK-LABEL: func @generic_not_matmul
// CHECK: arith.subi
func.func @generic_not_matmul(%a: tensor<2x4xi8>) -> tensor<2x3xi32> {
  %w = arith.constant dense<[[7, 5, -8], [5, 5, 1], [-1, 0, 5], [5, -6, 5]]> : tensor<4x3xi4>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<2x3xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<2x3xi32>) -> tensor<2x3xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %w : tensor<2x4xi8>, tensor<4x3xi4>) outs(%i : tensor<2x3xi32>) {
  ^bb0(%x: i8, %y: i4, %acc: i32):
    %xe = arith.extui %x : i8 to i32
    %ye = arith.extsi %y : i4 to i32
    %d = arith.subi %xe, %ye : i32
    %p = arith.muli %d, %ye : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  } -> tensor<2x3xi32>
  return %r : tensor<2x3xi32>
}
