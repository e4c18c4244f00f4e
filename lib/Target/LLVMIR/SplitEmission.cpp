//===- SplitEmission.cpp - Object code from module parts on threads -------===//
//
// LLVM optimizes and generates code for one module on one thread; qc's
// modules are many independent functions (the outlined kernels), so the
// module is split, each part compiled on its own thread in its own LLVM
// context (contexts are not thread-safe), and the objects merged by the
// system's relocatable link (`ld -r`): callers still get one object file.
//
// The weights (large constant globals of plain bytes) are not part of any
// module that LLVM optimizes: each part keeps a declaration and the
// definitions go to one data-only module whose object the calling thread
// writes while the parts compile. A weight then no longer goes through the
// bitcode the parts are handed over in (written and read again per part),
// -O3 and instruction selection; the code reads it through the same
// PC-relative address (a hidden symbol).
//
//===----------------------------------------------------------------------===//
#include "SplitEmission.h"
#include "qc/Target/LLVMIR/LLVMWorkarounds.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/Constants.h"
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

/// Appends the object code of `module` to `object`, without optimization
/// passes (the weights' data-only module, and every module after -O).
static llvm::Error emitObjectCode(llvm::Module &module,
                                  llvm::TargetMachine &machine,
                                  llvm::SmallVectorImpl<char> &object) {
  llvm::raw_svector_ostream stream(object);
  llvm::legacy::PassManager codegen;
  if (machine.addPassesToEmitFile(codegen, stream, nullptr,
                                  llvm::CodeGenFileType::ObjectFile))
    return llvm::createStringError(
        "the target machine cannot emit object files");
  codegen.run(module);
  return llvm::Error::success();
}

llvm::Error qc::optimizeAndEmit(llvm::Module &module,
                                llvm::TargetMachine &machine,
                                unsigned optLevel,
                                llvm::SmallVectorImpl<char> &object) {
  if (llvm::Error err =
          withCodegenWorkarounds(makeOptimizingTransformer(
              optLevel, /*sizeLevel=*/0, &machine))(&module))
    return llvm::createStringError("LLVM optimization failed: " +
                                   llvm::toString(std::move(err)));
  return emitObjectCode(module, machine, object);
}

std::string qc::findRelocatableLinker() {
  llvm::ErrorOr<std::string> ld = llvm::sys::findProgramByName("ld");
  return ld ? *ld : std::string();
}

/// The functions and globals whose code or initializer uses `value`,
/// looking through constant expressions.
static void collectOwners(const llvm::Value *value,
                          llvm::SmallPtrSetImpl<const llvm::Value *> &owners) {
  for (const llvm::User *user : value->users()) {
    if (auto *instruction = llvm::dyn_cast<llvm::Instruction>(user))
      owners.insert(instruction->getFunction());
    else if (auto *global = llvm::dyn_cast<llvm::GlobalValue>(user))
      owners.insert(global);
    else
      collectOwners(user, owners);
  }
}

/// Makes a local symbol a hidden global named `<prefix>.<name>`.
static void externalize(llvm::GlobalValue &value, llvm::StringRef prefix,
                        unsigned &unnamed) {
  value.setName(value.hasName()
                    ? prefix + "." + value.getName()
                    : prefix + ".unnamed" + llvm::Twine(unnamed++));
  value.setLinkage(llvm::GlobalValue::ExternalLinkage);
  value.setVisibility(llvm::GlobalValue::HiddenVisibility);
}

/// Local functions, and local globals that several functions or globals
/// use, become hidden globals: SplitModule keeps every local symbol in the
/// part of all its users, and the entry calls every (internal) kernel and
/// the OpenMP translation gives all kernels the same unnamed `ident_t`
/// globals, so otherwise the whole module would be one part. A weight
/// (private global of one kernel) stays local to it. The prefix keeps
/// equal names of two models apart.
static void externalizeSharedLocals(llvm::Module &module,
                                    llvm::StringRef prefix) {
  unsigned unnamed = 0;
  for (llvm::Function &function : module)
    if (!function.isDeclaration() && function.hasLocalLinkage())
      externalize(function, prefix, unnamed);
  for (llvm::GlobalVariable &global : module.globals()) {
    if (global.isDeclaration() || !global.hasLocalLinkage())
      continue;
    llvm::SmallPtrSet<const llvm::Value *, 4> owners;
    collectOwners(&global, owners);
    if (owners.size() > 1)
      externalize(global, prefix, unnamed);
  }
}

/// A constant global of plain bytes at least this large is data, not code:
/// it leaves the part for the data-only module. The weights of a model are
/// (resnet18-224: 43 globals, 11 MB); smaller ones (bias and requantization
/// vectors) stay, so the optimizer still sees their values.
static constexpr uint64_t kDataBytes = 4096;

/// Whether `global` is the definition of constant data: an initializer of
/// plain bytes, no section, comdat or thread-local storage, and a linkage
/// that nothing can replace.
static bool isConstantData(const llvm::GlobalVariable &global) {
  if (global.isDeclaration() || !global.isConstant() ||
      global.isThreadLocal() || global.hasSection() || global.hasComdat() ||
      global.isExternallyInitialized() ||
      !(global.hasLocalLinkage() || global.hasExternalLinkage()))
    return false;
  if (!llvm::isa<llvm::ConstantDataSequential, llvm::ConstantAggregateZero>(
          global.getInitializer()))
    return false;
  const llvm::DataLayout &layout = global.getParent()->getDataLayout();
  return layout.getTypeAllocSize(global.getValueType()) >= kDataBytes;
}

/// Moves the definitions of `part`'s constant data to `data` (the same
/// LLVM context): the part keeps an external declaration with the same
/// alignment; a local one becomes a hidden global `<prefix>.<name>` first.
static void moveConstantData(llvm::Module &part, llvm::Module &data,
                             llvm::StringRef prefix, unsigned &unnamed) {
  for (llvm::GlobalVariable &global : part.globals()) {
    if (!isConstantData(global))
      continue;
    if (global.hasLocalLinkage()) {
      global.setName(global.hasName()
                         ? prefix + "." + global.getName()
                         : prefix + ".data" + llvm::Twine(unnamed++));
      global.setLinkage(llvm::GlobalValue::ExternalLinkage);
      global.setVisibility(llvm::GlobalValue::HiddenVisibility);
    }
    auto *definition = new llvm::GlobalVariable(
        data, global.getValueType(), /*isConstant=*/true, global.getLinkage(),
        global.getInitializer(), global.getName(), /*InsertBefore=*/nullptr,
        llvm::GlobalValue::NotThreadLocal, global.getAddressSpace());
    definition->copyAttributesFrom(&global);
    global.setInitializer(nullptr);
  }
}


llvm::Error qc::emitSplitObject(
    llvm::Module &module, unsigned parts, llvm::StringRef prefix,
    llvm::function_ref<std::unique_ptr<llvm::TargetMachine>()> makeMachine,
    unsigned optLevel, llvm::StringRef linker,
    llvm::SmallVectorImpl<char> &object) {
  externalizeSharedLocals(module, prefix);
  // The parts are taken as before (SplitModule keeps a weight with the one
  // kernel that reads it), then their weights move to `data`.
  llvm::Module data("qc.data", module.getContext());
  data.setTargetTriple(module.getTargetTriple());
  data.setDataLayout(module.getDataLayout());
  unsigned unnamed = 0;
  std::vector<llvm::SmallString<0>> bitcode;
  llvm::SplitModule(
      module, parts,
      [&](std::unique_ptr<llvm::Module> part) {
        moveConstantData(*part, data, prefix, unnamed);
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
  std::unique_ptr<llvm::TargetMachine> dataMachine;
  if (!data.global_empty() && !(dataMachine = makeMachine()))
    return llvm::createStringError("cannot create a target machine");
  std::vector<llvm::SmallString<0>> objects(bitcode.size());
  std::vector<std::string> errors(bitcode.size());
  llvm::SmallString<0> dataObject;
  llvm::Error dataError = llvm::Error::success();
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
    // The calling thread writes the data object meanwhile: the original
    // module's context is no part's.
    if (dataMachine)
      dataError = emitObjectCode(data, *dataMachine, dataObject);
    pool.wait();
  }
  if (dataError)
    return dataError;
  if (dataMachine)
    objects.push_back(std::move(dataObject));
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
