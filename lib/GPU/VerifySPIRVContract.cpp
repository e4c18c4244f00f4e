//===- VerifySPIRVContract.cpp - what the Vulkan runtime can execute -------===//
//
// The end of qc-spirv-pipeline: anything the pipeline left that the bundle
// builder and the Vulkan runtime cannot execute is reported here, against the
// op, instead of surfacing later as a missing kernel or a wrong result.
//
//===----------------------------------------------------------------------===//
#include "qc/GPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCVERIFYSPIRVCONTRACT
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

static bool isFloatLike(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    type = shaped.getElementType();
  if (auto ptr = dyn_cast<spirv::PointerType>(type))
    return isFloatLike(ptr.getPointeeType());
  if (auto array = dyn_cast<spirv::ArrayType>(type))
    return isFloatLike(array.getElementType());
  if (auto array = dyn_cast<spirv::RuntimeArrayType>(type))
    return isFloatLike(array.getElementType());
  if (auto strct = dyn_cast<spirv::StructType>(type))
    return llvm::any_of(strct.getElementTypes(), isFloatLike);
  return isa<FloatType>(type);
}

struct QCVerifySPIRVContractPass final
    : qc::impl::QCVerifySPIRVContractBase<QCVerifySPIRVContractPass> {
  using QCVerifySPIRVContractBase::QCVerifySPIRVContractBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool ok = true;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      // Top-level ops only: one error per unsupported op, not per op nested
      // in it.
      for (Block &block : func.getBody())
        for (Operation &nested : block) {
        Operation *op = &nested;
        if (isa<arith::ConstantOp, memref::AllocOp, memref::AllocaOp,
                memref::DeallocOp, memref::GetGlobalOp, memref::CopyOp,
                memref::CollapseShapeOp, memref::ExpandShapeOp,
                memref::SubViewOp, memref::CastOp, memref::ViewOp,
                gpu::LaunchFuncOp,
                func::ReturnOp>(op))
          continue;
        op->emitError("host op '")
            << op->getName()
            << "' cannot run on the Vulkan target: qc-spirv-pipeline leaves "
               "only buffer definitions, views, copies and kernel launches "
               "on the host";
        ok = false;
      }
      func.walk([&](gpu::LaunchFuncOp launch) {
        std::string name =
            ("__spv__" + launch.getKernelModuleName().getValue()).str();
        bool found = false;
        module.walk([&](spirv::ModuleOp spirvModule) {
          found |= spirvModule.getName() == name;
        });
        if (!found) {
          launch.emitError("kernel ")
              << launch.getKernel() << " was not converted to SPIR-V";
          ok = false;
        }
      });
    }
    if (!allowFloat)
      module.walk([&](spirv::ModuleOp spirvModule) {
        spirvModule.walk([&](Operation *op) {
          auto floating = [](TypeRange types) {
            return llvm::any_of(types, isFloatLike);
          };
          if (floating(op->getResultTypes()) ||
              floating(op->getOperandTypes())) {
            op->emitError("floating-point computation in kernel ")
                << spirvModule.getName().value_or("<unnamed>")
                << ": qc kernels are integer-only (pass allow-float to "
                   "accept)";
            ok = false;
          }
        });
      });
    if (!ok)
      signalPassFailure();
  }
};

} // namespace
