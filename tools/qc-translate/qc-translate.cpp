//===- qc-translate.cpp - MLIR to LLVM IR and object files ----------------===//
//
// mlir-translate with qc's dialects and an object-file emitter:
//   qc-opt model.mlir --qc-cpu-pipeline | qc-translate --mlir-to-llvmir
//   qc-opt model.mlir --qc-cpu-pipeline | qc-translate --mlir-to-obj -o m.o
//
//===----------------------------------------------------------------------===//
#include "qc/Support/ParserCrash.h"
#include "qc/Target/LLVMIR/ObjectEmission.h"

#include "mlir/InitAllTranslations.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  // Before mlirTranslateMain installs LLVM's crash handlers.
  mlir::qc::installParserCrashReport("qc-translate");
  mlir::registerAllTranslations();
  mlir::qc::registerToObjectFileTranslation();
  return mlir::failed(
             mlir::mlirTranslateMain(argc, argv, "qc translation driver"))
             ? 1
             : 0;
}
