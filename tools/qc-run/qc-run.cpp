//===- qc-run.cpp - run a qc model on .npy inputs -------------------------===//
//
// qc-run model.mlir --entry NAME --input a.npy --input b.npy --output y.npy
//
// Reads the entry function's signature from the IR as given (before any
// lowering, so quantized argument types still say int8 or uint8), checks the
// inputs against it, compiles for the chosen target, runs, and writes every
// output file completely or none of them.
//
//===----------------------------------------------------------------------===//
#include "qc/InitAll.h"
#include "qc/Runtime/CPUExecutor.h"
#include "qc/Runtime/Heap.h"
#include "qc/Runtime/Npy.h"
#include "qc/Runtime/VulkanExecutor.h"
#include "qc/Support/ToolInput.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cinttypes>

using namespace mlir;
using namespace ::qc::runtime;

// --help lists these; LLVM's own options stay behind --help-hidden.
static llvm::cl::OptionCategory qcRunCategory("qc-run options");

static llvm::cl::opt<std::string> inputFilename(llvm::cl::Positional,
                                                llvm::cl::desc("<input.mlir>"),
                                                llvm::cl::init("-"),
    llvm::cl::cat(qcRunCategory));
static llvm::cl::opt<std::string>
    target("target", llvm::cl::desc("Execution target (cpu, vulkan)"),
           llvm::cl::init("cpu"),
    llvm::cl::cat(qcRunCategory));
static llvm::cl::opt<std::string> entry(
    "entry",
    llvm::cl::desc("Function to run (default: the only public function)"),
    llvm::cl::init(""),
    llvm::cl::cat(qcRunCategory));
static llvm::cl::list<std::string>
    inputFiles("input",
               llvm::cl::desc(".npy file of the next argument (repeatable, in "
                              "argument order)"),
               llvm::cl::value_desc("file.npy"),
    llvm::cl::cat(qcRunCategory));
static llvm::cl::list<std::string> outputFiles(
    "output",
    llvm::cl::desc(".npy file for the next result (repeatable, one per "
                   "result)"),
    llvm::cl::value_desc("file.npy"),
    llvm::cl::cat(qcRunCategory));
static llvm::cl::opt<int>
    repeat("repeat",
           llvm::cl::desc("Run N times and print the min and median time"),
           llvm::cl::init(1),
    llvm::cl::cat(qcRunCategory));
static llvm::cl::opt<bool> print("print",
                                 llvm::cl::desc("Print the results as text"),
                                 llvm::cl::init(false),
    llvm::cl::cat(qcRunCategory));
static llvm::cl::opt<std::string> pipelineOptions(
    "pipeline-options",
    llvm::cl::desc("Options of the target's pipeline: qc-cpu-pipeline (e.g. "
                   "'vectorize=false') or qc-spirv-pipeline (e.g. 'portable')"),
    llvm::cl::init(""),
    llvm::cl::cat(qcRunCategory));
static llvm::cl::opt<bool> packedInt4(
    "packed-int4",
    llvm::cl::desc("Exchange i4/u4 arguments and results two codes per byte: "
                   "a uint8 .npy whose last dimension is ceil(n / 2), low "
                   "nibble first (docs/Numerics.md)"),
    llvm::cl::init(false), llvm::cl::cat(qcRunCategory));
static llvm::cl::opt<unsigned>
    optLevel("O", llvm::cl::desc("LLVM optimization level of the JIT (0-3)"),
             llvm::cl::init(3), llvm::cl::Prefix,
    llvm::cl::cat(qcRunCategory));

namespace {

template <typename T>
void printElement(llvm::raw_ostream &os, const uint8_t *data) {
  T value;
  std::memcpy(&value, data, sizeof(T));
  if constexpr (std::is_floating_point_v<T>)
    os << llvm::format("%g", double(value));
  else
    os << int64_t(value);
}

void printElement(llvm::raw_ostream &os, ElementKind kind,
                  const uint8_t *data) {
  switch (kind) {
  case ElementKind::I8:
    return printElement<int8_t>(os, data);
  case ElementKind::U8:
    return printElement<uint8_t>(os, data);
  case ElementKind::I16:
    return printElement<int16_t>(os, data);
  case ElementKind::U16:
    return printElement<uint16_t>(os, data);
  case ElementKind::I32:
    return printElement<int32_t>(os, data);
  case ElementKind::I64:
    return printElement<int64_t>(os, data);
  case ElementKind::F32:
    return printElement<float>(os, data);
  case ElementKind::F64:
    return printElement<double>(os, data);
  }
}

/// Prints nested brackets like numpy: [[1, 2], [3, 4]].
void printNested(llvm::raw_ostream &os, const HostTensor &tensor, size_t dim,
                 int64_t &offset) {
  if (dim == tensor.shape.size()) {
    printElement(os, tensor.kind,
                 tensor.data.data() + offset * elementSize(tensor.kind));
    ++offset;
    return;
  }
  os << '[';
  for (int64_t i = 0; i < tensor.shape[dim]; ++i) {
    if (i)
      os << (dim + 1 == tensor.shape.size() ? ", " : ",\n ");
    printNested(os, tensor, dim + 1, offset);
  }
  os << ']';
}

int fail(const llvm::Twine &message) {
  return mlir::qc::toolError("qc-run", message);
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  // Before anything is allocated, so the JIT's own heap is kept too.
  ::qc::runtime::keepHeapAcrossCalls();
  // libLLVM registers an unrelated --threads of its own; qc-run's replaces
  // it, so it is registered here, after removing that one.
  if (llvm::cl::Option *llvmThreads = llvm::cl::getRegisteredOptions().lookup("threads"))
    llvmThreads->removeArgument();
  static llvm::cl::opt<unsigned> threads(
      "threads",
      llvm::cl::desc("CPU threads of the compiled code (default: the cores of "
                     "this machine; 1 runs without OpenMP)"),
      llvm::cl::init(0), llvm::cl::cat(qcRunCategory));
  mlir::qc::parseToolCommandLine(
      argc, argv, qcRunCategory,
      "qc-run: compile a qc/linalg module and run it on .npy inputs\n");
  if (repeat < 1)
    return fail("--repeat must be at least 1");
  if (!mlir::qc::checkToolTarget("qc-run", target))
    return 1;

  DialectRegistry registry;
  mlir::qc::registerAll(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = mlir::qc::readToolInput(
      "qc-run", inputFilename, context, sourceMgr,
      "qc-run takes a module with the function to run (MLIR text or "
      "bytecode)");
  if (!module)
    return 1;

  FailureOr<EntrySignature> signature = readEntrySignature(*module, entry);
  if (failed(signature))
    return 1;
  if (packedInt4)
    if (llvm::Error error = checkPackedInt4(*signature))
      return fail(llvm::toString(std::move(error)));

  std::vector<HostTensor> inputs;
  for (const std::string &path : inputFiles) {
    llvm::Expected<HostTensor> tensor = readNpyFile(path);
    if (!tensor)
      return fail("argument #" + llvm::Twine(inputs.size()) + " of @" +
                  signature->name + ": " + llvm::toString(tensor.takeError()));
    inputs.push_back(std::move(*tensor));
  }
  if (packedInt4) {
    llvm::Expected<std::vector<HostTensor>> unpacked =
        unpackInt4Inputs(*signature, inputs, inputFiles);
    if (!unpacked)
      return fail(llvm::toString(unpacked.takeError()));
    inputs = std::move(*unpacked);
  }
  if (llvm::Error error = checkInputs(*signature, inputs, inputFiles))
    return fail(llvm::toString(std::move(error)));
  if (!outputFiles.empty() && outputFiles.size() != signature->results.size())
    return fail("@" + signature->name + " has " +
                llvm::Twine(signature->results.size()) + " result(s) but " +
                llvm::Twine(outputFiles.size()) + " --output file(s) were "
                                                  "given");

  std::unique_ptr<Executor> executor;
  if (target == "cpu") {
    CPUExecutorOptions options;
    options.pipelineOptions = pipelineOptions;
    if (threads != 0)
      options.pipelineOptions += (pipelineOptions.empty() ? "threads=" : " threads=") +
                                 std::to_string(threads);
    options.sourcePath = inputFilename;
    options.optLevel = optLevel;
    llvm::Expected<std::unique_ptr<Executor>> created =
        createCPUExecutor(*module, *signature, options);
    if (!created)
      return fail(llvm::toString(created.takeError()));
    executor = std::move(*created);
  } else {
    VulkanExecutorOptions options;
    options.pipelineOptions = pipelineOptions;
    options.sourcePath = inputFilename;
    llvm::Expected<std::unique_ptr<Executor>> created =
        createVulkanExecutor(*module, *signature, options);
    if (!created)
      return fail(llvm::toString(created.takeError()));
    executor = std::move(*created);
  }

  Timing timing;
  llvm::Expected<std::vector<HostTensor>> results =
      executor->run(inputs, repeat, timing);
  if (!results)
    return fail(llvm::toString(results.takeError()));

  // --print shows what the output files get.
  if (packedInt4)
    packInt4Results(*signature, *results);
  if (print) {
    for (auto [index, result] : llvm::enumerate(*results)) {
      llvm::outs() << "result #" << index << ": " << result.describe()
                   << "\n";
      int64_t offset = 0;
      printNested(llvm::outs(), result, 0, offset);
      llvm::outs() << "\n";
    }
  }
  if (repeat > 1)
    llvm::outs() << llvm::format("time over %d runs: min %.6f ms, median "
                                 "%.6f ms\n",
                                 int(repeat), timing.min() * 1e3,
                                 timing.median() * 1e3);

  std::vector<std::pair<std::string, const HostTensor *>> writes;
  for (size_t i = 0; i < outputFiles.size(); ++i)
    writes.emplace_back(outputFiles[i], &(*results)[i]);
  if (llvm::Error error = writeNpyFiles(writes))
    return fail(llvm::toString(std::move(error)));
  return 0;
}
