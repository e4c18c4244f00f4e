//===- VulkanBundle.h - SPIR-V pipeline output to a Vulkan bundle -*- C++ -*-===//
//
// Turns the module qc-spirv-pipeline leaves (a host func.func of allocs,
// globals, launches, copies and views, plus one spirv.module per kernel)
// into a qc::vulkan::Bundle: serialized kernels and the host program as data.
//
//===----------------------------------------------------------------------===//
#ifndef QC_TARGET_SPIRV_VULKANBUNDLE_H
#define QC_TARGET_SPIRV_VULKANBUNDLE_H

#include "mlir/IR/BuiltinOps.h"
#include "qc/Pipelines/SPIRVPipeline.h"
#include "qc/Runtime/Vulkan/Bundle.h"

namespace mlir::qc {

/// Reads the lowered host function `entry`: its first `numInputs` memref
/// arguments are inputs, the rest outputs (buffer-results-to-out-params).
/// Any host op outside the supported set is an error naming the op.
FailureOr<::qc::vulkan::Bundle> buildVulkanBundle(ModuleOp lowered, StringRef entry,
                                            unsigned numInputs,
                                            const SPIRVPipelineOptions &options);

/// Runs qc-spirv-pipeline on `module` (linalg on integer tensors; modified in
/// place) and builds the bundle of `entry`. On a pipeline failure, emits the
/// qc-opt command that reproduces it.
FailureOr<::qc::vulkan::Bundle>
compileToVulkanBundle(ModuleOp module, StringRef entry,
                      const SPIRVPipelineOptions &options);

} // namespace mlir::qc

#endif // QC_TARGET_SPIRV_VULKANBUNDLE_H
