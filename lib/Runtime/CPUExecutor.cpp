//===- CPUExecutor.cpp - JIT execution on the host CPU --------------------===//
#include "qc/Runtime/CPUExecutor.h"
#include "qc/Pipelines/Pipelines.h"
#include "qc/Runtime/Heap.h"
#include "qc/Support/StderrCapture.h"
#include "qc/Target/LLVMIR/LLVMWorkarounds.h"
#include "qc/Target/LLVMIR/ObjectEmission.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#if defined(__linux__) && defined(__x86_64__)
#include <cerrno>
#include <sys/syscall.h>
#include <unistd.h>
#endif

using namespace mlir;

namespace qc::runtime {

std::string cpuPipelineReproducer(llvm::StringRef pipelineOptions,
                                  llvm::StringRef sourcePath) {
  std::string pipeline = "builtin.module(qc-cpu-pipeline";
  if (!pipelineOptions.empty())
    pipeline += "{" + pipelineOptions.str() + "}";
  pipeline += ")";
  return "qc-opt --pass-pipeline='" + pipeline + "' " + sourcePath.str();
}

namespace {

/// A 64-byte aligned buffer: vectorized code loads whole cache lines.
struct AlignedBuffer {
  explicit AlignedBuffer(size_t bytes)
      : size(bytes),
        data(static_cast<uint8_t *>(std::aligned_alloc(64, roundUp(bytes)))) {
    std::memset(data, 0, roundUp(bytes));
  }
  ~AlignedBuffer() { std::free(data); }
  AlignedBuffer(const AlignedBuffer &) = delete;
  AlignedBuffer &operator=(const AlignedBuffer &) = delete;
  static size_t roundUp(size_t bytes) { return (bytes + 64) / 64 * 64; }

  size_t size;
  uint8_t *data;
};

/// The memref descriptor `_mlir_ciface_` functions take a pointer to:
/// StridedMemRefType<T, N> = {allocated, aligned, offset, sizes[N],
/// strides[N]}, all 64-bit words on the 64-bit hosts qc supports.
std::vector<int64_t> makeDescriptor(uint8_t *data,
                                    llvm::ArrayRef<int64_t> shape) {
  static_assert(sizeof(void *) == sizeof(int64_t), "64-bit hosts only");
  std::vector<int64_t> words;
  words.push_back(reinterpret_cast<int64_t>(data));
  words.push_back(reinterpret_cast<int64_t>(data));
  words.push_back(0);
  words.insert(words.end(), shape.begin(), shape.end());
  std::vector<int64_t> strides(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  words.insert(words.end(), strides.begin(), strides.end());
  return words;
}

size_t byteSize(ElementKind kind, llvm::ArrayRef<int64_t> shape) {
  size_t count = 1;
  for (int64_t dim : shape)
    count *= size_t(dim);
  return count * elementSize(kind);
}

class CPUExecutor final : public Executor {
public:
  CPUExecutor(std::unique_ptr<ExecutionEngine> engine,
              EntrySignature signature)
      : engine(std::move(engine)), signature(std::move(signature)) {}

  llvm::Expected<std::vector<HostTensor>>
  run(llvm::ArrayRef<HostTensor> callerInputs, int repeat, Timing &timing) override {
    std::vector<HostTensor> scratch;
    llvm::ArrayRef<HostTensor> inputs = toNarrowStorage(signature, callerInputs, scratch);
    std::string wrapper = "_mlir_ciface_" + signature.name;
    llvm::Expected<void (*)(void **)> function = engine->lookupPacked(wrapper);
    if (!function)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "cannot get the C entry point '" + wrapper +
              "' (a public function lowered by qc-cpu-pipeline, which sets "
              "llvm.emit_c_interface): " +
              llvm::toString(function.takeError()));

    std::vector<std::unique_ptr<AlignedBuffer>> buffers;
    std::vector<std::vector<int64_t>> descriptors;
    for (const HostTensor &input : inputs) {
      buffers.push_back(std::make_unique<AlignedBuffer>(input.data.size()));
      descriptors.push_back(makeDescriptor(buffers.back()->data, input.shape));
    }
    // A dynamic (batch) dimension takes its size from the inputs.
    int64_t batch = batchOf(signature, inputs);
    std::vector<std::vector<int64_t>> resultShapes;
    for (const TensorSpec &result : signature.results) {
      resultShapes.push_back(result.resolve(batch));
      buffers.push_back(std::make_unique<AlignedBuffer>(
          byteSize(result.kind, resultShapes.back())));
      descriptors.push_back(
          makeDescriptor(buffers.back()->data, resultShapes.back()));
    }
    // The packed calling convention: one pointer per argument, pointing at
    // the argument, which for a ciface function is a descriptor pointer.
    std::vector<void *> descriptorPointers;
    for (std::vector<int64_t> &descriptor : descriptors)
      descriptorPointers.push_back(descriptor.data());
    std::vector<void *> packedArgs;
    for (void *&pointer : descriptorPointers)
      packedArgs.push_back(&pointer);

    for (int i = 0; i < repeat; ++i) {
      // Bufferized code may update an argument buffer in place; every run
      // starts from the caller's data.
      for (size_t j = 0; j < inputs.size(); ++j)
        std::memcpy(buffers[j]->data, inputs[j].data.data(),
                    inputs[j].data.size());
      auto start = std::chrono::steady_clock::now();
      (*function)(packedArgs.data());
      auto end = std::chrono::steady_clock::now();
      timing.seconds.push_back(
          std::chrono::duration<double>(end - start).count());
    }

    std::vector<HostTensor> results;
    for (size_t i = 0; i < signature.results.size(); ++i) {
      const AlignedBuffer &buffer = *buffers[inputs.size() + i];
      HostTensor result;
      result.kind = signature.results[i].kind;
      result.shape = resultShapes[i];
      result.data.assign(buffer.data, buffer.data + buffer.size);
      results.push_back(std::move(result));
    }
    fromNarrowStorage(signature, results);
    return results;
  }

private:
  std::unique_ptr<ExecutionEngine> engine;
  EntrySignature signature;
};

llvm::Error stringError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

} // namespace

bool isLLVMDialectModule(ModuleOp module) {
  WalkResult result = module.walk([&](Operation *op) {
    if (op == module.getOperation() ||
        isa<LLVM::LLVMDialect, omp::OpenMPDialect>(op->getDialect()))
      return WalkResult::advance();
    return WalkResult::interrupt();
  });
  return !result.wasInterrupted();
}

bool isAMXIntrinsic(llvm::StringRef name) {
  return name.starts_with("llvm.x86.tdpb") || name.starts_with("llvm.x86.tileloadd") ||
         name.starts_with("llvm.x86.tilestored") || name.starts_with("llvm.x86.tilezero");
}

bool requestHostAMX(std::string *reason) {
  auto fail = [&](const std::string &why) {
    if (reason)
      *reason = why;
    return false;
  };
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (!features.lookup("amx-int8") || !features.lookup("amx-tile"))
    return fail("this CPU lacks amx-int8/amx-tile");
#if defined(__linux__) && defined(__x86_64__)
  // <asm/prctl.h>: ARCH_REQ_XCOMP_PERM; the tile data state component.
  constexpr long kArchReqXcompPerm = 0x1023, kXFeatureXTileData = 18;
  if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXFeatureXTileData) != 0)
    return fail(std::string("Linux refused the AMX tile state to this process "
                            "(arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA): ") +
                std::strerror(errno) + ")");
  return true;
#else
  return fail("qc requests the AMX tile state from Linux on x86-64 only");
#endif
}

std::string hostCPUPipelineOptions(llvm::StringRef userOptions) {
  std::string options = userOptions.str();
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (!userOptions.contains("x86-vnni") && features.lookup("avx512vnni"))
    options += std::string(options.empty() ? "" : " ") + "x86-vnni=true";
  if (!userOptions.contains("x86-vbmi") && features.lookup("avx512vbmi"))
    options += std::string(options.empty() ? "" : " ") + "x86-vbmi=true";
  if (!userOptions.contains("x86-amx") && requestHostAMX())
    options += std::string(options.empty() ? "" : " ") + "x86-amx=true";
  return options;
}

std::string withHostThreads(llvm::StringRef userOptions) {
  std::string options = userOptions.str();
  if (userOptions.contains("threads"))
    return options;
  // Without the OpenMP runtime to load, the JIT runs one thread.
  unsigned cores = llvm::StringRef(QC_OPENMP_RUNTIME).empty()
                       ? 1
                       : std::max(1u, std::thread::hardware_concurrency());
  return options + (options.empty() ? "" : " ") + "threads=" + std::to_string(cores);
}

llvm::Expected<std::unique_ptr<Executor>>
createCPUExecutor(ModuleOp module, const EntrySignature &signature,
                  const CPUExecutorOptions &options) {
  // Every embedder (C API, Python) gets the heap setting qc-run has.
  keepHeapAcrossCalls();
  if (!isLLVMDialectModule(module)) {
    std::string pipelineOptions =
        withHostThreads(hostCPUPipelineOptions(options.pipelineOptions));
    std::string pipeline = "qc-cpu-pipeline";
    if (!pipelineOptions.empty())
      pipeline += "{" + pipelineOptions + "}";
    PassManager pm(module.getContext());
    std::string parseErrors;
    if (!::qc::parseReportingOptionErrors(
            [&](llvm::raw_ostream &errors) {
              return succeeded(parsePassPipeline(pipeline, pm, errors));
            },
            parseErrors))
      return stringError("bad pipeline options '" + pipelineOptions +
                         "': " + parseErrors);
    if (failed(mlir::qc::runVerifyingAtEnd(pm, module)))
      return llvm::make_error<PipelineError>(
          "qc-cpu-pipeline failed",
          cpuPipelineReproducer(pipelineOptions, options.sourcePath));
  }

  // The JIT would abort on an intrinsic the host cannot execute.
  bool hostHasVNNI = llvm::sys::getHostCPUFeatures().lookup("avx512vnni");
  WalkResult vnniCheck = module.walk([&](LLVM::CallIntrinsicOp call) {
    if (call.getIntrin().starts_with("llvm.x86.avx512.vpdpbusd") &&
        !hostHasVNNI)
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  if (vnniCheck.wasInterrupted())
    return stringError("the module uses AVX512-VNNI (x86-vnni=true) but this "
                       "CPU lacks avx512vnni; compile it with x86-vnni=false");
  bool hostHasVBMI = llvm::sys::getHostCPUFeatures().lookup("avx512vbmi");
  WalkResult vbmiCheck = module.walk([&](LLVM::CallIntrinsicOp call) {
    if (call.getIntrin().starts_with("llvm.x86.avx512.vpermi2var.qi") && !hostHasVBMI)
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  if (vbmiCheck.wasInterrupted())
    return stringError("the module uses AVX512-VBMI (x86-vbmi=true) but this "
                       "CPU lacks avx512vbmi; compile it with x86-vbmi=false");
  bool usesAMX = module.walk([&](LLVM::CallIntrinsicOp call) {
                         return isAMXIntrinsic(call.getIntrin()) ? WalkResult::interrupt()
                                                                 : WalkResult::advance();
                       })
                     .wasInterrupted();
  std::string noAMX;
  if (usesAMX && !requestHostAMX(&noAMX))
    return stringError("the module uses AMX tiles (x86-amx=true) but " + noAMX +
                       "; compile it with x86-amx=false");

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  // detectHost fills in the host CPU name and features, so the code
  // generator may use AVX-512/VNNI exactly where this machine has them.
  llvm::Expected<llvm::orc::JITTargetMachineBuilder> machineBuilder =
      llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!machineBuilder)
    return machineBuilder.takeError();
  llvm::Expected<std::unique_ptr<llvm::TargetMachine>> targetMachine =
      machineBuilder->createTargetMachine();
  if (!targetMachine)
    return targetMachine.takeError();

  ExecutionEngineOptions engineOptions;
  auto transformer = mlir::qc::withCodegenWorkarounds(makeOptimizingTransformer(
      options.optLevel, /*sizeLevel=*/0, targetMachine->get()));
  engineOptions.transformer = transformer;
  engineOptions.jitCodeGenOptLevel =
      static_cast<llvm::CodeGenOptLevel>(options.optLevel);
  engineOptions.enableObjectDump = false;
  // Lowered memref.copy of strided views calls memrefCopy from MLIR's C
  // runner utilities; threaded code calls the OpenMP runtime.
  SmallVector<llvm::StringRef, 2> runtimeLibraries = {QC_MLIR_C_RUNNER_UTILS};
  bool threaded = module.walk([](Operation *op) {
                          return isa<omp::OpenMPDialect>(op->getDialect())
                                     ? WalkResult::interrupt()
                                     : WalkResult::advance();
                        })
                      .wasInterrupted();
  if (threaded) {
    llvm::StringRef openmp = QC_OPENMP_RUNTIME;
    if (openmp.empty())
      return stringError("the module runs threads through OpenMP but qc was "
                         "built without libomp (libomp-22-dev); compile it "
                         "with threads=1");
    runtimeLibraries.push_back(openmp);
  }
  engineOptions.sharedLibPaths = runtimeLibraries;
  // The translation every qc path takes (loop annotations adopted).
  engineOptions.llvmModuleBuilder = mlir::qc::translateToLLVMIR;
  llvm::Expected<std::unique_ptr<ExecutionEngine>> engine =
      ExecutionEngine::create(module, engineOptions);
  if (!engine)
    return engine.takeError();
  return std::make_unique<CPUExecutor>(std::move(*engine), signature);
}

} // namespace qc::runtime
