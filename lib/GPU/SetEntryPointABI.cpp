//===- SetEntryPointABI.cpp - spirv.entry_point_abi from launch block sizes ===//
//
// convert-gpu-to-spirv reads a kernel's workgroup size only from
// spirv.entry_point_abi; a wrong or missing one silently computes garbage, so
// qc derives it from the launches and refuses inconsistent ones.
//
//===----------------------------------------------------------------------===//
#include "qc/GPU/Passes.h"

#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"
#include "mlir/IR/Matchers.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCSETENTRYPOINTABI
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

/// "8, 8, 1" for diagnostics.
static std::string str(ArrayRef<int32_t> size) {
  std::string out;
  llvm::raw_string_ostream os(out);
  llvm::interleaveComma(size, os);
  return out;
}

struct QCSetEntryPointABIPass final
    : qc::impl::QCSetEntryPointABIBase<QCSetEntryPointABIPass> {
  using QCSetEntryPointABIBase::QCSetEntryPointABIBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Kernel symbol -> (block size, the launch that fixed it).
    llvm::DenseMap<SymbolRefAttr, std::pair<SmallVector<int32_t, 3>,
                                            gpu::LaunchFuncOp>>
        sizes;
    WalkResult walk = module.walk([&](gpu::LaunchFuncOp launch) {
      SmallVector<int32_t, 3> size;
      for (Value v : {launch.getBlockSizeX(), launch.getBlockSizeY(),
                      launch.getBlockSizeZ()}) {
        APInt value;
        if (!matchPattern(v, m_ConstantInt(&value))) {
          launch.emitError("block size of a launch must be a constant to "
                           "set the kernel's SPIR-V workgroup size");
          return WalkResult::interrupt();
        }
        if (value.getSExtValue() < 1 ||
            value.getSExtValue() > std::numeric_limits<int32_t>::max()) {
          launch.emitError("block size ") << value.getSExtValue()
                                          << " is out of range";
          return WalkResult::interrupt();
        }
        size.push_back(static_cast<int32_t>(value.getSExtValue()));
      }
      auto [it, inserted] = sizes.try_emplace(launch.getKernel(), size, launch);
      if (!inserted && it->second.first != size) {
        InFlightDiagnostic diag = launch.emitError()
                                  << "kernel " << launch.getKernel()
                                  << " is launched with block size ("
                                  << str(size)
                                  << ") here and ("
                                  << str(it->second.first)
                                  << ") elsewhere; one SPIR-V entry point has "
                                     "one workgroup size";
        diag.attachNote(it->second.second.getLoc()) << "other launch here";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();

    MLIRContext *ctx = &getContext();
    walk = module.walk([&](gpu::GPUFuncOp func) {
      if (!func.isKernel())
        return WalkResult::advance();
      auto gpuModule = func->getParentOfType<gpu::GPUModuleOp>();
      auto symbol = SymbolRefAttr::get(
          gpuModule.getNameAttr(),
          {FlatSymbolRefAttr::get(func.getNameAttr())});
      std::optional<SmallVector<int32_t, 3>> size;
      if (auto it = sizes.find(symbol); it != sizes.end())
        size = it->second.first;
      if (std::optional<ArrayRef<int32_t>> known = func.getKnownBlockSize()) {
        SmallVector<int32_t, 3> knownSize(*known);
        if (size && *size != knownSize) {
          func.emitError("known_block_size (")
              << str(knownSize)
              << ") disagrees with the launch block size ("
              << str(*size) << ")";
          return WalkResult::interrupt();
        }
        size = knownSize;
      }
      if (!size) {
        func.emitError("kernel is never launched and has no known_block_size: "
                       "its SPIR-V workgroup size is unknown");
        return WalkResult::interrupt();
      }
      func->setAttr(spirv::getEntryPointABIAttrName(),
                    spirv::getEntryPointABIAttr(ctx, *size));
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
  }
};

} // namespace
