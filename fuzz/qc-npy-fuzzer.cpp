//===- qc-npy-fuzzer.cpp - fuzz the .npy reader ---------------------------===//
//
// Input: the bytes of a .npy file. Contracts: parseNpy never crashes; a
// tensor it accepts holds exactly numElements * elementSize bytes, and
// serializing it gives a file that parses back to the same tensor.
//
//===----------------------------------------------------------------------===//
#include "qc/Runtime/Npy.h"

#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace qc::runtime;

[[noreturn]] static void reportBug(const char *what) {
  llvm::errs() << "qc fuzz: " << what << "\n";
  std::abort();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  llvm::Expected<HostTensor> tensor = parseNpy(bytes, "fuzz-input");
  if (!tensor) {
    llvm::consumeError(tensor.takeError());
    return 0;
  }
  if (tensor->data.size() !=
      static_cast<uint64_t>(tensor->numElements()) * elementSize(tensor->kind))
    reportBug("accepted tensor's size disagrees with its shape");
  (void)tensor->describe();
  llvm::Expected<HostTensor> again =
      parseNpy(serializeNpy(*tensor), "serialized");
  if (!again) {
    llvm::errs() << llvm::toString(again.takeError()) << "\n";
    reportBug("a serialized tensor does not parse");
  }
  if (again->kind != tensor->kind || again->shape != tensor->shape ||
      again->data != tensor->data)
    reportBug("a serialized tensor parses to a different tensor");
  return 0;
}
