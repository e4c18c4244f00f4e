// Saturating elementwise i8 add on a rank-3 odd shape (3 parallel dims: the
// third is mapped to the grid's z).
// RUN: %python %S/Inputs/vulkan_check.py add_i8_odd %t/d -- qc-vulkan-run %s | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py add_i8_odd %t/p -- qc-vulkan-run %s --options=portable | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py add_i8_odd %t/qv -- qc-run --target=vulkan %s | FileCheck %s
// RUN: %python %S/Inputs/vulkan_check.py add_i8_odd %t/qc -- qc-run --target=cpu %s | FileCheck %s
// CHECK: PASS add_i8_odd

#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @main(%a: tensor<3x17x5xi8>, %b: tensor<3x17x5xi8>) -> tensor<3x17x5xi8> {
  %o = tensor.empty() : tensor<3x17x5xi8>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
       ins(%a, %b : tensor<3x17x5xi8>, tensor<3x17x5xi8>) outs(%o : tensor<3x17x5xi8>) {
  ^bb0(%x: i8, %y: i8, %out: i8):
    %x32 = arith.extsi %x : i8 to i32
    %y32 = arith.extsi %y : i8 to i32
    %s = arith.addi %x32, %y32 : i32
    %lo = arith.constant -128 : i32
    %hi = arith.constant 127 : i32
    %c1 = arith.maxsi %s, %lo : i32
    %c2 = arith.minsi %c1, %hi : i32
    %t = arith.trunci %c2 : i32 to i8
    linalg.yield %t : i8
  } -> tensor<3x17x5xi8>
  return %r : tensor<3x17x5xi8>
}
