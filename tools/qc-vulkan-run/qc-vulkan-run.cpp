//===- qc-vulkan-run.cpp - compile and run a qc function on Vulkan --------===//
//
// qc-vulkan-run in.mlir [--entry NAME] --input a.npy --input b.npy
//               --output c.npy [--repeat N] [--options="portable"]
//               [--validation] [--device NAME] [--packed-int4]
// or qc-vulkan-run --bundle DIR ... to run a bundle from qc-vulkan-bundle.
// The bundle-level tool: qc-run --target=vulkan runs the same path from a
// model, this one also runs bundle directories and takes --validation.
//
//===----------------------------------------------------------------------===//
#include "mlir/IR/MLIRContext.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "qc/InitAllDialects.h"
#include "qc/Runtime/Executor.h"
#include "qc/Runtime/ModelManifest.h"
#include "qc/Runtime/Npy.h"
#include "qc/Runtime/Vulkan/MemoryPlan.h"
#include "qc/Runtime/VulkanExecutor.h"
#include "qc/Support/ParserCrash.h"
#include "qc/Support/ToolInput.h"
#include "qc/Target/SPIRV/VulkanBundle.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

#include <algorithm>
#include <chrono>

#include <sys/resource.h>

using namespace mlir;
using ::qc::runtime::ElementKind;
using ::qc::runtime::HostTensor;
namespace cl = llvm::cl;

static bool hasNarrowCodes(const ::qc::runtime::EntrySignature &signature) {
  auto narrow = [](const ::qc::runtime::TensorSpec &spec) {
    return spec.codeBits != 0;
  };
  return llvm::any_of(signature.inputs, narrow) ||
         llvm::any_of(signature.results, narrow);
}

/// User + system CPU seconds of the whole process, every thread included (a
/// CPU device such as lavapipe runs the kernels on its own threads).
static double processCpuSeconds() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval &t) { return t.tv_sec + t.tv_usec * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

/// Steps by device time, largest first, with the share of the total.
/// `outside`: per run, the submit-to-fence time minus the steps' timestamps
/// (the submit, the first timestamp and the fence's wake-up).
static void printProfile(const ::qc::vulkan::Bundle &bundle,
                         llvm::ArrayRef<double> seconds,
                         llvm::ArrayRef<double> outside) {
  std::vector<size_t> order(seconds.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return seconds[a] > seconds[b]; });
  double total = 0;
  for (double s : seconds)
    total += s;
  llvm::outs() << llvm::formatv("profile: {0} steps, {1:f3} ms\n",
                                seconds.size(), total * 1e3);
  if (!outside.empty())
    llvm::outs() << llvm::formatv(
        "outside the steps: {0:f3} ms min per run (submit to fence, less the "
        "steps)\n",
        *std::min_element(outside.begin(), outside.end()) * 1e3);
  ::qc::vulkan::MemoryPlan plan = ::qc::vulkan::planMemory(bundle);
  llvm::outs() << llvm::formatv(
      "memory: {0} buffers in {1} device buffers, {2} bytes ({3} without "
      "reuse)\n",
      bundle.buffers.size(), plan.blockBytes.size(), plan.totalBytes,
      plan.unsharedBytes);
  for (size_t i : order) {
    const ::qc::vulkan::StepDesc &step = bundle.steps[i];
    std::string what;
    if (step.kind == ::qc::vulkan::StepDesc::Kind::Copy) {
      what = llvm::formatv("copy {0} bytes", step.bytes).str();
    } else {
      const ::qc::vulkan::KernelDesc &kernel = bundle.kernels[step.kernel];
      what = llvm::formatv("{0} grid {1}x{2}x{3} wg {4}x{5}x{6} ({7} "
                           "workgroups)",
                           kernel.name, step.grid[0], step.grid[1],
                           step.grid[2], kernel.workgroupSize[0],
                           kernel.workgroupSize[1], kernel.workgroupSize[2],
                           uint64_t(step.grid[0]) * step.grid[1] * step.grid[2])
                 .str();
    }
    llvm::outs() << llvm::formatv("  step {0,4}: {1,9:f3} ms {2,5:f1}%  {3}\n",
                                  i, seconds[i] * 1e3,
                                  total > 0 ? 100 * seconds[i] / total : 0.0,
                                  what);
  }
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input.mlir>"),
                                 cl::init(""));
  cl::opt<std::string> bundleDir("bundle",
                                 cl::desc("run a bundle directory instead of "
                                          "compiling an input file"),
                                 cl::init(""));
  cl::opt<std::string> entry(
      "entry", cl::desc("entry function (default: the only public one)"),
      cl::init(""));
  cl::list<std::string> inputs("input", cl::desc(".npy input (in argument "
                                                 "order)"));
  cl::list<std::string> outputs("output", cl::desc(".npy output (in result "
                                                   "order)"));
  cl::opt<unsigned> repeat(
      "repeat",
      cl::desc("run N times, print the device time (submit to "
               "fence), the host time of a run and the "
               "process's CPU time per run"),
      cl::init(1));
  cl::opt<std::string> options("options",
                               cl::desc("qc-spirv-pipeline options"),
                               cl::init(""));
  cl::opt<bool> validation("validation",
                           cl::desc("enable the Khronos validation layer and "
                                    "fail on any message"));
  cl::opt<std::string> device("device", cl::desc("device index or name part"),
                              cl::init(""));
  cl::opt<bool> profile("profile",
                        cl::desc("time every step with timestamp queries and "
                                 "print the steps by device time (minimum "
                                 "over the runs)"));
  cl::opt<bool> packedInt4(
      "packed-int4",
      cl::desc("exchange i4/u4 arguments and results two codes per byte: a "
               "uint8 .npy whose last dimension is ceil(n / 2), low nibble "
               "first (docs/Numerics.md); the default for a bundle whose "
               "qc-model.txt says packed-int4"));
  cl::ParseCommandLineOptions(argc, argv, "qc Vulkan runner\n");
  auto die = [](const llvm::Twine &message) {
    llvm::WithColor::error(llvm::errs(), "qc-vulkan-run") << message << "\n";
    return 1;
  };
  if (inputFile.empty() == bundleDir.empty())
    return die("give exactly one of an input .mlir file and --bundle DIR");
  if (repeat == 0)
    return die("--repeat must be at least 1");

  // The device first: compilation adapts the kernels to its limits.
  ::qc::vulkan::RuntimeOptions runtimeOptions;
  runtimeOptions.device = device;
  runtimeOptions.validation = validation;
  runtimeOptions.profile = profile;
  auto runtime = ::qc::vulkan::Runtime::create(runtimeOptions);
  if (!runtime)
    return die(llvm::toString(runtime.takeError()));

  ::qc::vulkan::Bundle bundle;
  bool packed = packedInt4;
  // The entry's signature where it has narrow codes (from the IR, or the
  // qc-model.txt that qc-compile and qc-vulkan-bundle write for such an
  // entry): inputs are checked against their code range and exchanged as
  // qc-run does (docs/Numerics.md, "Storage of narrow types").
  std::optional<::qc::runtime::EntrySignature> narrowSignature;
  if (!bundleDir.empty()) {
    llvm::Expected<::qc::vulkan::Bundle> read =
        ::qc::vulkan::readBundle(bundleDir);
    if (!read)
      return die(llvm::toString(read.takeError()));
    bundle = std::move(*read);
    llvm::SmallString<128> manifestPath(bundleDir);
    llvm::sys::path::append(manifestPath, ::qc::runtime::kManifestFile);
    if (auto text = llvm::MemoryBuffer::getFile(manifestPath)) {
      llvm::Expected<::qc::runtime::ModelManifest> manifest =
          ::qc::runtime::parseManifest((*text)->getBuffer());
      if (!manifest)
        return die(manifestPath + ": " + llvm::toString(manifest.takeError()));
      if (hasNarrowCodes(manifest->signature))
        narrowSignature = manifest->signature;
      packed |= manifest->packedInt4;
    }
  } else {
    mlir::qc::SPIRVPipelineOptions pipelineOptions;
    if (failed(pipelineOptions.parseFromString(options)))
      return die("invalid --options '" + options + "'");
    mlir::qc::adaptToDevice(pipelineOptions, (*runtime)->deviceTraits());
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
    FailureOr<Operation *> entryOp =
        mlir::qc::findEntryFunction(*module, entry);
    if (failed(entryOp))
      return 1;
    llvm::StringRef entryName = cast<SymbolOpInterface>(*entryOp).getName();
    if (::qc::runtime::entryTakesNarrowCodes(*module, entryName)) {
      FailureOr<::qc::runtime::EntrySignature> signature =
          ::qc::runtime::readEntrySignature(*module, entryName);
      if (failed(signature))
        return 1;
      narrowSignature = std::move(*signature);
    }
    FailureOr<::qc::vulkan::Bundle> compiled =
        mlir::qc::compileToVulkanBundle(*module, entryName, pipelineOptions);
    if (failed(compiled))
      return 1;
    bundle = std::move(*compiled);
  }

  if (packed) {
    if (!narrowSignature)
      return die("packed int4: @" + bundle.entry +
                 " has no i4 or u4 argument or result to pack");
    if (llvm::Error invalid = ::qc::runtime::checkPackedInt4(*narrowSignature))
      return die(llvm::toString(std::move(invalid)));
  }

  std::vector<HostTensor> args;
  for (const std::string &path : inputs) {
    llvm::Expected<HostTensor> tensor = ::qc::runtime::readNpyFile(path);
    if (!tensor)
      return die(llvm::toString(tensor.takeError()));
    args.push_back(std::move(*tensor));
  }
  if (narrowSignature) {
    std::vector<std::string> sources(inputs.begin(), inputs.end());
    if (packed) {
      llvm::Expected<std::vector<HostTensor>> unpacked =
          ::qc::runtime::unpackInt4Inputs(*narrowSignature, args, sources);
      if (!unpacked)
        return die(llvm::toString(unpacked.takeError()));
      args = std::move(*unpacked);
    }
    if (llvm::Error invalid =
            ::qc::runtime::checkInputs(*narrowSignature, args, sources))
      return die(llvm::toString(std::move(invalid)));
    std::vector<HostTensor> scratch;
    llvm::ArrayRef<HostTensor> stored =
        ::qc::runtime::toNarrowStorage(*narrowSignature, args, scratch);
    args = std::vector<HostTensor>(stored.begin(), stored.end());
  }
  if (!outputs.empty() && outputs.size() != bundle.outputs.size())
    return die("@" + bundle.entry + " has " +
               llvm::Twine(bundle.outputs.size()) + " result(s), got " +
               llvm::Twine(outputs.size()) + " --output");

  auto executor =
      mlir::qc::VulkanExecutor::fromBundle(std::move(bundle), std::move(*runtime));
  if (!executor)
    return die(llvm::toString(executor.takeError()));
  std::vector<double> times, stepTimes, hostTimes, outside;
  std::vector<HostTensor> results;
  // CPU time from the second run on: the first may compile the driver's
  // shader variants (lavapipe does at the first dispatch of a pipeline).
  double cpuBefore = 0;
  for (unsigned i = 0; i < repeat; ++i) {
    if (i == 1)
      cpuBefore = processCpuSeconds();
    auto start = std::chrono::steady_clock::now();
    auto ran = (*executor)->run(args);
    hostTimes.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count());
    if (!ran)
      return die(llvm::toString(ran.takeError()));
    results = std::move(*ran);
    if (narrowSignature)
      ::qc::runtime::fromNarrowStorage(*narrowSignature, results);
    if (packed)
      ::qc::runtime::packInt4Results(*narrowSignature, results);
    times.push_back((*executor)->lastDeviceSeconds());
    llvm::ArrayRef<double> steps = (*executor)->lastStepSeconds();
    if (stepTimes.empty())
      stepTimes.assign(steps.begin(), steps.end());
    for (auto [best, now] : llvm::zip(stepTimes, steps))
      best = std::min(best, now);
    if (!steps.empty()) {
      double sum = 0;
      for (double s : steps)
        sum += s;
      outside.push_back(times.back() - sum);
    }
  }
  double cpuPerRun =
      repeat > 1 ? (processCpuSeconds() - cpuBefore) / (repeat - 1) : 0;
  if (profile)
    printProfile((*executor)->getBundle(), stepTimes, outside);
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
    // The whole run() call (input copies, submit, wait, output reads), and
    // the process's CPU time over the runs after the first: on a CPU device,
    // how many cores the kernels kept busy (the driver's threads included).
    double hostTotal = 0;
    for (double t : llvm::drop_begin(hostTimes))
      hostTotal += t;
    std::sort(hostTimes.begin(), hostTimes.end());
    llvm::outs() << llvm::formatv(
        "host: {0:f3} ms min, {1:f3} ms median per run; cpu: {2:f3} ms "
        "user+sys per run, {3:f2} cores busy\n",
        hostTimes.front() * 1e3, hostTimes[hostTimes.size() / 2] * 1e3,
        cpuPerRun * 1e3,
        hostTotal > 0 ? cpuPerRun * (repeat - 1) / hostTotal : 0.0);
  }
  return 0;
}
