//===- Npy.h - numpy .npy files to and from HostTensor ----------*- C++ -*-===//
//
// qc-run exchanges tensors with numpy as .npy files (format 1.0 to 3.0,
// little-endian, C order). Only the dtypes of ElementKind are accepted:
// '|i1' '|u1' '<i2' '<u2' '<i4' '<i8' '<f4' '<f8'.
//
//===----------------------------------------------------------------------===//
#ifndef QC_RUNTIME_NPY_H
#define QC_RUNTIME_NPY_H

#include "qc/Runtime/HostTensor.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <utility>

namespace qc::runtime {

/// The numpy dtype string of `kind`, e.g. "<i4".
const char *npyDescr(ElementKind kind);
/// The element kind of a numpy dtype string; '|', '<' and '=' byte orders are
/// accepted ('=' is little-endian on every host qc supports).
std::optional<ElementKind> parseNpyDescr(llvm::StringRef descr);

/// Parses the bytes of a .npy file. `source` names the file in errors.
llvm::Expected<HostTensor> parseNpy(llvm::StringRef bytes,
                                    llvm::StringRef source);
/// Reads and parses a .npy file.
llvm::Expected<HostTensor> readNpyFile(llvm::StringRef path);
/// The bytes of a .npy file (format 1.0, header padded to 64 bytes as numpy
/// writes it) holding `tensor`.
std::string serializeNpy(const HostTensor &tensor);

/// Writes each (path, tensor) pair so that either every file is written
/// completely or none is touched: each goes to a temporary file in its
/// destination directory and all are renamed into place once all are written.
/// On failure every temporary is removed. A destination that exists and is
/// not a regular file (a directory, a device) is an error before anything
/// is written.
llvm::Error
writeNpyFiles(llvm::ArrayRef<std::pair<std::string, const HostTensor *>> files);

} // namespace qc::runtime

#endif // QC_RUNTIME_NPY_H
