// RUN: qc-opt %s --pass-pipeline='builtin.module(func.func(qc-cpu-forward-out-params))' | FileCheck %s

func.func private @kernel(memref<4x16xi32>, memref<4x16xi32>)

// The call writes the out-parameter; no allocation, no copy.
// CHECK-LABEL: func.func @forwarded
// CHECK-SAME:    (%[[X:.*]]: memref<4x16xi32>, %[[OUT:.*]]: memref<4x16xi32>)
// CHECK-NEXT:    call @kernel(%[[X]], %[[OUT]])
// CHECK-NEXT:    return
func.func @forwarded(%x: memref<4x16xi32>, %out: memref<4x16xi32>) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<4x16xi32>
  call @kernel(%x, %a) : (memref<4x16xi32>, memref<4x16xi32>) -> ()
  memref.copy %a, %out : memref<4x16xi32> to memref<4x16xi32>
  return
}

// The allocation is read after the copy: kept.
// CHECK-LABEL: func.func @read_after
// CHECK:         memref.alloc
// CHECK:         memref.copy
func.func @read_after(%x: memref<4x16xi32>, %out: memref<4x16xi32>, %out2: memref<4x16xi32>) {
  %a = memref.alloc() : memref<4x16xi32>
  call @kernel(%x, %a) : (memref<4x16xi32>, memref<4x16xi32>) -> ()
  memref.copy %a, %out : memref<4x16xi32> to memref<4x16xi32>
  call @kernel(%a, %out2) : (memref<4x16xi32>, memref<4x16xi32>) -> ()
  return
}

// The out-parameter has another use (it is read before the copy): kept.
// CHECK-LABEL: func.func @target_used
// CHECK:         memref.alloc
// CHECK:         memref.copy
func.func @target_used(%out: memref<4x16xi32>) {
  %a = memref.alloc() : memref<4x16xi32>
  call @kernel(%out, %a) : (memref<4x16xi32>, memref<4x16xi32>) -> ()
  memref.copy %a, %out : memref<4x16xi32> to memref<4x16xi32>
  return
}

// Different types (a strided target): kept.
// CHECK-LABEL: func.func @other_type
// CHECK:         memref.alloc
// CHECK:         memref.copy
func.func @other_type(%x: memref<4x16xi32>, %out: memref<4x16xi32, strided<[32, 1]>>) {
  %a = memref.alloc() : memref<4x16xi32>
  call @kernel(%x, %a) : (memref<4x16xi32>, memref<4x16xi32>) -> ()
  memref.copy %a, %out : memref<4x16xi32> to memref<4x16xi32, strided<[32, 1]>>
  return
}

// The copy reads the out-parameter into the allocation: kept.
// CHECK-LABEL: func.func @copy_from_target
// CHECK:         memref.alloc
func.func @copy_from_target(%out: memref<4x16xi32>, %y: memref<4x16xi32>) {
  %a = memref.alloc() : memref<4x16xi32>
  memref.copy %out, %a : memref<4x16xi32> to memref<4x16xi32>
  call @kernel(%a, %y) : (memref<4x16xi32>, memref<4x16xi32>) -> ()
  return
}
