//===- qc-vulkan-bundle.cpp - compile linalg on integer tensors to a bundle ===//
//
// qc-vulkan-bundle in.mlir -o DIR [--entry NAME] [--options="portable ..."]
// writes DIR/manifest.json, one .spv per kernel and the constant buffers;
// an entry with i4/u4 (narrow code) arguments or results also gets the
// model manifest DIR/qc-model.txt (qc/Runtime/ModelManifest.h) that records
// the code types, so that qc-vulkan-run --bundle and qc.load check the code
// range and exchange the codes themselves, not their stored form
// (docs/Numerics.md, "Storage of narrow types").
//
//===----------------------------------------------------------------------===//
#include "mlir/IR/MLIRContext.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "qc/InitAllDialects.h"
#include "qc/Runtime/Executor.h"
#include "qc/Runtime/ModelManifest.h"
#include "qc/Support/ParserCrash.h"
#include "qc/Support/ToolInput.h"
#include "qc/Support/Version.h"
#include "qc/Target/Artifact.h"
#include "qc/Target/SPIRV/VulkanBundle.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
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
  cl::opt<bool> packedInt4(
      "packed-int4",
      cl::desc("record packed-int4 in qc-model.txt: qc-vulkan-run --bundle "
               "and qc.load exchange i4/u4 two codes per byte "
               "(docs/Numerics.md)"));
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
  StringRef entryName = cast<SymbolOpInterface>(*entryOp).getName();
  // Read before compiling: the pipeline rewrites the entry's types.
  std::optional<::qc::runtime::ModelManifest> model;
  if (packedInt4 && !::qc::runtime::entryTakesNarrowCodes(*module, entryName)) {
    llvm::WithColor::error() << "packed int4: @" << entryName
                             << " has no i4 or u4 argument or result to pack\n";
    return 1;
  }
  if (::qc::runtime::entryTakesNarrowCodes(*module, entryName)) {
    FailureOr<::qc::runtime::EntrySignature> signature =
        ::qc::runtime::readEntrySignature(*module, entryName);
    if (failed(signature))
      return 1;
    llvm::Expected<std::string> name =
        mlir::qc::chooseEntryName(signature->name, outDir, "");
    if (!name) {
      llvm::WithColor::error() << llvm::toString(name.takeError()) << "\n";
      return 1;
    }
    model.emplace();
    model->name = *name;
    model->target = "vulkan";
    model->producer =
        std::string(::qc::getVersion()) + " " + ::qc::getRevision();
    model->signature = std::move(*signature);
    model->packedInt4 = packedInt4;
    if (packedInt4)
      if (llvm::Error invalid = ::qc::runtime::checkPackedInt4(model->signature)) {
        llvm::WithColor::error() << llvm::toString(std::move(invalid)) << "\n";
        return 1;
      }
  }
  FailureOr<::qc::vulkan::Bundle> bundle =
      mlir::qc::compileToVulkanBundle(*module, entryName, pipelineOptions);
  if (failed(bundle))
    return 1;
  if (llvm::Error err = ::qc::vulkan::writeBundle(*bundle, outDir)) {
    llvm::WithColor::error() << llvm::toString(std::move(err)) << "\n";
    return 1;
  }
  if (model) {
    llvm::SmallString<128> path(outDir);
    llvm::sys::path::append(path, ::qc::runtime::kManifestFile);
    if (llvm::Error err =
            llvm::writeToOutput(path, [&](llvm::raw_ostream &os) {
              os << ::qc::runtime::printManifest(*model);
              return llvm::Error::success();
            })) {
      llvm::WithColor::error() << llvm::toString(std::move(err)) << "\n";
      return 1;
    }
  }
  if (printManifest)
    llvm::outs() << llvm::formatv("{0:2}",
                                  ::qc::vulkan::manifestToJSON(*bundle))
                 << "\n";
  return 0;
}
