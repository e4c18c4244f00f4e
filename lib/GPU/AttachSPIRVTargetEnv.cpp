//===- AttachSPIRVTargetEnv.cpp - validated spirv.target_env on gpu.modules ===//
//
// Upstream spirv-attach-target drops unknown capability names and fails
// without a message on a misspelled version or client API; qc's target env is
// a contract with the Vulkan runtime (it decides which device features to
// enable), so every name is checked here.
//
//===----------------------------------------------------------------------===//
#include "qc/GPU/Passes.h"

#include "mlir/Dialect/SPIRV/IR/SPIRVAttributes.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCATTACHSPIRVTARGETENV
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

struct QCAttachSPIRVTargetEnvPass final
    : qc::impl::QCAttachSPIRVTargetEnvBase<QCAttachSPIRVTargetEnvPass> {
  using QCAttachSPIRVTargetEnvBase::QCAttachSPIRVTargetEnvBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    std::optional<spirv::Version> ver = spirv::symbolizeVersion(version);
    if (!ver) {
      module.emitError("unknown SPIR-V version '")
          << version << "' (expected v1.0 ... v1.6)";
      return signalPassFailure();
    }
    SmallVector<spirv::Capability> caps = {spirv::Capability::Shader};
    for (const std::string &name : capabilities) {
      std::optional<spirv::Capability> cap = spirv::symbolizeCapability(name);
      if (!cap) {
        module.emitError("unknown SPIR-V capability '") << name << "'";
        return signalPassFailure();
      }
      if (!llvm::is_contained(caps, *cap))
        caps.push_back(*cap);
    }
    SmallVector<spirv::Extension> exts;
    for (const std::string &name : extensions) {
      std::optional<spirv::Extension> ext = spirv::symbolizeExtension(name);
      if (!ext) {
        module.emitError("unknown SPIR-V extension '") << name << "'";
        return signalPassFailure();
      }
      exts.push_back(*ext);
    }
    std::optional<spirv::ClientAPI> api = spirv::symbolizeClientAPI(clientApi);
    if (!api) {
      module.emitError("unknown client API '")
          << clientApi << "' (expected Vulkan, OpenCL, Metal, WebGPU, Unknown)";
      return signalPassFailure();
    }
    auto triple = spirv::VerCapExtAttr::get(*ver, caps, exts, ctx);
    auto env = spirv::TargetEnvAttr::get(
        triple, spirv::getDefaultResourceLimits(ctx), *api);
    module.walk([&](gpu::GPUModuleOp gpuModule) {
      gpuModule->setAttr(spirv::getTargetEnvAttrName(), env);
    });
  }
};

} // namespace
