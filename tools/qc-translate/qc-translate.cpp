//===- qc-translate.cpp - MLIR to LLVM IR and object files ----------------===//
//
// mlir-translate with qc's dialects and an object-file emitter:
//   qc-opt model.mlir --qc-cpu-pipeline | qc-translate --mlir-to-llvmir
//   qc-opt model.mlir --qc-cpu-pipeline | qc-translate --mlir-to-obj -o m.o
//
//===----------------------------------------------------------------------===//
#include "qc/InitAll.h"
#include "qc/Support/Version.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "llvm/Support/CommandLine.h"

int main(int argc, char **argv) {
  llvm::cl::SetVersionPrinter(::qc::printVersion);
  mlir::qc::registerAllTranslations();
  return mlir::failed(
             mlir::mlirTranslateMain(argc, argv, "qc translation driver"))
             ? 1
             : 0;
}
