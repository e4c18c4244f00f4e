// RUN: qc-opt %s --qc-expand-rounding | FileCheck %s
// math.roundeven / math.round become exact floor arithmetic (SPIR-V has
// GL.Floor but upstream has no lowering for the two rounding ops).

// CHECK-LABEL: func.func @round_even
// CHECK-NOT:     math.roundeven
// CHECK:         %[[F:.*]] = math.floor %[[X:.*]] : f32
// CHECK:         %[[D:.*]] = arith.subf %[[X]], %[[F]] : f32
// CHECK:         arith.cmpf oeq
// CHECK:         arith.cmpf ogt, %[[D]]
// CHECK:         arith.cmpf olt, %[[D]]
func.func @round_even(%x: f32) -> f32 {
  %r = math.roundeven %x : f32
  return %r : f32
}

// CHECK-LABEL: func.func @round_away
// CHECK-NOT:     math.round
// CHECK:         math.floor
// CHECK:         arith.cmpf ogt, %{{.*}}, %{{.*}} : f32
func.func @round_away(%x: f32) -> f32 {
  %r = math.round %x : f32
  return %r : f32
}

// NOTE: vector and tensor operands do not occur in kernels; left unchanged.
// CHECK-LABEL: func.func @tensor_left_alone
// CHECK:         math.roundeven %{{.*}} : tensor<4xf32>
func.func @tensor_left_alone(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = math.roundeven %x : tensor<4xf32>
  return %r : tensor<4xf32>
}
