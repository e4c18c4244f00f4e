//===- Version.cpp - qc's version and git revision ------------------------===//
#include "qc/Support/Version.h"
#include "qc/Support/GitRevision.h"

#include "llvm/Config/llvm-config.h"

const char *qc::getVersion() { return QC_VERSION; }

const char *qc::getRevision() { return QC_GIT_REVISION; }

void qc::printVersion(llvm::raw_ostream &os) {
  os << "qc version " << getVersion() << " (git " << getRevision()
     << "), built with LLVM/MLIR " << LLVM_VERSION_STRING << "\n";
}
