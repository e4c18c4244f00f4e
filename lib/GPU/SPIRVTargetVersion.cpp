//===- SPIRVTargetVersion.cpp - spirv.module version from its target env -===//
#include "qc/GPU/Passes.h"

#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCSPIRVTARGETVERSION
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

struct QCSPIRVTargetVersionPass final
    : qc::impl::QCSPIRVTargetVersionBase<QCSPIRVTargetVersionPass> {
  using QCSPIRVTargetVersionBase::QCSPIRVTargetVersionBase;

  void runOnOperation() override {
    spirv::ModuleOp module = getOperation();
    std::optional<spirv::VerCapExtAttr> vce = module.getVceTriple();
    spirv::TargetEnvAttr env = spirv::lookupTargetEnv(module);
    if (!vce || !env || vce->getVersion() >= env.getVersion())
      return;
    auto version = IntegerAttr::get(IntegerType::get(&getContext(), 32),
                                    static_cast<int64_t>(env.getVersion()));
    module.setVceTripleAttr(spirv::VerCapExtAttr::get(
        version, vce->getCapabilitiesAttr(), vce->getExtensionsAttr()));
  }
};

} // namespace
