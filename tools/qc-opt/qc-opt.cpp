//===- qc-opt.cpp - the qc optimizer driver (mlir-opt for qc) -------------===//
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "qc/InitAllDialects.h"
#include "qc/InitAllPasses.h"
#include "qc/Support/ParserCrash.h"

int main(int argc, char **argv) {
  // Before MlirOptMain installs LLVM's crash handlers: the report of a
  // parser crash comes before (and instead of) their stack dump.
  mlir::qc::installParserCrashReport("qc-opt");
  mlir::DialectRegistry registry;
  mlir::qc::registerAllDialects(registry);
  mlir::qc::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "qc optimizer driver\n", registry));
}
