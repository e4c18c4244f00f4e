// matmul followed by a fixed-point requantization to i8 with an i64 multiply
// (single-rounding profile), through an intermediate i32 buffer. Portable mode
// runs the i64 arithmetic as emulated i32 pairs and the i8 buffers as words.
// RUN: %python %S/Inputs/vulkan_check.py matmul_requant_37x53x29 %t/d -- qc-vulkan-run %s | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py matmul_requant_37x53x29 %t/p -- qc-vulkan-run %s --options=portable | FileCheck %s
// The portable bundle also runs with every 8/16/64-bit integer feature masked
// off, under the validation layer (a device without them).
// RUN: env QC_VULKAN_MASK_FEATURES=shaderInt8,shaderInt16,shaderInt64,storageBuffer8BitAccess,storageBuffer16BitAccess %python %S/Inputs/vulkan_check.py matmul_requant_37x53x29 %t/m -- qc-vulkan-run %s --options=portable --validation | FileCheck %s
// The same source through qc-run on both targets (same flags).
// RUN: %python %S/Inputs/vulkan_check.py matmul_requant_37x53x29 %t/qv -- qc-run --target=vulkan %s | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py matmul_requant_37x53x29 %t/qvp -- qc-run --target=vulkan --pipeline-options=portable %s | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py matmul_requant_37x53x29 %t/qc -- qc-run --target=cpu %s | FileCheck %s
// CHECK: PASS matmul_requant_37x53x29

#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @main(%a: tensor<37x53xi8>, %b: tensor<53x29xi8>) -> tensor<37x29xi8> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<37x29xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<37x29xi32>) -> tensor<37x29xi32>
  %acc = linalg.matmul ins(%a, %b : tensor<37x53xi8>, tensor<53x29xi8>)
                       outs(%f : tensor<37x29xi32>) -> tensor<37x29xi32>
  %o = tensor.empty() : tensor<37x29xi8>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
       ins(%acc : tensor<37x29xi32>) outs(%o : tensor<37x29xi8>) {
  ^bb0(%x: i32, %out: i8):
    %m = arith.constant 1689016515 : i64
    %round = arith.constant 68719476736 : i64
    %shift = arith.constant 37 : i64
    %zp = arith.constant 3 : i64
    %lo = arith.constant -128 : i64
    %hi = arith.constant 127 : i64
    %x64 = arith.extsi %x : i32 to i64
    %p = arith.muli %x64, %m : i64
    %s = arith.addi %p, %round : i64
    %q = arith.shrsi %s, %shift : i64
    %z = arith.addi %q, %zp : i64
    %c1 = arith.maxsi %z, %lo : i64
    %c2 = arith.minsi %c1, %hi : i64
    %t = arith.trunci %c2 : i64 to i8
    linalg.yield %t : i8
  } -> tensor<37x29xi8>
  return %r : tensor<37x29xi8>
}
