//===- Version.h - qc's version and git revision ----------------*- C++ -*-===//
#ifndef QC_SUPPORT_VERSION_H
#define QC_SUPPORT_VERSION_H

#include "llvm/Support/raw_ostream.h"

namespace qc {

/// The release, "0.1.0" (CMake's PROJECT_VERSION; python/qc's __version__).
const char *getVersion();
/// The git revision built, "1a2b3c4d5e6f" or "1a2b3c4d5e6f-dirty" when the
/// tracked files had changes; "unknown" outside a git checkout.
const char *getRevision();
/// "qc version 0.1.0 (git 1a2b3c4d5e6f), built with LLVM/MLIR 22.1.8":
/// what qc's tools print for --version
/// (llvm::cl::SetVersionPrinter(qc::printVersion)).
void printVersion(llvm::raw_ostream &os);

} // namespace qc

#endif // QC_SUPPORT_VERSION_H
