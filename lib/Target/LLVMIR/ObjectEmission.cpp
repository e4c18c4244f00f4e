//===- ObjectEmission.cpp - LLVM dialect modules to object files ----------===//
#include "qc/Target/LLVMIR/ObjectEmission.h"

#include "SplitEmission.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;

/// The AMX instructions of qc's AMX kernels (Int8AMX.cpp); the same test as
/// qc::runtime::isAMXIntrinsic, which this library does not link.
static bool isAMXTileIntrinsic(llvm::StringRef name) {
  return name.starts_with("llvm.x86.tdpb") || name.starts_with("llvm.x86.tileloadd") ||
         name.starts_with("llvm.x86.tilestored") || name.starts_with("llvm.x86.tilezero");
}

/// "+feature,-feature,..." for the features the host reports.
static std::string hostFeatures() {
  std::string features;
  for (const auto &feature : llvm::sys::getHostCPUFeatures()) {
    if (!features.empty())
      features += ',';
    features += (feature.second ? "+" : "-") + feature.first().str();
  }
  return features;
}

/// The first public function's name: the prefix of the local functions
/// that a split module shares between its parts (see emitSplitObject).
static std::string symbolPrefix(llvm::Module &module) {
  for (llvm::Function &function : module)
    if (!function.isDeclaration() && !function.hasLocalLinkage())
      return function.getName().str();
  return "qc";
}

/// The discardable `llvm.loop_annotation` of each branch becomes its own
/// (translateToLLVMIR).
static void adoptLoopAnnotations(Operation *module) {
  constexpr llvm::StringLiteral name = "llvm.loop_annotation";
  module->walk([&](Operation *op) {
    auto annotation = op->getDiscardableAttr(name);
    if (!annotation)
      return;
    auto loop = dyn_cast<LLVM::LoopAnnotationAttr>(annotation);
    if (auto br = dyn_cast<LLVM::BrOp>(op); br && loop && !br.getLoopAnnotationAttr())
      br.setLoopAnnotationAttr(loop);
    else if (auto condBr = dyn_cast<LLVM::CondBrOp>(op);
             condBr && loop && !condBr.getLoopAnnotationAttr())
      condBr.setLoopAnnotationAttr(loop);
    else
      return;
    op->removeDiscardableAttr(name);
  });
}

std::unique_ptr<llvm::Module>
qc::translateToLLVMIR(Operation *module, llvm::LLVMContext &context) {
  adoptLoopAnnotations(module);
  return translateModuleToLLVMIR(module, context);
}

LogicalResult
qc::emitObjectFile(ModuleOp module, const ObjectTarget &target,
                   llvm::raw_ostream &os,
                   llvm::function_ref<LogicalResult(llvm::Module &)> adjust) {
  llvm::InitializeAllTargetInfos();
  llvm::InitializeAllTargets();
  llvm::InitializeAllTargetMCs();
  llvm::InitializeAllAsmPrinters();

  bool isHost = target.triple.empty();
  llvm::Triple triple(isHost ? llvm::sys::getDefaultTargetTriple()
                             : target.triple);
  std::string cpu = target.cpu;
  std::string features = target.features;
  if (isHost && cpu.empty()) {
    cpu = llvm::sys::getHostCPUName().str();
    if (features.empty())
      features = hostFeatures();
  }
  if (target.optLevel > 3)
    return emitError(module.getLoc())
           << "optimization level " << target.optLevel << " is not in 0-3";

  std::string error;
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return emitError(module.getLoc())
           << "unknown target triple '" << triple.str() << "': " << error;
  auto codeGenLevel = static_cast<llvm::CodeGenOptLevel>(target.optLevel);
  auto makeMachine = [&] {
    return std::unique_ptr<llvm::TargetMachine>(llvmTarget->createTargetMachine(
        triple, cpu, features, llvm::TargetOptions(), llvm::Reloc::PIC_,
        std::nullopt, codeGenLevel));
  };
  std::unique_ptr<llvm::TargetMachine> machine = makeMachine();
  if (!machine)
    return emitError(module.getLoc())
           << "cannot create a target machine for '" << triple.str() << "'";

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateToLLVMIR(module, llvmContext);
  if (!llvmModule)
    return failure(); // The translation emitted its diagnostic.
  // Code generation aborts the process on an intrinsic the target cannot
  // select; qc emits x86 intrinsics only under x86-vnni / x86-vbmi, so say
  // that.
  for (llvm::Function &function : *llvmModule) {
    if (!function.isIntrinsic() || !function.getName().starts_with("llvm.x86."))
      continue;
    if (!triple.isX86())
      return emitError(module.getLoc())
             << "the module calls " << function.getName().str()
             << " but the target is " << triple.str()
             << "; lower it without x86-vnni, x86-vbmi and x86-amx";
    if (function.getName().starts_with("llvm.x86.avx512.vpdpbusd") &&
        !machine->getMCSubtargetInfo()->checkFeatures("+avx512vnni"))
      return emitError(module.getLoc())
             << "the module calls " << function.getName().str()
             << " but CPU '" << cpu
             << "' lacks avx512vnni; lower it without x86-vnni or pick a "
                "CPU that has it";
    if (function.getName().starts_with("llvm.x86.avx512.vpermi2var.qi") &&
        !machine->getMCSubtargetInfo()->checkFeatures("+avx512vbmi"))
      return emitError(module.getLoc())
             << "the module calls " << function.getName().str() << " but CPU '" << cpu
             << "' lacks avx512vbmi; lower it without x86-vbmi or pick a CPU that "
                "has it";
    if (isAMXTileIntrinsic(function.getName()) &&
        !machine->getMCSubtargetInfo()->checkFeatures("+amx-int8,+amx-tile"))
      return emitError(module.getLoc())
             << "the module calls " << function.getName().str() << " but CPU '" << cpu
             << "' lacks amx-int8/amx-tile; lower it without x86-amx or pick a CPU "
                "that has them (e.g. --target-cpu=sapphirerapids)";
  }
  if (adjust && failed(adjust(*llvmModule)))
    return failure();
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(machine->createDataLayout());
  // Function attributes make the optimizer's cost model match the machine.
  for (llvm::Function &function : *llvmModule) {
    if (function.isDeclaration())
      continue;
    if (!cpu.empty())
      function.addFnAttr("target-cpu", cpu);
    if (!features.empty())
      function.addFnAttr("target-features", features);
  }

  llvm::SmallString<0> object;
  unsigned parts = target.threads ? target.threads
                                  : llvm::hardware_concurrency().compute_thread_count();
  unsigned functions = llvm::count_if(
      *llvmModule, [](llvm::Function &f) { return !f.isDeclaration(); });
  parts = std::min(parts, functions);
  // The parts are merged by the system's linker, which links ELF objects of
  // the host's architecture only.
  std::string linker;
  if (parts > 1 &&
      triple.getArch() == llvm::Triple(llvm::sys::getProcessTriple()).getArch() &&
      triple.isOSBinFormatELF())
    linker = findRelocatableLinker();
  llvm::Error err =
      linker.empty()
          ? optimizeAndEmit(*llvmModule, *machine, target.optLevel, object)
          : emitSplitObject(*llvmModule, parts, symbolPrefix(*llvmModule),
                            makeMachine, target.optLevel, linker, object);
  if (err)
    return emitError(module.getLoc()) << llvm::toString(std::move(err));
  os << object;
  return success();
}

void qc::registerToObjectFileTranslation() {
  static llvm::cl::opt<std::string> triple(
      "target-triple",
      llvm::cl::desc("--mlir-to-obj: target triple (default: the host)"),
      llvm::cl::init(""));
  static llvm::cl::opt<std::string> cpu(
      "target-cpu",
      llvm::cl::desc("--mlir-to-obj: CPU name (default: the host's)"),
      llvm::cl::init(""));
  static llvm::cl::opt<std::string> features(
      "target-features",
      llvm::cl::desc("--mlir-to-obj: +/-feature list (default: the host's)"),
      llvm::cl::init(""));
  static llvm::cl::opt<unsigned> optLevel(
      "obj-opt-level",
      llvm::cl::desc("--mlir-to-obj: LLVM optimization level (0-3)"),
      llvm::cl::init(3));
  static llvm::cl::opt<unsigned> threads(
      "obj-threads",
      llvm::cl::desc("--mlir-to-obj: threads that optimize and generate code "
                     "(0: the host's cores; 1: one module, no split)"),
      llvm::cl::init(0));
  TranslateFromMLIRRegistration llvmIR(
      "qc-mlir-to-llvmir",
      "Translate an LLVM dialect module to LLVM IR as --mlir-to-obj and the "
      "JIT hand it to LLVM's optimizer (loop annotations adopted)",
      [](ModuleOp module, llvm::raw_ostream &os) {
        llvm::LLVMContext llvmContext;
        std::unique_ptr<llvm::Module> llvmModule =
            translateToLLVMIR(module, llvmContext);
        if (!llvmModule)
          return failure();
        llvmModule->print(os, nullptr);
        return success();
      },
      [](DialectRegistry &registry) {
        registerAllToLLVMIRTranslations(registry);
      });
  TranslateFromMLIRRegistration registration(
      "mlir-to-obj",
      "Translate an LLVM dialect module to an optimized object file",
      [](ModuleOp module, llvm::raw_ostream &os) {
        ObjectTarget target{triple, cpu, features, optLevel, threads};
        return emitObjectFile(module, target, os);
      },
      [](DialectRegistry &registry) {
        registerAllToLLVMIRTranslations(registry);
      });
}
