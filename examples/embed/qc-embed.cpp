//===- qc-embed.cpp - qc's passes inside another compiler (C++) -----------===//
//
// qc-embed model.mlir: registers qc's dialect with the upstream ones, folds
// the model's fake quantization into integer qc ops, lowers them to linalg,
// checks the integer contract and prints the IR; then compiles the result
// for the host CPU with qc's runtime and runs it on x[i] = (i % 7 - 3) / 4.
//
//===----------------------------------------------------------------------===//
#include "qc/Conversion/Passes.h"
#include "qc/Dialect/QC/Transforms/Passes.h"
#include "qc/InitAll.h"
#include "qc/Runtime/CPUExecutor.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

int main(int argc, char **argv) {
  if (argc != 2) {
    llvm::errs() << "usage: qc-embed model.mlir\n";
    return 2;
  }
  mlir::DialectRegistry registry;
  // Dialects, LLVM IR translations, passes and pipelines: everything qc
  // needs, in one call.
  mlir::qc::registerAll(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();

  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(argv[1], sourceMgr, &context);
  if (!module)
    return 1;
  auto signature = ::qc::runtime::readEntrySignature(*module, "");
  if (mlir::failed(signature))
    return 1;

  // The passes as C++ objects, as a host compiler would schedule them.
  mlir::PassManager pm(&context);
  pm.addNestedPass<mlir::func::FuncOp>(mlir::qc::createQCFoldFakeQuant());
  pm.addPass(mlir::qc::createQCLowerToLinalg());
  pm.addPass(mlir::qc::createQCVerifyIntegerContract());
  if (mlir::failed(pm.run(*module)))
    return 1;
  module->print(llvm::outs());
  llvm::outs() << "\n";

  auto executor =
      ::qc::runtime::createCPUExecutor(*module, *signature, /*options=*/{});
  if (!executor) {
    llvm::errs() << llvm::toString(executor.takeError()) << "\n";
    return 1;
  }
  ::qc::runtime::HostTensor x;
  x.kind = ::qc::runtime::ElementKind::F32;
  x.shape = signature->inputs[0].shape;
  x.data.resize(x.numElements() * sizeof(float));
  for (int64_t i = 0; i < x.numElements(); ++i) {
    float value = float(i % 7 - 3) / 4;
    std::memcpy(x.data.data() + i * sizeof(float), &value, sizeof(float));
  }
  ::qc::runtime::Timing timing;
  auto results = (*executor)->run({x}, 1, timing);
  if (!results) {
    llvm::errs() << llvm::toString(results.takeError()) << "\n";
    return 1;
  }
  llvm::outs() << "y =";
  const auto &y = results->front();
  for (int64_t i = 0; i < y.numElements(); ++i) {
    float value;
    std::memcpy(&value, y.data.data() + i * sizeof(float), sizeof(float));
    llvm::outs() << llvm::format(" %g", double(value));
  }
  llvm::outs() << "\n";
  return 0;
}
