// qc-cpu-pack-int4-activations: an i4 activation [4, 5] between two int8
// matmul kernels is packed two codes per byte (3 bytes per row, 4 zero
// bytes after: 16), read back by an unpacking generic (byte d0 * 3 + d1 / 2,
// the nibble d1 % 2 sign-extended); qc-cpu-int8-kernels then fuses both.
// A consumer whose u4 weights have a zero point != 0 also sums the
// activation's rows (a reduction): the activation stays one per byte.
// RUN: qc-opt %s --split-input-file --qc-lower-to-linalg --qc-widen-narrow-integers --qc-cpu-pack-int4-activations | FileCheck %s
// RUN: qc-opt %s --split-input-file --qc-lower-to-linalg --qc-widen-narrow-integers --qc-cpu-pack-int4-activations --qc-cpu-int8-kernels | FileCheck %s --check-prefix=KERNEL

// CHECK-DAG:   #[[UNPACK:.*]] = affine_map<(d0, d1) -> (d1 floordiv 2 + d0 * 3)>
// CHECK-LABEL: func.func @packed
// CHECK:       %[[EVEN:.*]] = tensor.extract_slice %[[R:.*]][0, 0] [4, 3] [1, 2] : tensor<4x5xi8> to tensor<4x3xi8>
// CHECK:       tensor.extract_slice %[[R]][0, 1] [4, 2] [1, 2] : tensor<4x5xi8> to tensor<4x2xi8>
// CHECK:       tensor.pad {{.*}} low[0, 0] high[0, 1]
// CHECK:       %[[P:.*]] = linalg.generic {{.*}} ins({{.*}} : tensor<16xi8>, tensor<16xi8>) outs({{.*}} : tensor<16xi8>) attrs =  {qc.pack_nibbles}
// CHECK:         arith.andi
// CHECK:         arith.shli
// CHECK:         arith.ori
// CHECK:       linalg.generic {indexing_maps = [#[[UNPACK]], {{.*}}]{{.*}} ins(%[[P]] : tensor<16xi8>) outs({{.*}} : tensor<4x5xi8>) attrs =  {qc.unpack_nibbles}
// CHECK:         linalg.index 1
// CHECK:         arith.select

// KERNEL-LABEL: func.func @packed
// The producer stores nibble pairs: even and odd lanes of each 16-code
// vector, a high nibble past channel 5 masked to 0, 3 bytes per row.
// KERNEL:       scf.forall
// KERNEL:         vector.shuffle {{.*}} [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xi8>, vector<16xi8>
// KERNEL:         vector.shuffle {{.*}} [1, 3, 5, 7, 9, 11, 13, 15] : vector<16xi8>, vector<16xi8>
// KERNEL:         arith.ori {{.*}} : vector<8xi8>
// KERNEL:         tensor.parallel_insert_slice {{.*}} [4, 3] [1, 1] : tensor<4x3xi8> into tensor<4x3xi8>
// The consumer: one 4-byte read per row, flipped (0x88), two nibble operands.
// KERNEL:       scf.forall
// KERNEL:         vector.transfer_read {{.*}} : tensor<16xi8>, vector<4xi8>
// KERNEL:         arith.xori {{.*}} : vector<64xi8>
// KERNEL:         arith.andi {{.*}} : vector<64xi8>
// KERNEL:         arith.shrui {{.*}} : vector<64xi8>
// KERNEL-NOT:   qc.pack_nibbles
// KERNEL-NOT:   qc.unpack_nibbles
// KERNEL:       return

func.func @packed(%arg0: tensor<4x6x!quant.uniform<i8:f32, 5.00000000000000028e-02:3>>) -> tensor<4x3x!quant.uniform<i8:f32, 6.47145894410565969e-02:-3>> {
  %c1_s = arith.constant dense<[[-8, 7, 7,-4,-6], [-3,-8, 6, 2, 1], [-5,-1,-5, 4,-1], [-8,-4, 3, 0,-3], [-4,-7, 1, 2, 0], [ 6, 6,-5, 1, 2]]> : tensor<6x5xi4>
  %c1 = quant.scast %c1_s : tensor<6x5xi4> to tensor<6x5x!quant.uniform<i4:f32:1, {1.60675668093824053e-01:0, 1.93440088225414808e-01:2, 9.26301745623187289e-02:-1, 1.47282081061973769e-01:2, 1.54432399500523343e-01:-2}>>
  %c2_s = arith.constant dense<[-152,-122,  -8, 145,-125]> : tensor<5xi32>
  %c2 = quant.scast %c2_s : tensor<5xi32> to tensor<5x!quant.uniform<i32:f32:0, {8.03378340469120336e-03:0, 9.67200441127074109e-03:0, 4.63150872811593679e-03:0, 7.36410405309868843e-03:0, 7.72161997502616732e-03:0}>>
  %v1 = qc.matmul %arg0, %c1 bias %c2 : tensor<4x6x!quant.uniform<i8:f32, 5.00000000000000028e-02:3>>, tensor<6x5x!quant.uniform<i4:f32:1, {1.60675668093824053e-01:0, 1.93440088225414808e-01:2, 9.26301745623187289e-02:-1, 1.47282081061973769e-01:2, 1.54432399500523343e-01:-2}>>, tensor<5x!quant.uniform<i32:f32:0, {8.03378340469120336e-03:0, 9.67200441127074109e-03:0, 4.63150872811593679e-03:0, 7.36410405309868843e-03:0, 7.72161997502616732e-03:0}>> -> tensor<4x5x!quant.uniform<i4:f32, 7.45602269486338010e-01:1>>
  %c3_s = arith.constant dense<[[-8, 7, 5], [ 6,-2, 7], [ 4,-3, 6], [-2,-7, 1], [ 5, 2,-2]]> : tensor<5x3xi4>
  %c3 = quant.scast %c3_s : tensor<5x3xi4> to tensor<5x3x!quant.uniform<i4:f32:1, {1.74483031141146883e-01:0, 1.48647831630986493e-01:0, 1.52419836179052554e-01:0}>>
  %c4_s = arith.constant dense<[241,-13,-69]> : tensor<3xi32>
  %c4 = quant.scast %c4_s : tensor<3xi32> to tensor<3x!quant.uniform<i32:f32:0, {1.30094944005694518e-01:0, 1.10832160618286588e-01:0, 1.13644575769837428e-01:0}>>
  %r = qc.matmul %v1, %c3 bias %c4 : tensor<4x5x!quant.uniform<i4:f32, 7.45602269486338010e-01:1>>, tensor<5x3x!quant.uniform<i4:f32:1, {1.74483031141146883e-01:0, 1.48647831630986493e-01:0, 1.52419836179052554e-01:0}>>, tensor<3x!quant.uniform<i32:f32:0, {1.30094944005694518e-01:0, 1.10832160618286588e-01:0, 1.13644575769837428e-01:0}>> -> tensor<4x3x!quant.uniform<i8:f32, 6.47145894410565969e-02:-3>>
  return %r : tensor<4x3x!quant.uniform<i8:f32, 6.47145894410565969e-02:-3>>
}

// -----

// CHECK-LABEL: func.func @kept
// CHECK-NOT:   qc.pack_nibbles
// CHECK-NOT:   qc.unpack_nibbles
// CHECK:       return

func.func @kept(%arg0: tensor<4x6x!quant.uniform<i8:f32, 5.00000000000000028e-02:3>>) -> tensor<4x3x!quant.uniform<i8:f32, 1.95027837763078360e-01:-3>> {
  %c1_s = arith.constant dense<[[-8, 7, 4, 7,-8], [ 0,-3,-8,-7,-4], [-5, 3,-5, 2, 5], [-1,-6,-7,-4,-2], [-1,-4, 5, 1, 7], [ 6, 3,-8,-5, 3]]> : tensor<6x5xi4>
  %c1 = quant.scast %c1_s : tensor<6x5xi4> to tensor<6x5x!quant.uniform<i4:f32:1, {8.08662572343528258e-02:2, 1.77635168688747735e-01:1, 7.53480966990629358e-02:0, 1.94653658134141982e-01:2, 1.43553909215922759e-01:1}>>
  %c2_s = arith.constant dense<[  26, 266, 123, 191,-269]> : tensor<5xi32>
  %c2 = quant.scast %c2_s : tensor<5xi32> to tensor<5x!quant.uniform<i32:f32:0, {4.04331286171764111e-03:0, 8.88175843443738712e-03:0, 3.76740483495314679e-03:0, 9.73268290670709947e-03:0, 7.17769546079613865e-03:0}>>
  %v1 = qc.matmul %arg0, %c1 bias %c2 : tensor<4x6x!quant.uniform<i8:f32, 5.00000000000000028e-02:3>>, tensor<6x5x!quant.uniform<i4:f32:1, {8.08662572343528258e-02:2, 1.77635168688747735e-01:1, 7.53480966990629358e-02:0, 1.94653658134141982e-01:2, 1.43553909215922759e-01:1}>>, tensor<5x!quant.uniform<i32:f32:0, {4.04331286171764111e-03:0, 8.88175843443738712e-03:0, 3.76740483495314679e-03:0, 9.73268290670709947e-03:0, 7.17769546079613865e-03:0}>> -> tensor<4x5x!quant.uniform<i4:f32, 1.22426767139557402e+00:1>>
  %c3_s = arith.constant dense<[[ 0,-1,-6], [ 3, 0, 7], [-7, 2,-2], [ 7,-1,-8], [-5,-4, 7]]> : tensor<5x3xi4>
  %c3 = quant.scast %c3_s : tensor<5x3xi4> to tensor<5x3x!quant.uniform<u4:f32:1, {1.38455043016881274e-01:6, 1.50429992171249777e-01:1, 1.50369124421890377e-01:8}>>
  %c4_s = arith.constant dense<[ -64, 100,-289]> : tensor<3xi32>
  %c4 = quant.scast %c4_s : tensor<3xi32> to tensor<3x!quant.uniform<i32:f32:0, {1.69506033107251264e-01:0, 1.84166576223550399e-01:0, 1.84092057805779058e-01:0}>>
  %r = qc.matmul %v1, %c3 bias %c4 : tensor<4x5x!quant.uniform<i4:f32, 1.22426767139557402e+00:1>>, tensor<5x3x!quant.uniform<u4:f32:1, {1.38455043016881274e-01:6, 1.50429992171249777e-01:1, 1.50369124421890377e-01:8}>>, tensor<3x!quant.uniform<i32:f32:0, {1.69506033107251264e-01:0, 1.84166576223550399e-01:0, 1.84092057805779058e-01:0}>> -> tensor<4x3x!quant.uniform<i8:f32, 1.95027837763078360e-01:-3>>
  return %r : tensor<4x3x!quant.uniform<i8:f32, 1.95027837763078360e-01:-3>>
}
