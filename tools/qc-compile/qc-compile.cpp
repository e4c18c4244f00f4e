//===- qc-compile.cpp - compile a model once, to a file -------------------===//
//
//   qc-compile model.mlir -o model.so [--name digits] [--header model.h]
//   qc-compile model.mlir --target=vulkan -o model.qcvk
//
// Folds the model's fake quantization (--pass-pipeline), then writes a shared
// library exporting the entry under a C name with a header declaring it
// (CPU), or a Vulkan bundle directory. qc.load / qcExecutableLoad run either
// without recompiling. Nothing is written when anything fails.
//
//===----------------------------------------------------------------------===//
#include "qc/InitAll.h"
#include "qc/Pipelines/Pipelines.h"
#include "qc/Runtime/Executor.h"
#include "qc/Support/ToolInput.h"
#include "qc/Target/Artifact.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory category("qc-compile options");
static cl::opt<std::string> inputFilename(cl::Positional,
                                          cl::desc("<input.mlir>"),
                                          cl::init("-"), cl::cat(category));
static cl::opt<std::string>
    outputPath("o",
               cl::desc("Output: the shared library (cpu) or the bundle "
                        "directory (vulkan)"),
               cl::value_desc("path"), cl::Required, cl::cat(category));
static cl::opt<std::string>
    target("target", cl::desc("Target: cpu (shared library) or vulkan (bundle)"),
           cl::init("cpu"), cl::cat(category));
static cl::opt<std::string>
    name("name",
         cl::desc("C name of the entry (default: the function's name, or the "
                  "output's stem when that is main)"),
         cl::init(""), cl::cat(category));
static cl::opt<std::string>
    entry("entry", cl::desc("Function to compile (default: the only public one)"),
          cl::init(""), cl::cat(category));
static cl::opt<std::string>
    header("header",
           cl::desc("C header to write (default: the library's path with .h)"),
           cl::init(""), cl::cat(category));
static cl::opt<std::string> passPipeline(
    "pass-pipeline",
    cl::desc("Passes to run first, as for qc-opt (default: fold fake "
             "quantization; 'builtin.module()' for none)"),
    cl::init("builtin.module(func.func(qc-fold-fake-quant))"),
    cl::cat(category));
static cl::opt<std::string> pipelineOptions(
    "pipeline-options",
    cl::desc("Options of the target's pipeline (qc-cpu-pipeline, "
             "qc-spirv-pipeline)"),
    cl::init(""), cl::cat(category));

static cl::opt<bool> packedInt4(
    "packed-int4",
    cl::desc("Record in the model's manifest that qc.load, qcExecutableLoad "
             "and qc-vulkan-run --bundle exchange i4/u4 arguments and "
             "results two codes per byte (docs/Numerics.md)"),
    cl::init(false), cl::cat(category));

static int fail(const llvm::Twine &message) {
  return mlir::qc::toolError("qc-compile", message);
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  mlir::qc::parseToolCommandLine(argc, argv, category,
                                 "qc-compile: compile a model once, to a "
                                 "shared library or a Vulkan bundle\n");
  if (!mlir::qc::checkToolTarget("qc-compile", target))
    return 1;

  DialectRegistry registry;
  mlir::qc::registerAll(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = mlir::qc::readToolInput(
      "qc-compile", inputFilename, context, sourceMgr,
      "qc-compile takes a module with the function to compile (MLIR text or "
      "bytecode)");
  if (!module)
    return 1;

  PassManager pm(&context);
  std::string parseErrors;
  llvm::raw_string_ostream parseErrorStream(parseErrors);
  llvm::StringRef pipeline = llvm::StringRef(passPipeline).trim();
  if (!pipeline.consume_front("builtin.module(") || !pipeline.consume_back(")"))
    return fail("--pass-pipeline must be anchored: 'builtin.module(...)'");
  if (failed(parsePassPipeline(pipeline, pm, parseErrorStream)))
    return fail("invalid --pass-pipeline: " + parseErrors);
  if (failed(mlir::qc::runVerifyingAtEnd(pm, *module)))
    return fail("--pass-pipeline '" + passPipeline + "' failed");

  mlir::qc::ArtifactOptions options;
  options.entry = entry;
  options.name = name;
  options.pipelineOptions = pipelineOptions;
  options.packedInt4 = packedInt4;
  options.sourcePath = inputFilename;
  llvm::Error error = llvm::Error::success();
  if (target == "cpu") {
    options.headerPath = header;
    if (options.headerPath.empty()) {
      llvm::SmallString<128> path(outputPath);
      llvm::sys::path::replace_extension(path, ".h");
      options.headerPath = path.str().str();
    }
    error = mlir::qc::compileToSharedLibrary(*module, outputPath, options);
  } else {
    error = mlir::qc::compileToVulkanBundleDirectory(*module, outputPath,
                                                     options);
  }
  if (error)
    return fail(llvm::toString(std::move(error)));
  return 0;
}
