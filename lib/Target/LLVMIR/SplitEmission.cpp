//===- SplitEmission.cpp - Object code from module parts on threads -------===//
//
// LLVM optimizes and generates code for one module on one thread; qc's
// modules are many independent functions (the outlined kernels), so the
// module is split, each part compiled on its own thread in its own LLVM
// context (contexts are not thread-safe), and the objects merged by the
// system's relocatable link (`ld -r`): callers still get one object file.
//
//===----------------------------------------------------------------------===//
#include "SplitEmission.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/Utils/SplitModule.h"

#include <vector>

using namespace mlir;

llvm::Error qc::optimizeAndEmit(llvm::Module &module,
                                llvm::TargetMachine &machine,
                                unsigned optLevel,
                                llvm::SmallVectorImpl<char> &object) {
  if (llvm::Error err =
          makeOptimizingTransformer(optLevel, /*sizeLevel=*/0, &machine)(
              &module))
    return llvm::createStringError("LLVM optimization failed: " +
                                   llvm::toString(std::move(err)));
  llvm::raw_svector_ostream stream(object);
  llvm::legacy::PassManager codegen;
  if (machine.addPassesToEmitFile(codegen, stream, nullptr,
                                  llvm::CodeGenFileType::ObjectFile))
    return llvm::createStringError(
        "the target machine cannot emit object files");
  codegen.run(module);
  return llvm::Error::success();
}

std::string qc::findRelocatableLinker() {
  llvm::ErrorOr<std::string> ld = llvm::sys::findProgramByName("ld");
  return ld ? *ld : std::string();
}

/// Local functions become hidden globals: SplitModule keeps every local
/// symbol with all its users (PreserveLocals), and the entry calls every
/// (internal) kernel, so otherwise the whole module would be one part. The
/// weights (private globals) stay local to the kernel that reads them. The
/// prefix keeps equal helper names of two models apart.
static void externalizeLocalFunctions(llvm::Module &module,
                                      llvm::StringRef prefix) {
  for (llvm::Function &function : module) {
    if (function.isDeclaration() || !function.hasLocalLinkage())
      continue;
    function.setName(prefix + "." + function.getName());
    function.setLinkage(llvm::GlobalValue::ExternalLinkage);
    function.setVisibility(llvm::GlobalValue::HiddenVisibility);
  }
}

llvm::Error qc::emitSplitObject(
    llvm::Module &module, unsigned parts, llvm::StringRef prefix,
    llvm::function_ref<std::unique_ptr<llvm::TargetMachine>()> makeMachine,
    unsigned optLevel, llvm::StringRef linker,
    llvm::SmallVectorImpl<char> &object) {
  externalizeLocalFunctions(module, prefix);
  std::vector<llvm::SmallString<0>> bitcode;
  llvm::SplitModule(
      module, parts,
      [&](std::unique_ptr<llvm::Module> part) {
        llvm::SmallString<0> &buffer = bitcode.emplace_back();
        llvm::raw_svector_ostream stream(buffer);
        llvm::WriteBitcodeToFile(*part, stream);
      },
      /*PreserveLocals=*/true);

  // Machines are made here, on the calling thread; each part's thread uses
  // its own.
  std::vector<std::unique_ptr<llvm::TargetMachine>> machines;
  for (size_t i = 0; i < bitcode.size(); ++i) {
    machines.push_back(makeMachine());
    if (!machines.back())
      return llvm::createStringError("cannot create a target machine");
  }
  std::vector<llvm::SmallString<0>> objects(bitcode.size());
  std::vector<std::string> errors(bitcode.size());
  {
    llvm::StdThreadPool pool(llvm::hardware_concurrency(bitcode.size()));
    for (size_t i = 0; i < bitcode.size(); ++i) {
      pool.async([&, i] {
        llvm::LLVMContext context;
        llvm::Expected<std::unique_ptr<llvm::Module>> part =
            llvm::parseBitcodeFile(
                llvm::MemoryBufferRef(bitcode[i], "part"), context);
        llvm::Error err =
            part ? optimizeAndEmit(**part, *machines[i], optLevel, objects[i])
                 : part.takeError();
        if (err)
          errors[i] = llvm::toString(std::move(err));
      });
    }
    pool.wait();
  }
  for (const std::string &error : errors)
    if (!error.empty())
      return llvm::createStringError(error);

  llvm::SmallString<128> directory;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("qc-split-object", directory))
    return llvm::createStringError("cannot create a temporary directory: " +
                                   ec.message());
  auto cleanup = llvm::scope_exit(
      [&] { llvm::sys::fs::remove_directories(directory); });
  std::string merged = (directory + "/merged.o").str();
  std::string log = (directory + "/ld.log").str();
  std::vector<std::string> argv = {linker.str(), "-r", "-o", merged};
  for (size_t i = 0; i < objects.size(); ++i) {
    std::string path = (directory + "/part" + llvm::Twine(i) + ".o").str();
    std::error_code ec;
    llvm::raw_fd_ostream file(path, ec);
    if (ec)
      return llvm::createStringError("cannot write " + path + ": " +
                                     ec.message());
    file << objects[i];
    file.close();
    if (file.has_error())
      return llvm::createStringError("cannot write " + path);
    argv.push_back(path);
  }
  llvm::SmallVector<llvm::StringRef> args(argv.begin(), argv.end());
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, log, log};
  std::string runError;
  if (llvm::sys::ExecuteAndWait(linker, args, std::nullopt, redirects, 0, 0,
                                &runError) != 0) {
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> text =
        llvm::MemoryBuffer::getFile(log);
    return llvm::createStringError(
        "merging the object parts failed (" + llvm::join(argv, " ") + "): " +
        (text ? (*text)->getBuffer().trim().str() : runError));
  }
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> result =
      llvm::MemoryBuffer::getFile(merged);
  if (!result)
    return llvm::createStringError("cannot read " + merged);
  object.append((*result)->getBufferStart(), (*result)->getBufferEnd());
  return llvm::Error::success();
}
