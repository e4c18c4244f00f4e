//===- qc-opt.cpp - the qc optimizer driver (mlir-opt for qc) -------------===//
//
// mlir-opt with qc's dialect, passes and pipelines (mlir::qc::registerAll),
// qc's version in --version, and LLVM's option-parser messages in the
// diagnostic of a malformed pass option: upstream reports
// `--qc-fold-fake-quant="profile=bogus"` as an empty `<unknown>:0: error:`
// after printing the reason on stderr.
//
//===----------------------------------------------------------------------===//
#include "qc/InitAll.h"
#include "qc/Support/ParserCrash.h"
#include "qc/Support/PassStatistics.h"
#include "qc/Support/StderrCapture.h"
#include "qc/Support/Version.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;

/// Sets up the pass pipeline the command line asks for, with the option
/// parser's messages in the diagnostics instead of on stderr.
static LogicalResult setupPipeline(const MlirOptMainConfig &cli,
                                   PassManager &pm) {
  MLIRContext *context = pm.getContext();
  // Upstream reports a rejected pass option with its (here empty) reason as
  // an error at an unknown location; hold such errors back until the
  // option parser's message is known.
  SmallVector<std::string> held;
  LogicalResult result = success();
  std::string optionMessages;
  {
    ScopedDiagnosticHandler hold(context, [&](Diagnostic &diag) {
      if (diag.getSeverity() != DiagnosticSeverity::Error ||
          !isa<UnknownLoc>(diag.getLocation()))
        return failure(); // Not ours: let the tool's handler report it.
      held.push_back(diag.str());
      return success();
    });
    ::qc::StderrCapture capture;
    result = cli.setupPassPipeline(pm);
    optionMessages = ::qc::withoutProgramName(capture.release());
  }
  if (succeeded(result) && held.empty()) {
    if (!optionMessages.empty())
      llvm::errs() << optionMessages << "\n";
    return result;
  }
  InFlightDiagnostic error = emitError(UnknownLoc::get(context));
  error << "invalid pass options";
  if (!optionMessages.empty())
    error << ": " << optionMessages;
  for (const std::string &message : held)
    if (!llvm::StringRef(message).trim().empty())
      error << "\n" << llvm::StringRef(message).trim();
  return failure();
}

// --mlir-pass-statistics prints no pass with Debian's release LLVM
// (statistics compiled out); this prints qc's own counts of the same
// statistics (qc/Support/PassStatistics.h).
static llvm::cl::opt<bool> qcPassStatistics(
    "qc-pass-statistics",
    llvm::cl::desc("Print the statistics of qc's passes to stderr at the end "
                   "(works without an LLVM built with statistics)"),
    llvm::cl::init(false));

int main(int argc, char **argv) {
  // Before InitLLVM installs LLVM's crash handlers: the report of a parser
  // crash comes before (and instead of) their stack dump.
  mlir::qc::installParserCrashReport("qc-opt");
  llvm::InitLLVM initLLVM(argc, argv);
  llvm::cl::SetVersionPrinter(::qc::printVersion);
  DialectRegistry registry;
  mlir::qc::registerAll(registry);
  auto [inputFilename, outputFilename] =
      registerAndParseCLIOptions(argc, argv, "qc optimizer driver\n", registry);
  MlirOptMainConfig cli = MlirOptMainConfig::createFromCLOptions();
  // --show-dialects, --list-passes: upstream's driver prints them.
  if (cli.shouldShowDialects() || cli.shouldListPasses())
    return asMainReturnCode(
        MlirOptMain(argc, argv, inputFilename, outputFilename, registry));

  MlirOptMainConfig config = cli;
  config.setPassPipelineSetupFn(
      [&cli](PassManager &pm) { return setupPipeline(cli, pm); });
  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> file =
      openInputFile(inputFilename, &errorMessage);
  if (!file) {
    llvm::errs() << errorMessage << "\n";
    return 1;
  }
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputFilename, &errorMessage);
  if (!output) {
    llvm::errs() << errorMessage << "\n";
    return 1;
  }
  if (qcPassStatistics)
    mlir::qc::enablePassStatistics();
  if (failed(MlirOptMain(output->os(), std::move(file), registry, config)))
    return 1;
  if (qcPassStatistics)
    mlir::qc::printPassStatistics(llvm::errs());
  output->keep();
  return 0;
}
