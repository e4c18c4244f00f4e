//===- qc-vulkan-run.cpp - compile and run a qc function on Vulkan --------===//
//
// qc-vulkan-run in.mlir --entry main --input a.npy --input b.npy
//               --output c.npy [--repeat N] [--options="portable"]
//               [--validation] [--device NAME]
// or qc-vulkan-run --bundle DIR ... to run a bundle from qc-vulkan-bundle.
// The bundle-level tool: qc-run --target=vulkan runs the same path from a
// model, this one also runs bundle directories and takes --validation.
//
//===----------------------------------------------------------------------===//
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "qc/InitAllDialects.h"
#include "qc/Runtime/Npy.h"
#include "qc/Support/ParserCrash.h"
#include "qc/Target/SPIRV/VulkanExecutor.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

#include <algorithm>

using namespace mlir;
using ::qc::runtime::ElementKind;
using ::qc::runtime::HostTensor;
namespace cl = llvm::cl;

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input.mlir>"),
                                 cl::init(""));
  cl::opt<std::string> bundleDir("bundle",
                                 cl::desc("run a bundle directory instead of "
                                          "compiling an input file"),
                                 cl::init(""));
  cl::opt<std::string> entry("entry", cl::desc("entry function"),
                             cl::init("main"));
  cl::list<std::string> inputs("input", cl::desc(".npy input (in argument "
                                                 "order)"));
  cl::list<std::string> outputs("output", cl::desc(".npy output (in result "
                                                   "order)"));
  cl::opt<unsigned> repeat("repeat", cl::desc("run N times, print timing"),
                           cl::init(1));
  cl::opt<std::string> options("options",
                               cl::desc("qc-spirv-pipeline options"),
                               cl::init(""));
  cl::opt<bool> validation("validation",
                           cl::desc("enable the Khronos validation layer and "
                                    "fail on any message"));
  cl::opt<std::string> device("device", cl::desc("device index or name part"),
                              cl::init(""));
  cl::ParseCommandLineOptions(argc, argv, "qc Vulkan runner\n");
  auto die = [](const llvm::Twine &message) {
    llvm::WithColor::error(llvm::errs(), "qc-vulkan-run") << message << "\n";
    return 1;
  };
  if (inputFile.empty() == bundleDir.empty())
    return die("give exactly one of an input .mlir file and --bundle DIR");
  if (repeat == 0)
    return die("--repeat must be at least 1");

  ::qc::vulkan::Bundle bundle;
  if (!bundleDir.empty()) {
    llvm::Expected<::qc::vulkan::Bundle> read =
        ::qc::vulkan::readBundle(bundleDir);
    if (!read)
      return die(llvm::toString(read.takeError()));
    bundle = std::move(*read);
  } else {
    mlir::qc::SPIRVPipelineOptions pipelineOptions;
    if (failed(pipelineOptions.parseFromString(options)))
      return die("invalid --options '" + options + "'");
    DialectRegistry registry;
    mlir::qc::registerAllDialects(registry);
    MLIRContext context(registry);
    llvm::SourceMgr sourceMgr;
    SourceMgrDiagnosticHandler handler(sourceMgr, &context);
    std::string error;
    std::unique_ptr<llvm::MemoryBuffer> file = openInputFile(inputFile, &error);
    if (!file)
      return die(error);
    sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
    OwningOpRef<ModuleOp> module =
        mlir::qc::parseSourceFileGuarded(sourceMgr, ParserConfig(&context));
    if (!module)
      return 1;
    FailureOr<::qc::vulkan::Bundle> compiled =
        mlir::qc::compileToVulkanBundle(*module, entry, pipelineOptions);
    if (failed(compiled))
      return 1;
    bundle = std::move(*compiled);
  }

  std::vector<HostTensor> args;
  for (const std::string &path : inputs) {
    llvm::Expected<HostTensor> tensor = ::qc::runtime::readNpyFile(path);
    if (!tensor)
      return die(llvm::toString(tensor.takeError()));
    args.push_back(std::move(*tensor));
  }
  if (!outputs.empty() && outputs.size() != bundle.outputs.size())
    return die("@" + bundle.entry + " has " +
               llvm::Twine(bundle.outputs.size()) + " result(s), got " +
               llvm::Twine(outputs.size()) + " --output");

  ::qc::vulkan::RuntimeOptions runtimeOptions;
  runtimeOptions.device = device;
  runtimeOptions.validation = validation;
  auto executor = mlir::qc::VulkanExecutor::fromBundle(std::move(bundle),
                                                 runtimeOptions);
  if (!executor)
    return die(llvm::toString(executor.takeError()));
  std::vector<double> times;
  std::vector<HostTensor> results;
  for (unsigned i = 0; i < repeat; ++i) {
    auto ran = (*executor)->run(args);
    if (!ran)
      return die(llvm::toString(ran.takeError()));
    results = std::move(*ran);
    times.push_back((*executor)->lastDeviceSeconds());
  }
  std::vector<std::pair<std::string, const HostTensor *>> writes;
  for (auto [path, tensor] : llvm::zip(outputs, results))
    writes.emplace_back(path, &tensor);
  if (llvm::Error err = ::qc::runtime::writeNpyFiles(writes))
    return die(llvm::toString(std::move(err)));
  if (repeat > 1) {
    std::sort(times.begin(), times.end());
    llvm::outs() << llvm::formatv(
        "device: {0}\nruns: {1}  min: {2:f3} ms  median: {3:f3} ms\n",
        (*executor)->deviceDescription(), repeat, times.front() * 1e3,
        times[times.size() / 2] * 1e3);
  }
  return 0;
}
