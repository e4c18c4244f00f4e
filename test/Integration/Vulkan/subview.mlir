// A tensor.extract_slice becomes a memref.subview on the host; the kernel is
// bound to the whole base buffer and its memref type (offset 25, strides
// [10, 1]) addresses the window.
// RUN: %python %S/Inputs/vulkan_check.py slice_mul7 %t/d -- qc-vulkan-run %s | FileCheck %s
// RUN: qc-opt %s --qc-spirv-pipeline | FileCheck %s --check-prefix=IR
// CHECK: PASS slice_mul7
// IR: %[[VIEW:.*]] = memref.subview %{{.*}}[2, 5] [3, 4] [1, 1] : memref<6x10xi32> to memref<3x4xi32, strided<[10, 1], offset: 25>>
// IR: gpu.launch_func @main_kernel::@main_kernel {{.*}} args(%[[VIEW]] : memref<3x4xi32, strided<[10, 1], offset: 25>>

#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @main(%a: tensor<6x10xi32>) -> tensor<3x4xi32> {
  %s = tensor.extract_slice %a[2, 5] [3, 4] [1, 1] : tensor<6x10xi32> to tensor<3x4xi32>
  %o = tensor.empty() : tensor<3x4xi32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
       ins(%s : tensor<3x4xi32>) outs(%o : tensor<3x4xi32>) {
  ^bb0(%x: i32, %out: i32):
    %c = arith.constant 7 : i32
    %y = arith.muli %x, %c : i32
    linalg.yield %y : i32
  } -> tensor<3x4xi32>
  return %r : tensor<3x4xi32>
}
