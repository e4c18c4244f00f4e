//===- ToolInput.cpp - what qc's command-line tools share -----------------===//
#include "qc/Support/ToolInput.h"

#include "qc/Support/ParserCrash.h"
#include "qc/Support/Version.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

void mlir::qc::parseToolCommandLine(int argc, char **argv,
                                    llvm::cl::OptionCategory &category,
                                    llvm::StringRef overview) {
  llvm::cl::HideUnrelatedOptions(category);
  llvm::cl::SetVersionPrinter(::qc::printVersion);
  llvm::cl::ParseCommandLineOptions(argc, argv, overview);
}

int mlir::qc::toolError(llvm::StringRef tool, const llvm::Twine &message) {
  llvm::errs() << tool << ": error: " << message << "\n";
  return 1;
}

mlir::OwningOpRef<mlir::ModuleOp>
mlir::qc::readToolInput(llvm::StringRef tool, llvm::StringRef path,
                        MLIRContext &context, llvm::SourceMgr &sourceMgr,
                        llvm::StringRef emptyHint) {
  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> file = openInputFile(path, &errorMessage);
  if (!file) {
    toolError(tool, errorMessage);
    return nullptr;
  }
  if (file->getBufferSize() == 0) {
    toolError(tool, "'" + path + "' is empty; " + emptyHint);
    return nullptr;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  return parseSourceFileGuarded(sourceMgr, ParserConfig(&context));
}

mlir::FailureOr<mlir::Operation *>
mlir::qc::findEntryFunction(ModuleOp module, llvm::StringRef entry) {
  if (!entry.empty()) {
    Operation *function = module.lookupSymbol(entry);
    if (!function || !isa<func::FuncOp, LLVM::LLVMFuncOp>(function)) {
      emitError(module.getLoc())
          << "no function named '" << entry << "' in the module";
      return failure();
    }
    return function;
  }
  SmallVector<Operation *> publics;
  for (Operation &op : module.getBody()->getOperations()) {
    bool isDefinition = false;
    if (auto func = dyn_cast<func::FuncOp>(op))
      isDefinition = func.isPublic() && !func.isExternal();
    // The C wrappers the lowering adds are entry points of their own
    // function, not functions to pick.
    if (auto func = dyn_cast<LLVM::LLVMFuncOp>(op))
      isDefinition = !func.isExternal() &&
                     func.getLinkage() == LLVM::Linkage::External &&
                     !func.getName().starts_with("_mlir_ciface_");
    if (isDefinition)
      publics.push_back(&op);
  }
  if (publics.size() != 1) {
    emitError(module.getLoc())
        << "the module has " << publics.size()
        << " public functions; name the one to run with --entry";
    return failure();
  }
  return publics.front();
}

bool mlir::qc::checkToolTarget(llvm::StringRef tool, llvm::StringRef target) {
  if (target == "cpu" || target == "vulkan")
    return true;
  toolError(tool, "unknown --target '" + target + "' (available: cpu, vulkan)");
  return false;
}
