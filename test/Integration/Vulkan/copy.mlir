// Results that are (views of) arguments: no kernel at all, the host program is
// two buffer copies (one through a collapse_shape view), replayed as
// vkCmdCopyBuffer steps with barriers.
// RUN: %python %S/Inputs/vulkan_check.py passthrough %t/d -- qc-vulkan-run %s | FileCheck %s
// RUN: qc-vulkan-bundle %s -o %t/b --print-manifest | FileCheck %s --check-prefix=MANIFEST
// CHECK: PASS passthrough (2 output(s), 120 elements)
// MANIFEST: "kernels": [],
// MANIFEST: "steps": [
// MANIFEST-NEXT: {
// MANIFEST-NEXT: "bytes": 240,
// MANIFEST-NEXT: "dst": 1,
// MANIFEST-NEXT: "op": "copy",
// MANIFEST-NEXT: "src": 0
// MANIFEST: "dst": 2,
// MANIFEST-NEXT: "op": "copy",
// MANIFEST-NEXT: "src": 0

func.func @main(%a: tensor<6x10xi32>) -> (tensor<6x10xi32>, tensor<60xi32>) {
  %c = tensor.collapse_shape %a [[0, 1]] : tensor<6x10xi32> into tensor<60xi32>
  return %a, %c : tensor<6x10xi32>, tensor<60xi32>
}
