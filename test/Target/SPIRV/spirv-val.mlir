// Every kernel binary of a bundle passes spirv-val for Vulkan 1.2 and 1.3, in
// the default and the portable target env, for the integration inputs (int8
// matmul, conv, i64 requantization, constant weights, i8 add).
// spirv-tools is installed by scripts/setup.sh: no REQUIRES, a missing
// spirv-val fails the test instead of skipping it.
// RUN: rm -rf %t && mkdir -p %t
// RUN: qc-vulkan-bundle %S/../../Integration/Vulkan/matmul-requant.mlir -o %t/requant
// RUN: %python %S/Inputs/validate_bundle.py %t/requant spirv-val vulkan1.2 vulkan1.3 | FileCheck %s --check-prefix=TILED
// RUN: qc-vulkan-bundle %S/../../Integration/Vulkan/matmul-requant.mlir -o %t/requant-p --options=portable
// RUN: %python %S/Inputs/validate_bundle.py %t/requant-p spirv-val vulkan1.2 vulkan1.3 | FileCheck %s --check-prefix=TILED
// RUN: qc-vulkan-bundle %S/../../Integration/Vulkan/matmul-requant.mlir -o %t/requant-g --options=contraction-kernels=false
// RUN: %python %S/Inputs/validate_bundle.py %t/requant-g spirv-val vulkan1.2 vulkan1.3 | FileCheck %s --check-prefix=REQUANT
// RUN: qc-vulkan-bundle %S/../../Integration/Vulkan/conv.mlir -o %t/conv
// RUN: %python %S/Inputs/validate_bundle.py %t/conv spirv-val vulkan1.2 vulkan1.3 | FileCheck %s --check-prefix=TILED
// RUN: qc-vulkan-bundle %S/../../Integration/Vulkan/conv.mlir -o %t/conv-p --options=portable
// RUN: %python %S/Inputs/validate_bundle.py %t/conv-p spirv-val vulkan1.2 vulkan1.3 | FileCheck %s --check-prefix=TILED
// RUN: qc-vulkan-bundle %S/../../Integration/Vulkan/conv.mlir -o %t/conv-g --options="portable contraction-kernels=false"
// RUN: %python %S/Inputs/validate_bundle.py %t/conv-g spirv-val vulkan1.2 vulkan1.3 | FileCheck %s --check-prefix=ONE
// RUN: qc-vulkan-bundle %S/../../Integration/Vulkan/matmul-constant-weights.mlir -o %t/const
// RUN: %python %S/Inputs/validate_bundle.py %t/const spirv-val vulkan1.2 vulkan1.3 | FileCheck %s --check-prefix=TILED
// RUN: qc-vulkan-bundle %S/../../Integration/Vulkan/add-i8.mlir -o %t/add-p --options=portable
// RUN: %python %S/Inputs/validate_bundle.py %t/add-p spirv-val vulkan1.2 vulkan1.3 | FileCheck %s --check-prefix=ONE
// Workgroup-memory stages and packed dot products (SPIR-V 1.6: Vulkan 1.3).
// RUN: qc-vulkan-bundle %S/../../Integration/Vulkan/matmul-tiled.mlir -o %t/dot --options="shared-memory-tiles=true int-dot-product=true"
// RUN: %python %S/Inputs/validate_bundle.py %t/dot spirv-val vulkan1.3 | FileCheck %s --check-prefix=TILED
// RUN: qc-vulkan-bundle %S/../../Integration/Vulkan/matmul-tiled.mlir -o %t/dot-p --options="portable shared-memory-tiles=true int-dot-product=true"
// RUN: %python %S/Inputs/validate_bundle.py %t/dot-p spirv-val vulkan1.3 | FileCheck %s --check-prefix=TILED
// RUN: qc-vulkan-bundle %s -o %t/self --options="tile-sizes=4,16"
// RUN: %python %S/Inputs/validate_bundle.py %t/self spirv-val vulkan1.2 vulkan1.3 | FileCheck %s --check-prefix=ONE
// The checked subgroup row broadcast and 16-byte loads (lavapipe's choice),
// also portable.
// RUN: qc-vulkan-bundle %S/../../Integration/Vulkan/wide-loads.mlir -o %t/wide --options="shared-memory-tiles=false subgroup-size=8 subgroup-broadcast=true wide-loads=true"
// RUN: %python %S/Inputs/validate_bundle.py %t/wide spirv-val vulkan1.2 vulkan1.3 | FileCheck %s --check-prefix=THREE
// RUN: qc-vulkan-bundle %S/../../Integration/Vulkan/conv-padded-broadcast.mlir -o %t/bcast-p --options="portable shared-memory-tiles=false subgroup-size=8 subgroup-broadcast=true wide-loads=true"
// RUN: %python %S/Inputs/validate_bundle.py %t/bcast-p spirv-val vulkan1.2 vulkan1.3 | FileCheck %s --check-prefix=BCAST
// 32-byte loads whose row broadcast hands out 64-bit components
// (subgroup-extended-types, lavapipe's choice) and 32-bit words.
// RUN: qc-vulkan-bundle %S/../../Integration/Vulkan/filter-rows.mlir -o %t/rows64 --options="shared-memory-tiles=false subgroup-size=8 subgroup-broadcast=true wide-loads=true int64-loads=true subgroup-extended-types=true"
// RUN: %python %S/Inputs/validate_bundle.py %t/rows64 spirv-val vulkan1.2 vulkan1.3 | FileCheck %s --check-prefix=ROWS
// RUN: qc-vulkan-bundle %S/../../Integration/Vulkan/filter-rows.mlir -o %t/rows32 --options="shared-memory-tiles=false subgroup-size=8 subgroup-broadcast=true wide-loads=true int64-loads=true"
// RUN: %python %S/Inputs/validate_bundle.py %t/rows32 spirv-val vulkan1.2 vulkan1.3 | FileCheck %s --check-prefix=ROWS

// Tiled contraction kernels (fill and requantization fused): one kernel, after
// the copies that pad a reduction that is not a multiple of 4 (K = 53, C = 3,
// K = 6).
// TILED: validated {{[1-4]}} kernels: {{(main_kernel[_0-9]* )*}}main_contraction_0{{$}}
// Generic path: the matmul (its fill folded in, qc-fold-init-fills) and the
// requantization.
// REQUANT: validated 2 kernels: main_kernel main_kernel_0{{$}}
// Generic conv (its fill folded in) and single elementwise kernels.
// ONE: validated 1 kernels: main_kernel{{$}}
// THREE: validated 3 kernels: main_contraction_0 main_contraction_1 main_contraction_2{{$}}
// BCAST: validated 2 kernels: main_contraction_0 main_contraction_1{{$}}
// ROWS: validated {{[0-9]+}} kernels: {{.*}}main_contraction_1

func.func @main(%a: tensor<4x16xi16>, %b: tensor<4x16xi16>) -> tensor<4x16xi16> {
  %r = arith.addi %a, %b : tensor<4x16xi16>
  return %r : tensor<4x16xi16>
}
