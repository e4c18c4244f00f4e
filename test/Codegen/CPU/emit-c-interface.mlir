// RUN: qc-opt %s --qc-emit-c-interface | FileCheck %s

// CHECK-LABEL: func.func @public
// CHECK-SAME:    attributes {llvm.emit_c_interface}
func.func @public(%x: memref<4xi8>) {
  return
}

// NOTE: private functions and declarations get no wrapper.
// CHECK-LABEL: func.func private @private
// CHECK-NOT:     llvm.emit_c_interface
func.func private @private(%x: memref<4xi8>) {
  return
}
// CHECK-LABEL: func.func private @external
// CHECK-NOT:     llvm.emit_c_interface
func.func private @external(%x: memref<4xi8>)
