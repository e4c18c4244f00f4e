// RUN: qc-opt %s --qc-materialize-constant-globals --split-input-file | FileCheck %s
// RUN: qc-opt %s --qc-materialize-constant-globals --split-input-file \
// RUN:   --one-shot-bufferize=bufferize-function-boundaries | FileCheck %s --check-prefix=BUF
// RUN: qc-opt %s --qc-materialize-constant-globals --split-input-file \
// RUN:   --qc-pass-statistics -o /dev/null 2>&1 | FileCheck %s --check-prefix=STAT
// STAT:      qc-materialize-constant-globals
// STAT-NEXT:   (S) 3 globals

// Globals for the tensor constants in IR order (each new one goes to the top
// of the module), one per value; scalar constants are left alone. The
// bufferization then reuses them instead of creating its own.
// CHECK-LABEL: module
// CHECK-NEXT: memref.global "private" constant @__constant_2xi32_0 : memref<2xi32> = dense<[5, 6]> {alignment = 64 : i64}
// CHECK-NEXT: memref.global "private" constant @__constant_4xi8 : memref<4xi8> = dense<[1, 2, 3, 4]> {alignment = 64 : i64}
// CHECK-NEXT: memref.global "private" constant @__constant_2xi32 : memref<2xi32> = dense<[7, 8]> {alignment = 64 : i64}
// CHECK-NOT: memref.global
// CHECK: func.func @b
// CHECK: arith.constant dense<[7, 8]>
// CHECK: func.func @a
// BUF-LABEL: module
// BUF-COUNT-3: memref.global
// BUF-NOT: memref.global
// BUF: func.func @b
// BUF: memref.get_global @__constant_2xi32 :
// BUF: func.func @a
// BUF: memref.get_global @__constant_4xi8 :
// BUF: memref.get_global @__constant_2xi32_0 :
// BUF: memref.get_global @__constant_2xi32 :
func.func @b() -> tensor<2xi32> {
  %c = arith.constant dense<[7, 8]> : tensor<2xi32>
  return %c : tensor<2xi32>
}
func.func @a() -> (tensor<4xi8>, tensor<2xi32>, tensor<2xi32>, i32) {
  %x = arith.constant dense<[1, 2, 3, 4]> : tensor<4xi8>
  %y = arith.constant dense<[5, 6]> : tensor<2xi32>
  %z = arith.constant dense<[7, 8]> : tensor<2xi32>
  %s = arith.constant 3 : i32
  return %x, %y, %z, %s : tensor<4xi8>, tensor<2xi32>, tensor<2xi32>, i32
}

// -----

// A global of the input with the same value and alignment is reused.
// CHECK-LABEL: module
// CHECK-NEXT: memref.global "private" constant @w : memref<2xi32> = dense<[1, 2]> {alignment = 64 : i64}
// CHECK-NOT: memref.global
// BUF-LABEL: module
// BUF: memref.get_global @w
memref.global "private" constant @w : memref<2xi32> = dense<[1, 2]> {alignment = 64 : i64}
func.func @c() -> tensor<2xi32> {
  %c = arith.constant dense<[1, 2]> : tensor<2xi32>
  return %c : tensor<2xi32>
}
