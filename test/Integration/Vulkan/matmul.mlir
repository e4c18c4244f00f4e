// Integer matmul i8 x i8 -> i32 on the Vulkan device, bit-exact against numpy,
// for a shape smaller than one tile, one the 8x8 tile does not divide, and one
// it divides, in the default and the portable target env.
// RUN: %python %S/Inputs/vulkan_check.py matmul_37x53x29 %t/odd -- qc-vulkan-run %s --entry odd | FileCheck %s --check-prefix=ODD
// RUN: %python %S/Inputs/vulkan_check.py matmul_37x53x29 %t/oddp -- qc-vulkan-run %s --entry odd --options=portable | FileCheck %s --check-prefix=ODD
// RUN: %python %S/Inputs/vulkan_check.py matmul_5x7x3 %t/small -- qc-vulkan-run %s --entry small | FileCheck %s --check-prefix=SMALL
// RUN: %python %S/Inputs/vulkan_check.py matmul_64x64x64 %t/even -- qc-vulkan-run %s --entry even --options="tile-sizes=16,16" | FileCheck %s --check-prefix=EVEN
// The generic loop path: the accumulator starts from the fill value in
// registers (qc-fold-init-fills), no fill kernel.
// RUN: %python %S/Inputs/vulkan_check.py matmul_37x53x29 %t/gen -- qc-vulkan-run %s --entry odd --options="contraction-kernels=false" | FileCheck %s --check-prefix=ODD
// RUN: %python %S/Inputs/vulkan_check.py matmul_37x53x29 %t/genp -- qc-vulkan-run %s --entry odd --options="portable contraction-kernels=false" | FileCheck %s --check-prefix=ODD
// RUN: %python %S/Inputs/vulkan_check.py matmul_37x53x29 %t/qv -- qc-run --target=vulkan --entry odd %s | FileCheck %s --check-prefix=ODD
// RUN: %python %S/Inputs/vulkan_check.py matmul_37x53x29 %t/qc -- qc-run --target=cpu --entry odd %s | FileCheck %s --check-prefix=ODD
// ODD: PASS matmul_37x53x29
// SMALL: PASS matmul_5x7x3
// EVEN: PASS matmul_64x64x64

func.func @odd(%a: tensor<37x53xi8>, %b: tensor<53x29xi8>) -> tensor<37x29xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<37x29xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<37x29xi32>) -> tensor<37x29xi32>
  %r = linalg.matmul ins(%a, %b : tensor<37x53xi8>, tensor<53x29xi8>)
                     outs(%f : tensor<37x29xi32>) -> tensor<37x29xi32>
  return %r : tensor<37x29xi32>
}

func.func @small(%a: tensor<5x7xi8>, %b: tensor<7x3xi8>) -> tensor<5x3xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<5x3xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<5x3xi32>) -> tensor<5x3xi32>
  %r = linalg.matmul ins(%a, %b : tensor<5x7xi8>, tensor<7x3xi8>)
                     outs(%f : tensor<5x3xi32>) -> tensor<5x3xi32>
  return %r : tensor<5x3xi32>
}

func.func @even(%a: tensor<64x64xi8>, %b: tensor<64x64xi8>) -> tensor<64x64xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<64x64xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<64x64xi32>) -> tensor<64x64xi32>
  %r = linalg.matmul ins(%a, %b : tensor<64x64xi8>, tensor<64x64xi8>)
                     outs(%f : tensor<64x64xi32>) -> tensor<64x64xi32>
  return %r : tensor<64x64xi32>
}
