// RUN: qc-opt %s --qc-record-entry-abi | FileCheck %s

// CHECK-LABEL: func.func @model
// CHECK-SAME:    qc.abi.inputs = [tensor<4x!quant.uniform<u8:f32, 1.000000e-01:3>>, tensor<2xi32>]
// CHECK-SAME:    qc.abi.results = [tensor<4xf32>]
func.func @model(%q: tensor<4x!quant.uniform<u8:f32, 0.1:3>>, %b: tensor<2xi32>) -> tensor<4xf32> {
  %d = qc.dequantize %q : tensor<4x!quant.uniform<u8:f32, 0.1:3>> -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// NOTE: private functions are not entry points; an existing record is kept
// because it describes the signature before an earlier rewrite.
// CHECK-LABEL: func.func private @helper
// CHECK-NOT:     qc.abi
func.func private @helper(%x: tensor<2xi32>) -> tensor<2xi32> {
  return %x : tensor<2xi32>
}

// CHECK-LABEL: func.func @already
// CHECK-SAME:    qc.abi.inputs = [tensor<2xui8>]
// CHECK-SAME:    qc.abi.results = []
func.func @already(%x: tensor<2xi8>) attributes {qc.abi.inputs = [tensor<2xui8>], qc.abi.results = []} {
  return
}
