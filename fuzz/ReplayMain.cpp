//===- ReplayMain.cpp - run fuzz inputs without libFuzzer -----------------===//
//
// In a build without QC_FUZZ the fuzz targets link this main instead of
// libFuzzer's: it runs each input file named on the command line (every
// regular file, sorted, of a named directory) once through
// LLVMFuzzerTestOneInput, so the suite replays fuzz/regressions on every
// build, sanitized or not.
//
//===----------------------------------------------------------------------===//
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int *argc,
                                                          char ***argv);

int main(int argc, char **argv) {
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  if (argc < 2) {
    llvm::errs() << "usage: " << argv[0] << " INPUT|DIR...\n";
    return 2;
  }
  llvm::SmallVector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    if (!llvm::sys::fs::is_directory(argv[i])) {
      inputs.push_back(argv[i]);
      continue;
    }
    std::error_code ec;
    llvm::SmallVector<std::string> files;
    for (llvm::sys::fs::directory_iterator it(argv[i], ec), end;
         it != end && !ec; it.increment(ec))
      if (llvm::sys::fs::is_regular_file(it->path()))
        files.push_back(it->path());
    if (ec) {
      llvm::errs() << argv[i] << ": " << ec.message() << "\n";
      return 2;
    }
    llvm::sort(files);
    inputs.append(files.begin(), files.end());
  }
  for (const std::string &path : inputs) {
    auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    if (!buffer) {
      llvm::errs() << path << ": " << buffer.getError().message() << "\n";
      return 2;
    }
    llvm::StringRef bytes = (*buffer)->getBuffer();
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.data()),
                           bytes.size());
  }
  llvm::outs() << "replayed " << inputs.size() << " input(s)\n";
  return 0;
}
