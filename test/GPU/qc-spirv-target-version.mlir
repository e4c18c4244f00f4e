// RUN: qc-opt %s --split-input-file --pass-pipeline='builtin.module(spirv.module(qc-spirv-target-version))' | FileCheck %s

// The module's deduced v1.0 is raised to its target env's v1.3 (capabilities
// and extensions stay as deduced).
// CHECK-LABEL: spirv.module @raised
// CHECK-SAME:    requires #spirv.vce<v1.3, [Shader], [SPV_KHR_storage_buffer_storage_class]>
spirv.module @raised Logical GLSL450 requires #spirv.vce<v1.0, [Shader], [SPV_KHR_storage_buffer_storage_class]>
    attributes {spirv.target_env = #spirv.target_env<#spirv.vce<v1.3, [Shader, Int8], [SPV_KHR_storage_buffer_storage_class, SPV_KHR_8bit_storage]>, #spirv.resource_limits<>>} {
}

// -----

// A version above the target env's (deduced from the ops) is kept.
// CHECK-LABEL: spirv.module @higher
// CHECK-SAME:    requires #spirv.vce<v1.6, [Shader], []>
spirv.module @higher Logical GLSL450 requires #spirv.vce<v1.6, [Shader], []>
    attributes {spirv.target_env = #spirv.target_env<#spirv.vce<v1.3, [Shader], []>, #spirv.resource_limits<>>} {
}

// -----

// The target env of an enclosing op counts too.
// CHECK: module attributes {spirv.target_env
// CHECK-LABEL: spirv.module @enclosing
// CHECK-SAME:    requires #spirv.vce<v1.5, [Shader], []>
module attributes {spirv.target_env = #spirv.target_env<#spirv.vce<v1.5, [Shader], []>, #spirv.resource_limits<>>} {
  spirv.module @enclosing Logical GLSL450 requires #spirv.vce<v1.0, [Shader], []> {
  }
}

// -----

// Without a target env or a vce triple, nothing changes.
// CHECK-LABEL: spirv.module @no_env
// CHECK-SAME:    requires #spirv.vce<v1.0, [Shader], []>
spirv.module @no_env Logical GLSL450 requires #spirv.vce<v1.0, [Shader], []> {
}
// CHECK-LABEL: spirv.module @no_vce Logical GLSL450 attributes
spirv.module @no_vce Logical GLSL450 attributes {spirv.target_env = #spirv.target_env<#spirv.vce<v1.3, [Shader], []>, #spirv.resource_limits<>>} {
}
