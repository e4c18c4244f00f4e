//===- qc-opt.cpp - the qc optimizer driver (mlir-opt for qc) -------------===//
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "qc/InitAllDialects.h"
#include "qc/InitAllPasses.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::qc::registerAllDialects(registry);
  mlir::qc::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "qc optimizer driver\n", registry));
}
