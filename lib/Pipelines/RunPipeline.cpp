//===- RunPipeline.cpp - verification of a user's pass pipeline ----------===//
//
// MLIR's pass manager verifies the IR after every pass that does not
// preserve all analyses, which is nearly all of them: on resnet18 at
// 224x224 that verification was a third of qc-cpu-pipeline's instructions
// (callgrind, 2026-12-07), most of it on the vectorized kernels. A user's
// compile verifies once at the end instead; the tests (qc-opt) and a
// debugging user (QC_VERIFY_EACH=1) keep verifying after every pass.
//
//===----------------------------------------------------------------------===//
#include "qc/Pipelines/Pipelines.h"

#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringRef.h"

#include <cstdlib>

using namespace mlir;

static bool verifyEachPass() {
  const char *value = std::getenv("QC_VERIFY_EACH");
  return value && llvm::StringRef(value) != "" && llvm::StringRef(value) != "0";
}

LogicalResult qc::runVerifyingAtEnd(PassManager &pm, Operation *op) {
  bool each = verifyEachPass();
  pm.enableVerifier(each);
  if (failed(pm.run(op)))
    return failure();
  return each ? success() : verify(op);
}
