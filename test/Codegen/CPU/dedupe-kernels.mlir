// RUN: qc-opt %s --qc-cpu-dedupe-kernels --split-input-file | FileCheck %s

// Two kernels equal but for their weights: one function that takes the
// weights as an argument, called twice with each kernel's own; the splat
// and the scalars stay in it.
// CHECK-LABEL: func.func private @two_kernel0(
// CHECK-SAME:      %[[X:.*]]: tensor<4xi32>, %[[W:.*]]: tensor<4xi32>) -> tensor<4xi32>
// CHECK-SAME:      attributes {qc.kernel}
// CHECK-DAG:     arith.constant dense<2> : vector<4xi32>
// CHECK-DAG:     arith.constant 0 : i32
// CHECK:         vector.transfer_read %[[X]]
// CHECK:         vector.transfer_read %[[W]]
// CHECK-NOT:   func.func private @two_kernel1
// CHECK-LABEL: func.func @two(
// CHECK:         %[[W0:.*]] = arith.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
// CHECK:         %[[R0:.*]] = call @two_kernel0(%{{.*}}, %[[W0]])
// CHECK:         %[[W1:.*]] = arith.constant dense<[5, 6, 7, 8]> : tensor<4xi32>
// CHECK:         %[[R1:.*]] = call @two_kernel0(%[[R0]], %[[W1]])
// CHECK:         return %[[R1]]
func.func private @two_kernel0(%x: tensor<4xi32>) -> tensor<4xi32> attributes {qc.kernel} {
  %c0 = arith.constant 0 : index
  %p = arith.constant 0 : i32
  %two = arith.constant dense<2> : vector<4xi32>
  %w = arith.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
  %a = vector.transfer_read %x[%c0], %p : tensor<4xi32>, vector<4xi32>
  %b = vector.transfer_read %w[%c0], %p : tensor<4xi32>, vector<4xi32>
  %m = arith.muli %a, %two : vector<4xi32>
  %s = arith.addi %m, %b : vector<4xi32>
  %e = tensor.empty() : tensor<4xi32>
  %r = vector.transfer_write %s, %e[%c0] : vector<4xi32>, tensor<4xi32>
  return %r : tensor<4xi32>
}
func.func private @two_kernel1(%x: tensor<4xi32>) -> tensor<4xi32> attributes {qc.kernel} {
  %c0 = arith.constant 0 : index
  %p = arith.constant 0 : i32
  %two = arith.constant dense<2> : vector<4xi32>
  %w = arith.constant dense<[5, 6, 7, 8]> : tensor<4xi32>
  %a = vector.transfer_read %x[%c0], %p : tensor<4xi32>, vector<4xi32>
  %b = vector.transfer_read %w[%c0], %p : tensor<4xi32>, vector<4xi32>
  %m = arith.muli %a, %two : vector<4xi32>
  %s = arith.addi %m, %b : vector<4xi32>
  %e = tensor.empty() : tensor<4xi32>
  %r = vector.transfer_write %s, %e[%c0] : vector<4xi32>, tensor<4xi32>
  return %r : tensor<4xi32>
}
func.func @two(%x: tensor<4xi32>) -> tensor<4xi32> {
  %0 = call @two_kernel0(%x) : (tensor<4xi32>) -> tensor<4xi32>
  %1 = call @two_kernel1(%0) : (tensor<4xi32>) -> tensor<4xi32>
  return %1 : tensor<4xi32>
}

// -----

// NOTE: kernels that differ in a splat (a requantization multiplier) or in
// a scalar stay two functions, and keep their weights: nothing is lifted
// from a kernel that has no equal.
// CHECK-LABEL: func.func private @splat_kernel0(
// CHECK-SAME:      %{{.*}}: tensor<4xi32>) -> tensor<4xi32>
// CHECK:         arith.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
// CHECK:         arith.constant dense<2> : vector<4xi32>
// CHECK-LABEL: func.func private @splat_kernel1(
// CHECK-SAME:      %{{.*}}: tensor<4xi32>) -> tensor<4xi32>
// CHECK:         arith.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
// CHECK:         arith.constant dense<3> : vector<4xi32>
// CHECK-LABEL: func.func @splat(
// CHECK:         call @splat_kernel0(%{{[^,]*}})
// CHECK:         call @splat_kernel1(%{{[^,]*}})
func.func private @splat_kernel0(%x: tensor<4xi32>) -> tensor<4xi32> attributes {qc.kernel} {
  %c0 = arith.constant 0 : index
  %p = arith.constant 0 : i32
  %w = arith.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
  %m = arith.constant dense<2> : vector<4xi32>
  %a = vector.transfer_read %x[%c0], %p : tensor<4xi32>, vector<4xi32>
  %b = vector.transfer_read %w[%c0], %p : tensor<4xi32>, vector<4xi32>
  %s = arith.addi %a, %b : vector<4xi32>
  %t = arith.muli %s, %m : vector<4xi32>
  %e = tensor.empty() : tensor<4xi32>
  %r = vector.transfer_write %t, %e[%c0] : vector<4xi32>, tensor<4xi32>
  return %r : tensor<4xi32>
}
func.func private @splat_kernel1(%x: tensor<4xi32>) -> tensor<4xi32> attributes {qc.kernel} {
  %c0 = arith.constant 0 : index
  %p = arith.constant 0 : i32
  %w = arith.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
  %m = arith.constant dense<3> : vector<4xi32>
  %a = vector.transfer_read %x[%c0], %p : tensor<4xi32>, vector<4xi32>
  %b = vector.transfer_read %w[%c0], %p : tensor<4xi32>, vector<4xi32>
  %s = arith.addi %a, %b : vector<4xi32>
  %t = arith.muli %s, %m : vector<4xi32>
  %e = tensor.empty() : tensor<4xi32>
  %r = vector.transfer_write %t, %e[%c0] : vector<4xi32>, tensor<4xi32>
  return %r : tensor<4xi32>
}
func.func @splat(%x: tensor<4xi32>) -> tensor<4xi32> {
  %0 = call @splat_kernel0(%x) : (tensor<4xi32>) -> tensor<4xi32>
  %1 = call @splat_kernel1(%0) : (tensor<4xi32>) -> tensor<4xi32>
  return %1 : tensor<4xi32>
}

// -----

// NOTE: a table that a kernel reads element by element (qc-cpu-table-
// lookup-x86-vbmi needs to see it as a constant) is not lifted: kernels
// with different tables stay apart.
// CHECK-LABEL: func.func private @table_kernel0(
// CHECK-SAME:      %{{.*}}: index) -> i8
// CHECK:         arith.constant dense<[1, 2, 3, 4]> : tensor<4xi8>
// CHECK-LABEL: func.func private @table_kernel1(
// CHECK-SAME:      %{{.*}}: index) -> i8
// CHECK:         arith.constant dense<[4, 3, 2, 1]> : tensor<4xi8>
func.func private @table_kernel0(%i: index) -> i8 attributes {qc.kernel} {
  %t = arith.constant dense<[1, 2, 3, 4]> : tensor<4xi8>
  %v = tensor.extract %t[%i] : tensor<4xi8>
  return %v : i8
}
func.func private @table_kernel1(%i: index) -> i8 attributes {qc.kernel} {
  %t = arith.constant dense<[4, 3, 2, 1]> : tensor<4xi8>
  %v = tensor.extract %t[%i] : tensor<4xi8>
  return %v : i8
}
func.func @table(%i: index) -> (i8, i8) {
  %0 = call @table_kernel0(%i) : (index) -> i8
  %1 = call @table_kernel1(%i) : (index) -> i8
  return %0, %1 : i8, i8
}

// -----

// Kernels equal as they are (no weights) become one without new arguments;
// one that is not a kernel (no qc.kernel) is left alone.
// CHECK-LABEL: func.func private @same_kernel0(
// CHECK-SAME:      %{{.*}}: i32) -> i32
// CHECK-NOT:   func.func private @same_kernel1(
// CHECK-LABEL: func.func private @helper0(
// CHECK-LABEL: func.func private @helper1(
// CHECK-LABEL: func.func @same(
// CHECK:         %[[A:.*]] = call @same_kernel0(%{{.*}}) : (i32) -> i32
// CHECK:         %[[B:.*]] = call @same_kernel0(%[[A]]) : (i32) -> i32
// CHECK:         %[[C:.*]] = call @helper0(%[[B]])
// CHECK:         call @helper1(%[[C]])
func.func private @same_kernel0(%x: i32) -> i32 attributes {qc.kernel} {
  %y = arith.muli %x, %x : i32
  return %y : i32
}
func.func private @same_kernel1(%x: i32) -> i32 attributes {qc.kernel} {
  %y = arith.muli %x, %x : i32
  return %y : i32
}
func.func private @helper0(%x: i32) -> i32 {
  %y = arith.muli %x, %x : i32
  return %y : i32
}
func.func private @helper1(%x: i32) -> i32 {
  %y = arith.muli %x, %x : i32
  return %y : i32
}
func.func @same(%x: i32) -> i32 {
  %0 = call @same_kernel0(%x) : (i32) -> i32
  %1 = call @same_kernel1(%0) : (i32) -> i32
  %2 = call @helper0(%1) : (i32) -> i32
  %3 = call @helper1(%2) : (i32) -> i32
  return %3 : i32
}

// -----

// NOTE: a kernel named by something other than a call (here a
// func.constant) keeps its name and body.
// CHECK-LABEL: func.func private @ref_kernel0(
// CHECK-LABEL: func.func private @ref_kernel1(
// CHECK-LABEL: func.func @ref(
// CHECK:         call @ref_kernel0(
// CHECK:         constant @ref_kernel1
func.func private @ref_kernel0(%x: i32) -> i32 attributes {qc.kernel} {
  %y = arith.muli %x, %x : i32
  return %y : i32
}
func.func private @ref_kernel1(%x: i32) -> i32 attributes {qc.kernel} {
  %y = arith.muli %x, %x : i32
  return %y : i32
}
func.func @ref(%x: i32) -> (i32, (i32) -> i32) {
  %0 = call @ref_kernel0(%x) : (i32) -> i32
  %f = func.constant @ref_kernel1 : (i32) -> i32
  return %0, %f : i32, (i32) -> i32
}
