//===- SharedLibrary.cpp - a compiled model as a shared library -----------===//
//
// The entry function is renamed to an internal symbol before qc-cpu-pipeline
// lowers it; after translation to LLVM IR two exported functions are added
// around it:
//
//   void NAME([int64_t batch,] const T0 *input0, ..., T *result0, ...)
//   void NAME_qc_run(int64_t batch, void **inputs, void **results)
//
// Both call the lowered function with memref descriptors built from the
// pointers (identity layout, the batch as the dynamic size), so no caller
// writes descriptor structs. Every other function gets internal linkage: two
// models link into one program without clashes. The object is linked with
// the C compiler driver into a shared library together with qc's runtime
// support (memrefCopy, which lowered strided copies call), compiled from
// source so no archive has to be found at run time.
//
//===----------------------------------------------------------------------===//
#include "qc/Target/Artifact.h"

#include "qc/Pipelines/Pipelines.h"
#include "qc/Runtime/CPUExecutor.h"
#include "qc/Runtime/ModelManifest.h"
#include "qc/Support/Version.h"
#include "qc/Target/LLVMIR/ObjectEmission.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using ::qc::runtime::EntrySignature;
using ::qc::runtime::kDynamicSize;
using ::qc::runtime::TensorSpec;

namespace {

llvm::Error stringError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The CPU features the module's x86 intrinsics need (qc's only ISA
/// extensions), for the manifest's `requires` line.
std::vector<std::string> requiredCPUFeatures(llvm::Module &llvmModule) {
  bool vnni = false, vbmi = false, amx = false;
  for (llvm::Function &function : llvmModule) {
    llvm::StringRef name = function.getName();
    vnni |= name.starts_with("llvm.x86.avx512.vpdpbusd");
    vbmi |= name.starts_with("llvm.x86.avx512.vpermi2var.qi");
    amx |= ::qc::runtime::isAMXIntrinsic(name);
  }
  std::vector<std::string> features;
  if (vnni)
    features.push_back("avx512vnni");
  if (vbmi)
    features.push_back("avx512vbmi");
  if (amx)
    features.insert(features.end(), {"amx-int8", "amx-tile"});
  return features;
}

/// qc's runtime support for compiled models, linked into every library.
/// memrefCopy as MLIR's C runner utilities define it (lowered memref.copy of
/// non-contiguous views calls it); hidden, so libraries never interpose
/// each other's or MLIR's copy. The constructor is the C twin of
/// qc::runtime::keepHeapAcrossCalls (lib/Runtime/Heap.cpp): a program that
/// links or dlopens the library gets the heap setting qc-run has.
constexpr llvm::StringLiteral kRuntimeSupport = R"c(
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
__attribute__((constructor)) static void qc_keep_heap_across_calls(void) {
  const char *tunables = getenv("GLIBC_TUNABLES");
  if (tunables && strstr(tunables, "glibc.malloc."))
    return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}
#endif
typedef struct { int64_t rank; void *descriptor; } qc_unranked_memref;
__attribute__((visibility("hidden"))) void
memrefCopy(int64_t elemSize, qc_unranked_memref *src, qc_unranked_memref *dst) {
  int64_t rank = src->rank;
  int64_t *s = (int64_t *)src->descriptor, *d = (int64_t *)dst->descriptor;
  char *from = (char *)(intptr_t)s[1] + s[2] * elemSize;
  char *to = (char *)(intptr_t)d[1] + d[2] * elemSize;
  const int64_t *sizes = s + 3, *fromStrides = s + 3 + rank,
                *toStrides = d + 3 + rank;
  int64_t index[rank > 0 ? rank : 1];
  for (int64_t r = 0; r < rank; ++r) {
    if (sizes[r] == 0)
      return;
    index[r] = 0;
  }
  int64_t fromOffset = 0, toOffset = 0;
  for (;;) {
    memcpy(to + toOffset * elemSize, from + fromOffset * elemSize, elemSize);
    int64_t r = rank - 1;
    for (; r >= 0; --r) {
      ++index[r];
      fromOffset += fromStrides[r];
      toOffset += toStrides[r];
      if (index[r] < sizes[r])
        break;
      fromOffset -= fromStrides[r] * sizes[r];
      toOffset -= toStrides[r] * sizes[r];
      index[r] = 0;
    }
    if (r < 0)
      return;
  }
}
)c";

const char *cTypeOf(::qc::runtime::ElementKind kind) {
  switch (kind) {
  case ::qc::runtime::ElementKind::I8:
    return "int8_t";
  case ::qc::runtime::ElementKind::U8:
    return "uint8_t";
  case ::qc::runtime::ElementKind::I16:
    return "int16_t";
  case ::qc::runtime::ElementKind::U16:
    return "uint16_t";
  case ::qc::runtime::ElementKind::I32:
    return "int32_t";
  case ::qc::runtime::ElementKind::I64:
    return "int64_t";
  case ::qc::runtime::ElementKind::F32:
    return "float";
  case ::qc::runtime::ElementKind::F64:
    return "double";
  }
  return "void";
}

std::string elementCount(const TensorSpec &spec) {
  int64_t perBatch = 1;
  for (int64_t size : spec.shape)
    if (size != kDynamicSize)
      perBatch *= size;
  if (!spec.isDynamic())
    return std::to_string(perBatch);
  return "((int64_t)(batch) * " + std::to_string(perBatch) + ")";
}

/// The C header declaring the entry and its tensor signature.
std::string headerText(const EntrySignature &signature, llvm::StringRef name,
                       llvm::StringRef library, bool packedInt4) {
  std::string guard = "QC_MODEL_" + llvm::StringRef(name).upper() + "_H";
  std::string macro = llvm::StringRef(name).upper();
  bool dynamic = signature.isDynamic();
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "/* " << name << ".h: the entry point of " << library
     << ", generated by qc-compile\n   (qc " << ::qc::getVersion() << ", git "
     << ::qc::getRevision() << "). Do not edit. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  auto describe = [&](const char *role, size_t i, const TensorSpec &spec) {
    os << " *   " << role << i << ": " << elementName(spec.kind) << "[";
    for (auto [d, size] : llvm::enumerate(spec.shape))
      os << (d ? ", " : "")
         << (size == kDynamicSize ? std::string("batch")
                                  : std::to_string(size));
    os << "]";
    // Narrow codes: one per element; the library takes and returns an
    // unsigned code in its stored form (docs/Numerics.md, "Storage of
    // narrow types"), which qc.load and qcExecutableLoad convert.
    if (spec.codeBits) {
      bool isUnsigned = spec.kind == ::qc::runtime::ElementKind::U8 ||
                        spec.kind == ::qc::runtime::ElementKind::U16;
      int64_t n = spec.codeBits;
      os << " of " << (isUnsigned ? "u" : "i") << n << " codes in ["
         << (isUnsigned ? 0 : -(int64_t(1) << (n - 1))) << ", "
         << (isUnsigned ? (int64_t(1) << n) - 1 : (int64_t(1) << (n - 1)) - 1)
         << "]";
      if (isUnsigned)
        os << ", held sign-extended from bit " << n - 1 << " (code "
           << (int64_t(1) << (n - 1)) << " is " << -(int64_t(1) << (n - 1))
           << ")";
    }
    os << "\n";
  };
  os << "/* " << name << ": dense row-major buffers (C order)\n";
  for (auto [i, spec] : llvm::enumerate(signature.inputs))
    describe("input", i, spec);
  for (auto [i, spec] : llvm::enumerate(signature.results))
    describe("result", i, spec);
  os << " * Inputs are only read. Each result buffer holds the whole result"
     << (dynamic ? "; `batch` >= 1 is the size of the leading dimension" : "")
     << ".\n * Calls may run concurrently (no state is kept between them).";
  if (packedInt4)
    os << "\n * Compiled with --packed-int4: qc.load and qcExecutableLoad exchange"
       << "\n * the i4/u4 tensors two codes per byte (uint8, last dimension"
       << "\n * ceil(n / 2), low nibble first); this function takes one code per"
       << "\n * element as above.";
  os << " */\n";
  os << "#define " << macro << "_NUM_INPUTS " << signature.inputs.size() << "\n"
     << "#define " << macro << "_NUM_RESULTS " << signature.results.size()
     << "\n";
  auto count = [&](const char *role, size_t i, const TensorSpec &spec) {
    os << "#define " << macro << "_" << role << i << "_ELEMENTS"
       << (spec.isDynamic() ? "(batch) " : " ") << elementCount(spec) << "\n";
  };
  for (auto [i, spec] : llvm::enumerate(signature.inputs))
    count("INPUT", i, spec);
  for (auto [i, spec] : llvm::enumerate(signature.results))
    count("RESULT", i, spec);
  os << "\nvoid " << name << "(";
  llvm::ListSeparator separator;
  if (dynamic)
    os << separator << "int64_t batch";
  for (auto [i, spec] : llvm::enumerate(signature.inputs))
    os << separator << "const " << cTypeOf(spec.kind) << " *input" << i;
  for (auto [i, spec] : llvm::enumerate(signature.results))
    os << separator << cTypeOf(spec.kind) << " *result" << i;
  if (signature.inputs.empty() && signature.results.empty() && !dynamic)
    os << "void";
  os << ");\n\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard
     << " */\n";
  return text;
}

/// Adds the exported entry points around the lowered function `impl` and
/// makes every other definition internal.
LogicalResult addEntryPoints(llvm::Module &module, Location loc,
                             llvm::StringRef implName, llvm::StringRef name,
                             const EntrySignature &signature,
                             llvm::StringRef manifest) {
  llvm::Function *impl = module.getFunction(implName);
  if (!impl)
    return emitError(loc) << "the lowered module has no function '"
                          << implName << "'";
  llvm::LLVMContext &context = module.getContext();
  llvm::Type *i64 = llvm::Type::getInt64Ty(context);
  llvm::Type *ptr = llvm::PointerType::getUnqual(context);
  std::vector<const TensorSpec *> tensors;
  for (const TensorSpec &spec : signature.inputs)
    tensors.push_back(&spec);
  for (const TensorSpec &spec : signature.results)
    tensors.push_back(&spec);
  size_t expected = 0;
  for (const TensorSpec *spec : tensors)
    expected += 3 + 2 * spec->shape.size();
  if (impl->arg_size() != expected)
    return emitError(loc) << "the lowered @" << implName << " takes "
                          << impl->arg_size()
                          << " arguments where its memref signature needs "
                          << expected;

  for (llvm::Function &function : module)
    if (!function.isDeclaration())
      function.setLinkage(llvm::GlobalValue::InternalLinkage);

  // Calls `impl` with descriptors of dense buffers at `pointers`.
  auto callImpl = [&](llvm::IRBuilder<> &builder, llvm::Value *batch,
                      llvm::ArrayRef<llvm::Value *> pointers) {
    llvm::SmallVector<llvm::Value *> args;
    for (auto [spec, pointer] : llvm::zip(tensors, pointers)) {
      args.push_back(pointer);
      args.push_back(pointer);
      args.push_back(builder.getInt64(0));
      llvm::SmallVector<llvm::Value *> sizes;
      for (int64_t size : spec->shape)
        sizes.push_back(size == kDynamicSize ? batch : builder.getInt64(size));
      args.append(sizes);
      llvm::SmallVector<llvm::Value *> strides(sizes.size());
      llvm::Value *stride = builder.getInt64(1);
      for (size_t d = sizes.size(); d-- > 0;) {
        strides[d] = stride;
        stride = builder.CreateMul(stride, sizes[d]);
      }
      args.append(strides);
    }
    builder.CreateCall(impl, args);
    builder.CreateRetVoid();
  };

  bool dynamic = signature.isDynamic();
  llvm::SmallVector<llvm::Type *> params;
  if (dynamic)
    params.push_back(i64);
  params.append(tensors.size(), ptr);
  auto *entry = llvm::Function::Create(
      llvm::FunctionType::get(llvm::Type::getVoidTy(context), params, false),
      llvm::GlobalValue::ExternalLinkage, name, module);
  {
    llvm::IRBuilder<> builder(llvm::BasicBlock::Create(context, "", entry));
    llvm::Value *batch = dynamic ? static_cast<llvm::Value *>(entry->getArg(0))
                                 : builder.getInt64(1);
    llvm::SmallVector<llvm::Value *> pointers;
    for (size_t i = 0; i < tensors.size(); ++i)
      pointers.push_back(entry->getArg(i + (dynamic ? 1 : 0)));
    callImpl(builder, batch, pointers);
  }

  auto *run = llvm::Function::Create(
      llvm::FunctionType::get(llvm::Type::getVoidTy(context), {i64, ptr, ptr},
                              false),
      llvm::GlobalValue::ExternalLinkage, (name + "_qc_run").str(), module);
  {
    llvm::IRBuilder<> builder(llvm::BasicBlock::Create(context, "", run));
    llvm::SmallVector<llvm::Value *> pointers;
    for (auto [i, spec] : llvm::enumerate(tensors)) {
      bool isInput = i < signature.inputs.size();
      size_t index = isInput ? i : i - signature.inputs.size();
      llvm::Value *slot = builder.CreateConstGEP1_64(
          ptr, run->getArg(isInput ? 1 : 2), index);
      pointers.push_back(builder.CreateLoad(ptr, slot));
    }
    callImpl(builder, run->getArg(0), pointers);
  }

  auto *text = llvm::ConstantDataArray::getString(context, manifest);
  new llvm::GlobalVariable(module, text->getType(), /*isConstant=*/true,
                           llvm::GlobalValue::ExternalLinkage, text,
                           ::qc::runtime::kManifestSymbol);
  return success();
}

/// The C compiler driver that links libraries: $QC_CC, the compiler qc was
/// configured with, else cc on PATH.
llvm::Expected<std::string> findLinkerDriver() {
  if (const char *fromEnvironment = std::getenv("QC_CC"))
    return std::string(fromEnvironment);
  if (llvm::sys::fs::can_execute(QC_C_COMPILER))
    return std::string(QC_C_COMPILER);
  for (const char *name : {"cc", "clang", "gcc"})
    if (llvm::ErrorOr<std::string> found = llvm::sys::findProgramByName(name))
      return *found;
  return stringError("no C compiler to link the shared library with (set "
                     "QC_CC, or install one: cc, clang or gcc)");
}

/// Writes `text` to `path` through a temporary next to it.
llvm::Error writeFile(llvm::StringRef path, llvm::StringRef text) {
  return llvm::writeToOutput(path, [&](llvm::raw_ostream &os) {
    os << text;
    return llvm::Error::success();
  });
}

} // namespace

llvm::Expected<std::string> mlir::qc::chooseEntryName(StringRef function,
                                                      StringRef path,
                                                      StringRef requested) {
  static const char *const kReserved[] = {
      "main",     "auto",     "break",    "case",     "char",   "const",
      "continue", "default",  "do",       "double",   "else",   "enum",
      "extern",   "float",    "for",      "goto",     "if",     "inline",
      "int",      "long",     "register", "restrict", "return", "short",
      "signed",   "sizeof",   "static",   "struct",   "switch", "typedef",
      "union",    "unsigned", "void",     "volatile", "while",  "bool"};
  auto usable = [](StringRef name) {
    if (name.empty() || llvm::isDigit(name.front()) ||
        name.starts_with("__") || name.starts_with("qc_model_"))
      return false;
    if (!llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; }))
      return false;
    return llvm::none_of(kReserved, [&](const char *r) { return name == r; });
  };
  if (!requested.empty()) {
    if (!usable(requested))
      return stringError("'" + requested +
                         "' cannot be the C name of the entry: use an "
                         "identifier that is not main, a C keyword, "
                         "reserved (__...) or qc_model_...");
    return requested.str();
  }
  if (usable(function))
    return function.str();
  // `main` (the importers' old default) would clash with the program's.
  std::string stem = llvm::sys::path::stem(path).str();
  for (char &c : stem)
    if (!llvm::isAlnum(c) && c != '_')
      c = '_';
  if (!stem.empty() && llvm::isDigit(stem.front()))
    stem = "model_" + stem;
  if (usable(stem))
    return stem;
  return stringError("@" + function + " cannot be exported under its own name "
                     "and the file name gives none; choose one (--name)");
}

llvm::Error mlir::qc::compileToSharedLibrary(ModuleOp module, StringRef path,
                                             const ArtifactOptions &options) {
  OwningOpRef<ModuleOp> lowered = module.clone();
  FailureOr<EntrySignature> signature =
      ::qc::runtime::readEntrySignature(*lowered, options.entry);
  if (failed(signature))
    return stringError("cannot compile this function (diagnostics above)");
  if (options.packedInt4)
    if (llvm::Error error = ::qc::runtime::checkPackedInt4(*signature))
      return error;
  llvm::Expected<std::string> name =
      chooseEntryName(signature->name, path, options.name);
  if (!name)
    return name.takeError();

  auto entry = lowered->lookupSymbol<func::FuncOp>(signature->name);
  if (!entry)
    return stringError("@" + signature->name +
                       " is not a func.func (give IR from before "
                       "qc-cpu-pipeline)");
  // Other functions are not part of the library's interface.
  for (auto function : lowered->getOps<func::FuncOp>())
    if (function != entry && !function.isExternal())
      function.setPrivate();
  std::string implName = "__qc_model_" + *name;
  if (failed(SymbolTable::replaceAllSymbolUses(
          entry, StringAttr::get(module.getContext(), implName), *lowered)))
    return stringError("cannot rename @" + signature->name);
  entry.setSymName(implName);
  // The header promises that inputs are only read: bufferization copies an
  // argument it would otherwise write in place.
  for (unsigned i = 0; i < entry.getNumArguments(); ++i)
    entry.setArgAttr(i, bufferization::BufferizationDialect::kWritableAttrName,
                     BoolAttr::get(module.getContext(), false));

  std::string pipelineOptions =
      ::qc::runtime::hostCPUPipelineOptions(options.pipelineOptions);
  std::string pipeline =
      "qc-cpu-pipeline" +
      (pipelineOptions.empty() ? "" : "{" + pipelineOptions + "}");
  PassManager pm(module.getContext());
  std::string parseErrors;
  llvm::raw_string_ostream parseErrorStream(parseErrors);
  if (failed(parsePassPipeline(pipeline, pm, parseErrorStream)))
    return stringError("bad pipeline options '" + pipelineOptions +
                       "': " + parseErrors);
  if (failed(mlir::qc::runVerifyingAtEnd(pm, *lowered)))
    return llvm::make_error<::qc::runtime::PipelineError>(
        "qc-cpu-pipeline failed",
        ::qc::runtime::cpuPipelineReproducer(pipelineOptions,
                                             options.sourcePath));

  ::qc::runtime::ModelManifest manifest;
  manifest.name = *name;
  manifest.target = "cpu";
  manifest.runSymbol = *name + "_qc_run";
  manifest.producer =
      std::string(::qc::getVersion()) + " " + ::qc::getRevision();
  manifest.signature = *signature;
  manifest.signature.name = *name;
  manifest.packedInt4 = options.packedInt4;

  llvm::SmallString<128> directory;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("qc-compile", directory))
    return stringError("cannot create a temporary directory: " + ec.message());
  auto cleanup = llvm::scope_exit(
      [&] { llvm::sys::fs::remove_directories(directory); });
  std::string objectPath = (directory + "/model.o").str();
  std::string supportPath = (directory + "/qc_runtime_support.c").str();
  std::string libraryPath = (directory + "/model.so").str();
  bool usesOpenMP = false;
  llvm::Error written = llvm::writeToOutput(
      objectPath, [&](llvm::raw_ostream &os) -> llvm::Error {
        auto adjust = [&](llvm::Module &llvmModule) {
          for (llvm::Function &function : llvmModule)
            usesOpenMP |= function.isDeclaration() &&
                          function.getName().starts_with("__kmpc_");
          manifest.cpuFeatures = requiredCPUFeatures(llvmModule);
          return addEntryPoints(llvmModule, lowered->getLoc(), implName,
                                *name, *signature,
                                ::qc::runtime::printManifest(manifest));
        };
        if (failed(emitObjectFile(*lowered, ObjectTarget(), os, adjust)))
          return stringError("object emission failed (diagnostics above)");
        return llvm::Error::success();
      });
  if (written)
    return written;
  if (llvm::Error error = writeFile(supportPath, kRuntimeSupport))
    return error;

  llvm::Expected<std::string> driver = findLinkerDriver();
  if (!driver)
    return driver.takeError();
  std::vector<std::string> command = {*driver,     "-shared",   "-fPIC",
                                      "-O2",       "-o",        libraryPath,
                                      objectPath,  supportPath, "-Wl,-Bsymbolic",
                                      "-Wl,-z,defs", "-lm"};
  if (usesOpenMP) {
    command.push_back("-L" QC_LLVM_LIBRARY_DIR);
    command.push_back("-Wl,-rpath," QC_LLVM_LIBRARY_DIR);
    command.push_back("-lomp");
  }
  std::string logPath = (directory + "/link.log").str();
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath, logPath};
  llvm::SmallVector<llvm::StringRef> argv(command.begin(), command.end());
  std::string runError;
  int status = llvm::sys::ExecuteAndWait(*driver, argv, std::nullopt,
                                         redirects, 0, 0, &runError);
  if (status != 0) {
    std::string log;
    if (auto buffer = llvm::MemoryBuffer::getFile(logPath))
      log = (*buffer)->getBuffer().trim().str();
    return stringError("linking the shared library failed (" +
                       llvm::join(command, " ") + "): " +
                       (log.empty() ? runError : log));
  }

  // Both files next to their destinations first, then renamed: a failure
  // leaves neither half-written.
  std::string libraryTemp = (path + ".qc-tmp").str();
  std::string headerTemp = options.headerPath + ".qc-tmp";
  auto removeTemps = llvm::scope_exit([&] {
    llvm::sys::fs::remove(libraryTemp);
    if (!options.headerPath.empty())
      llvm::sys::fs::remove(headerTemp);
  });
  if (std::error_code ec = llvm::sys::fs::copy_file(libraryPath, libraryTemp))
    return stringError("writing " + path + ": " + ec.message());
  if (!options.headerPath.empty()) {
    if (llvm::Error error = writeFile(
            headerTemp,
            headerText(*signature, *name, llvm::sys::path::filename(path),
                       options.packedInt4)))
      return error;
    if (std::error_code ec =
            llvm::sys::fs::rename(headerTemp, options.headerPath))
      return stringError("writing " + options.headerPath + ": " +
                         ec.message());
  }
  if (std::error_code ec = llvm::sys::fs::rename(libraryTemp, path))
    return stringError("writing " + path + ": " + ec.message());
  return llvm::Error::success();
}
