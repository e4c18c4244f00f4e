// RUN: qc-opt %s --qc-lower-to-linalg -split-input-file | FileCheck %s

// Signatures, calls and returns get storage types; quant.scast in either
// direction is the identity on storage.
// CHECK-LABEL: func.func private @callee(tensor<4xi8>) -> tensor<4xi8>
// CHECK-LABEL: func.func @caller
// CHECK-SAME: (%[[X:.*]]: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi8>)
// CHECK: %[[C:.*]] = call @callee(%[[X]]) : (tensor<4xi8>) -> tensor<4xi8>
// CHECK: return %[[C]], %[[X]] : tensor<4xi8>, tensor<4xi8>
func.func private @callee(tensor<4x!quant.uniform<u8:f32, 0.1:128>>) -> tensor<4x!quant.uniform<u8:f32, 0.1:128>>
func.func @caller(%x: tensor<4xi8>) -> (tensor<4x!quant.uniform<u8:f32, 0.1:128>>, tensor<4xi8>) {
  %q = quant.scast %x : tensor<4xi8> to tensor<4x!quant.uniform<u8:f32, 0.1:128>>
  %c = call @callee(%q) : (tensor<4x!quant.uniform<u8:f32, 0.1:128>>) -> tensor<4x!quant.uniform<u8:f32, 0.1:128>>
  %s = quant.scast %q : tensor<4x!quant.uniform<u8:f32, 0.1:128>> to tensor<4xi8>
  return %c, %s : tensor<4x!quant.uniform<u8:f32, 0.1:128>>, tensor<4xi8>
}

// -----

// Float and plain integer code is left alone.
// CHECK-LABEL: func.func @untouched
// CHECK-NEXT: arith.addf
// CHECK-NEXT: return
func.func @untouched(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = arith.addf %x, %x : tensor<4xf32>
  return %y : tensor<4xf32>
}
