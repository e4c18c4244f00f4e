//===- StderrCapture.h - collect what LLVM prints to stderr -----*- C++ -*-===//
//
// LLVM's command-line parser, which also parses pass options
// (`qc-fold-fake-quant{profile=bogus}`, `vectorize=maybe`), writes its
// messages ("for the --profile option: Cannot find option named 'bogus'!")
// straight to llvm::errs() and hands MLIR an empty error string. To give the
// message to the caller instead -- in a QcError, or in qc-opt's diagnostic
// -- qc redirects file descriptor 2 to a temporary file while it parses a
// pipeline, and reads the file back.
//
// The redirection is process-wide: anything another thread writes to stderr
// meanwhile is collected too. qc holds it only while parsing a pipeline
// text, never while running passes.
//
//===----------------------------------------------------------------------===//
#ifndef QC_SUPPORT_STDERRCAPTURE_H
#define QC_SUPPORT_STDERRCAPTURE_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <string>
#include <unistd.h>

namespace qc {

class StderrCapture {
public:
  StderrCapture() {
    flush();
    file = std::tmpfile();
    saved = file ? ::dup(2) : -1;
    if (saved < 0 || ::dup2(fileno(file), 2) < 0) {
      // Nothing is collected; messages stay on stderr.
      if (saved >= 0)
        ::close(saved);
      saved = -1;
    }
  }
  StderrCapture(const StderrCapture &) = delete;
  StderrCapture &operator=(const StderrCapture &) = delete;
  ~StderrCapture() { release(); }

  /// Restores stderr and returns what was written to it meanwhile, trimmed
  /// (empty on a second call).
  std::string release() {
    std::string text;
    if (saved >= 0) {
      flush();
      ::dup2(saved, 2);
      ::close(saved);
      saved = -1;
      std::rewind(file);
      char chunk[4096];
      size_t n;
      while ((n = std::fread(chunk, 1, sizeof(chunk), file)) > 0)
        text.append(chunk, n);
    }
    if (file) {
      std::fclose(file);
      file = nullptr;
    }
    return llvm::StringRef(text).trim().str();
  }

private:
  static void flush() {
    llvm::errs().flush();
    std::fflush(stderr);
  }

  std::FILE *file = nullptr;
  int saved = -1;
};

/// `text` without the "<program>: " LLVM's option parser starts its
/// messages with ("qc-opt: for the --profile option: ..."; just ": " in a
/// library, where no program name was set).
inline std::string withoutProgramName(llvm::StringRef text) {
  size_t at = text.find(": for the ");
  if (at != llvm::StringRef::npos && !text.take_front(at).contains('\n'))
    text = text.drop_front(at + 2);
  return text.str();
}

/// Runs `parse`, a parser of pass options or of a pass pipeline that writes
/// its errors to the stream it is given and returns whether it succeeded.
/// On failure `errors` holds those errors preceded by what LLVM's option
/// parser printed ("for the --profile option: Cannot find option named
/// 'bogus'!", without the program name). On success anything printed is
/// passed on to stderr.
inline bool
parseReportingOptionErrors(llvm::function_ref<bool(llvm::raw_ostream &)> parse,
                           std::string &errors) {
  std::string streamed;
  llvm::raw_string_ostream stream(streamed);
  StderrCapture capture;
  bool parsed = parse(stream);
  std::string printed = capture.release();
  if (parsed) {
    if (!printed.empty())
      llvm::errs() << printed << "\n";
    return true;
  }
  llvm::StringRef streamedText = llvm::StringRef(streamed).trim();
  errors = withoutProgramName(printed);
  if (!streamedText.empty())
    errors += (errors.empty() ? "" : "\n") + streamedText.str();
  return false;
}

} // namespace qc

#endif // QC_SUPPORT_STDERRCAPTURE_H
