//===- qc-parse-fuzzer.cpp - fuzz parsing and verification of qc IR -------===//
//
// Input: MLIR text. Parses and verifies it with every qc and upstream dialect
// registered. Contracts checked besides "no crash": a rejected input has an
// error diagnostic, and a module that verifies prints to text that parses
// and verifies again (the custom assembly of qc ops and types round-trips).
//
//===----------------------------------------------------------------------===//
#include "FuzzSupport.h"

#include "mlir/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef input(reinterpret_cast<const char *>(data), size);
  MLIRContext &context = qc::fuzz::nextContext();
  qc::fuzz::DiagnosticSink sink(context);
  OwningOpRef<ModuleOp> module = qc::fuzz::parseModule(input, context);
  if (!module) {
    if (!sink.sawError())
      qc::fuzz::reportBug("the parser rejected the input without an error",
                          input);
    return 0;
  }
  std::string printed;
  llvm::raw_string_ostream os(printed);
  module->print(os);
  OwningOpRef<ModuleOp> reparsed = qc::fuzz::parseModule(printed, context);
  if (!reparsed)
    qc::fuzz::reportBug("the printed module does not parse again:\n" + printed,
                        input);
  if (failed(verify(*reparsed)))
    qc::fuzz::reportBug("the reprinted module does not verify", input);
  return 0;
}
