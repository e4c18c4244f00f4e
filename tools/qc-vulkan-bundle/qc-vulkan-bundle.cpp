//===- qc-vulkan-bundle.cpp - compile linalg on integer tensors to a bundle ===//
//
// qc-vulkan-bundle in.mlir -o DIR [--entry NAME] [--options="portable ..."]
// writes DIR/manifest.json, one .spv per kernel and the constant buffers.
//
//===----------------------------------------------------------------------===//
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "qc/InitAllDialects.h"
#include "qc/Support/ParserCrash.h"
#include "qc/Support/ToolInput.h"
#include "qc/Target/SPIRV/VulkanBundle.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;
namespace cl = llvm::cl;

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::opt<std::string> input(cl::Positional, cl::desc("<input.mlir>"),
                             cl::init("-"));
  cl::opt<std::string> outDir("o", cl::desc("bundle directory"),
                              cl::value_desc("dir"), cl::Required);
  cl::opt<std::string> entry(
      "entry", cl::desc("entry function (default: the only public one)"),
      cl::init(""));
  cl::opt<std::string> options(
      "options", cl::desc("qc-spirv-pipeline options, e.g. \"portable "
                          "tile-sizes=16,16\""),
      cl::init(""));
  cl::opt<bool> printManifest("print-manifest",
                              cl::desc("also print manifest.json to stdout"));
  cl::ParseCommandLineOptions(argc, argv, "qc SPIR-V/Vulkan bundle compiler\n");

  mlir::qc::SPIRVPipelineOptions pipelineOptions;
  if (failed(pipelineOptions.parseFromString(options))) {
    llvm::WithColor::error() << "invalid --options '" << options << "'\n";
    return 1;
  }
  DialectRegistry registry;
  mlir::qc::registerAllDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> file = openInputFile(input, &error);
  if (!file) {
    llvm::WithColor::error() << error << "\n";
    return 1;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module =
      mlir::qc::parseSourceFileGuarded(sourceMgr, ParserConfig(&context));
  if (!module)
    return 1;
  FailureOr<Operation *> entryOp =
      mlir::qc::findEntryFunction(*module, entry);
  if (failed(entryOp))
    return 1;
  FailureOr<::qc::vulkan::Bundle> bundle =
      mlir::qc::compileToVulkanBundle(
          *module, cast<SymbolOpInterface>(*entryOp).getName(),
          pipelineOptions);
  if (failed(bundle))
    return 1;
  if (llvm::Error err = ::qc::vulkan::writeBundle(*bundle, outDir)) {
    llvm::WithColor::error() << llvm::toString(std::move(err)) << "\n";
    return 1;
  }
  if (printManifest)
    llvm::outs() << llvm::formatv("{0:2}",
                                  ::qc::vulkan::manifestToJSON(*bundle))
                 << "\n";
  return 0;
}
