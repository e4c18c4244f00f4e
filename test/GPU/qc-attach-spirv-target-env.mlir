// RUN: qc-opt %s --qc-attach-spirv-target-env="version=v1.3 caps=Int8,StorageBuffer8BitAccess exts=SPV_KHR_8bit_storage" | FileCheck %s
// RUN: not qc-opt %s --qc-attach-spirv-target-env="caps=Int9" 2>&1 | FileCheck %s --check-prefix=CAP
// RUN: not qc-opt %s --qc-attach-spirv-target-env="version=1.3" 2>&1 | FileCheck %s --check-prefix=VER
// RUN: not qc-opt %s --qc-attach-spirv-target-env="client-api=vulkan" 2>&1 | FileCheck %s --check-prefix=API
// RUN: not qc-opt %s --qc-attach-spirv-target-env="exts=SPV_KHR_8bit" 2>&1 | FileCheck %s --check-prefix=EXT

// CHECK: gpu.module @k attributes {spirv.target_env = #spirv.target_env<#spirv.vce<v1.3, [Shader, Int8, StorageBuffer8BitAccess], [SPV_KHR_8bit_storage]>, api=Vulkan, #spirv.resource_limits<>>}
// CAP: error: unknown SPIR-V capability 'Int9'
// VER: error: unknown SPIR-V version '1.3' (expected v1.0 ... v1.6)
// API: error: unknown client API 'vulkan'
// EXT: error: unknown SPIR-V extension 'SPV_KHR_8bit'
module attributes {gpu.container_module} {
  gpu.module @k {
  }
}
