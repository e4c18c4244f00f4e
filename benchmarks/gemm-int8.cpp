//===- gemm-int8.cpp - int8 GEMM: qc against oneDNN and plain loops -------===//
//
// Measures C[MxN] (i32) = A[MxK] (i8) * B[KxN] (i8) compiled by
// qc-cpu-pipeline (qc-cpu-int8-kernels), by the same pipeline with
// vectorize=false (upstream linalg -> scalar loops) and, when it was found at
// configure time, oneDNN's int8 matmul, on --threads threads each (oneDNN
// through OMP_NUM_THREADS). Prints GOPS (2*M*N*K / best time) and the
// ratios; every result is checked against the loop version and oneDNN.
// With --const-weights, B is a constant of the compiled function (packed at
// compile time, as a model's weights are); oneDNN still gets it at run time.
// A single-thread read-bandwidth probe gives the roofline of M = 1 shapes.
//
// Usage: qc-bench-gemm-int8 [--repeat N] [--shapes MxKxN,...] [--threads N]
//                           [--const-weights] [--loops]
//
//===----------------------------------------------------------------------===//
#include "qc/InitAllDialects.h"
#include "qc/InitAllPasses.h"
#include "qc/Runtime/CPUExecutor.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

#include <chrono>
#include <ctime>
#include <fstream>
#include <cstdlib>
#include <cstring>
#include <random>
#include <unistd.h>

#ifdef QC_HAVE_DNNL
#include <dnnl.h>
#endif

using namespace mlir;
using namespace ::qc::runtime;

// --help lists these; LLVM's own options stay behind --help-hidden.
static llvm::cl::OptionCategory benchCategory("qc-bench-gemm-int8 options");

static llvm::cl::opt<int> repeat("repeat",
                                 llvm::cl::desc("Timed runs per variant"),
                                 llvm::cl::init(10),
                                 llvm::cl::cat(benchCategory));
static llvm::cl::opt<std::string>
    shapes("shapes", llvm::cl::desc("Comma-separated MxKxN shapes"),
           llvm::cl::init("128x768x3072,256x1024x1024,1024x1024x1024,"
                          "1x4096x4096,100x1000x1000,17x1024x1024,"
                          "256x1024x1000"),
           llvm::cl::cat(benchCategory));
static llvm::cl::opt<bool>
    constWeights("const-weights",
                 llvm::cl::desc("Compile B into qc's function as a constant"),
                 llvm::cl::init(false), llvm::cl::cat(benchCategory));
static llvm::cl::opt<bool> loops(
    "loops", llvm::cl::desc("Also time the scalar loops (slow)"),
    llvm::cl::init(false), llvm::cl::cat(benchCategory));
static llvm::cl::opt<std::string> qcOptions(
    "qc-options",
    llvm::cl::desc("qc-cpu-pipeline options of the measured qc variant"),
    llvm::cl::init(""), llvm::cl::cat(benchCategory));

namespace {
struct Shape {
  int64_t m, k, n;
};

std::string gemmSource(const Shape &s) {
  std::string a = "tensor<" + std::to_string(s.m) + "x" + std::to_string(s.k) +
                  "xi8>";
  std::string b = "tensor<" + std::to_string(s.k) + "x" + std::to_string(s.n) +
                  "xi8>";
  std::string c = "tensor<" + std::to_string(s.m) + "x" + std::to_string(s.n) +
                  "xi32>";
  return "func.func @gemm(%a: " + a + ", %b: " + b + ") -> " + c +
         " {\n"
         "  %zero = arith.constant 0 : i32\n"
         "  %e = tensor.empty() : " + c + "\n"
         "  %z = linalg.fill ins(%zero : i32) outs(%e : " + c + ") -> " + c +
         "\n"
         "  %r = linalg.matmul ins(%a, %b : " + a + ", " + b + ") outs(%z : " +
         c + ") -> " + c + "\n"
         "  return %r : " + c + "\n}\n";
}

HostTensor randomInt8(std::vector<int64_t> shape, unsigned seed) {
  HostTensor t;
  t.kind = ElementKind::I8;
  t.shape = std::move(shape);
  t.data.resize(t.numElements());
  std::mt19937 rng(seed);
  for (uint8_t &byte : t.data)
    byte = uint8_t(rng());
  return t;
}

/// Compiles the GEMM with `pipelineOptions` and returns the best time of
/// `runs` runs and the result.
bool runQC(MLIRContext &context, const Shape &s, const std::string &options,
           std::vector<HostTensor> inputs, int runs, double &best,
           HostTensor &result) {
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(gemmSource(s), &context);
  if (!module)
    return false;
  if (constWeights) {
    // B becomes an arith.constant and leaves the signature.
    auto func = cast<func::FuncOp>(module->lookupSymbol("gemm"));
    OpBuilder b(func.getBody());
    auto type = cast<RankedTensorType>(func.getArgument(1).getType());
    ArrayRef<int8_t> data(reinterpret_cast<const int8_t *>(inputs[1].data.data()),
                          inputs[1].data.size());
    Value weights = arith::ConstantOp::create(
        b, func.getLoc(), DenseIntElementsAttr::get(type, data));
    func.getArgument(1).replaceAllUsesWith(weights);
    if (failed(func.eraseArgument(1)))
      return false;
    inputs.pop_back();
  }
  FailureOr<EntrySignature> signature = readEntrySignature(*module, "gemm");
  if (failed(signature))
    return false;
  CPUExecutorOptions executorOptions;
  executorOptions.pipelineOptions = options;
  executorOptions.sourcePath = "<gemm>";
  llvm::Expected<std::unique_ptr<Executor>> executor =
      createCPUExecutor(*module, *signature, executorOptions);
  if (!executor) {
    llvm::errs() << llvm::toString(executor.takeError()) << "\n";
    return false;
  }
  Timing timing;
  // One untimed warm-up run faults the pages in.
  if (llvm::Error err = (*executor)->run(inputs, 1, timing).takeError()) {
    llvm::errs() << llvm::toString(std::move(err)) << "\n";
    return false;
  }
  timing.seconds.clear();
  llvm::Expected<std::vector<HostTensor>> results =
      (*executor)->run(inputs, runs, timing);
  if (!results) {
    llvm::errs() << llvm::toString(results.takeError()) << "\n";
    return false;
  }
  best = timing.min();
  result = std::move(results->front());
  return true;
}

#ifdef QC_HAVE_DNNL
/// oneDNN's s8 x s8 -> s32 matmul on one thread; false if oneDNN refuses.
bool runDNNL(const Shape &s, const std::vector<HostTensor> &inputs, int runs,
             double &best, std::vector<int32_t> &out) {
  dnnl_engine_t engine;
  if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success)
    return false;
  dnnl_stream_t stream;
  dnnl_stream_create(&stream, engine, dnnl_stream_default_flags);
  dnnl_dims_t aDims = {s.m, s.k}, bDims = {s.k, s.n}, cDims = {s.m, s.n};
  dnnl_memory_desc_t aDesc, bDesc, cDesc;
  dnnl_memory_desc_init_by_tag(&aDesc, 2, aDims, dnnl_s8, dnnl_ab);
  dnnl_memory_desc_init_by_tag(&bDesc, 2, bDims, dnnl_s8, dnnl_ab);
  dnnl_memory_desc_init_by_tag(&cDesc, 2, cDims, dnnl_s32, dnnl_ab);
  dnnl_matmul_desc_t desc;
  dnnl_matmul_desc_init(&desc, &aDesc, &bDesc, nullptr, &cDesc);
  dnnl_primitive_desc_t primitiveDesc;
  if (dnnl_primitive_desc_create(&primitiveDesc, &desc, nullptr, engine,
                                 nullptr) != dnnl_success)
    return false;
  dnnl_primitive_t matmul;
  dnnl_primitive_create(&matmul, primitiveDesc);
  out.assign(s.m * s.n, 0);
  dnnl_memory_t a, b, c;
  dnnl_memory_create(&a, &aDesc, engine,
                     const_cast<uint8_t *>(inputs[0].data.data()));
  dnnl_memory_create(&b, &bDesc, engine,
                     const_cast<uint8_t *>(inputs[1].data.data()));
  dnnl_memory_create(&c, &cDesc, engine, out.data());
  dnnl_exec_arg_t args[3] = {
      {DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}};
  best = 1e30;
  for (int i = 0; i <= runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    dnnl_primitive_execute(matmul, stream, 3, args);
    dnnl_stream_wait(stream);
    auto end = std::chrono::steady_clock::now();
    if (i > 0) // The first run is a warm-up.
      best = std::min(best, std::chrono::duration<double>(end - start).count());
  }
  dnnl_memory_destroy(a);
  dnnl_memory_destroy(b);
  dnnl_memory_destroy(c);
  dnnl_primitive_destroy(matmul);
  dnnl_primitive_desc_destroy(primitiveDesc);
  dnnl_stream_destroy(stream);
  dnnl_engine_destroy(engine);
  return true;
}
#endif

double gops(const Shape &s, double seconds) {
  return 2.0 * s.m * s.n * s.k / seconds / 1e9;
}

/// Single-thread read bandwidth in GB/s over `bytes` (read once untimed,
/// so a buffer that fits a cache is measured from it, like B between runs of
/// the GEMM): the best of 5 sums of 64-bit words in 8 independent chains.
double readBandwidth(size_t bytes) {
  std::vector<uint64_t> buffer(bytes / sizeof(uint64_t), 1);
  double best = 1e30;
  volatile uint64_t sink = 0;
  for (int run = 0; run <= 5; ++run) {
    auto start = std::chrono::steady_clock::now();
    uint64_t sums[8] = {};
    for (size_t i = 0; i + 8 <= buffer.size(); i += 8)
      for (int j = 0; j < 8; ++j)
        sums[j] += buffer[i + j];
    auto end = std::chrono::steady_clock::now();
    for (uint64_t s : sums)
      sink = sink + s;
    if (run > 0)
      best = std::min(best, std::chrono::duration<double>(end - start).count());
  }
  return buffer.size() * sizeof(uint64_t) / best / 1e9;
}
/// The machine line of the table: CPU model, the ISA qc and oneDNN use,
/// and the date, so a pasted table says where it was measured.
void printMachine() {
  std::string model = "unknown CPU";
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    llvm::StringRef ref(line);
    if (ref.starts_with("model name")) {
      model = ref.split(':').second.trim().str();
      break;
    }
  }
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  const char *dnnlIsa = "not built with oneDNN";
#ifdef QC_HAVE_DNNL
  switch (dnnl_get_effective_cpu_isa()) {
  case dnnl_cpu_isa_avx512_core_amx: dnnlIsa = "avx512_core_amx"; break;
  case dnnl_cpu_isa_avx512_core_bf16: dnnlIsa = "avx512_core_bf16"; break;
  case dnnl_cpu_isa_avx512_core_vnni: dnnlIsa = "avx512_core_vnni"; break;
  case dnnl_cpu_isa_avx512_core: dnnlIsa = "avx512_core"; break;
  case dnnl_cpu_isa_avx2_vnni: dnnlIsa = "avx2_vnni"; break;
  case dnnl_cpu_isa_avx2: dnnlIsa = "avx2"; break;
  default: dnnlIsa = "older than avx2"; break;
  }
#endif
  char date[32];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  llvm::outs() << model << " (" << llvm::sys::getHostCPUName() << "), "
               << sysconf(_SC_NPROCESSORS_ONLN) << " cores, avx512vnni "
               << (features.lookup("avx512vnni") ? "yes" : "no") << ", amx-int8 "
               << (features.lookup("amx-int8") ? "yes" : "no")
               << "; oneDNN ISA " << dnnlIsa << "; " << date << "\n";
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  // libLLVM registers an unrelated --threads; this one replaces it.
  if (llvm::cl::Option *llvmThreads = llvm::cl::getRegisteredOptions().lookup("threads"))
    llvmThreads->removeArgument();
  static llvm::cl::opt<int> threads("threads",
                                    llvm::cl::desc("Threads of qc and oneDNN"),
                                    llvm::cl::init(1),
                                    llvm::cl::cat(benchCategory));
  llvm::cl::HideUnrelatedOptions(benchCategory);
  llvm::cl::ParseCommandLineOptions(argc, argv, "qc int8 GEMM benchmark\n");
  // oneDNN's OpenMP runtime reads OMP_NUM_THREADS when it is loaded, before
  // main, so the variable is set and the benchmark started again.
  std::string ompThreads = std::to_string(int(threads));
  const char *current = std::getenv("OMP_NUM_THREADS");
  if (!current || ompThreads != current) {
    setenv("OMP_NUM_THREADS", ompThreads.c_str(), /*overwrite=*/1);
    execv("/proc/self/exe", argv);
    // Not Linux, or exec failed: run on, oneDNN may then use every core.
  }

  DialectRegistry registry;
  mlir::qc::registerAllDialects(registry);
  registerAllToLLVMIRTranslations(registry);
  mlir::qc::registerAllPasses();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  std::vector<Shape> parsed;
  for (llvm::StringRef text : llvm::split(shapes, ',')) {
    llvm::SmallVector<llvm::StringRef> dims;
    text.split(dims, 'x');
    Shape s;
    if (dims.size() != 3 || dims[0].getAsInteger(10, s.m) ||
        dims[1].getAsInteger(10, s.k) || dims[2].getAsInteger(10, s.n)) {
      llvm::errs() << "bad shape '" << text << "' (expected MxKxN)\n";
      return 1;
    }
    parsed.push_back(s);
  }

  printMachine();
  std::string options = qcOptions;
  options += (options.empty() ? "threads=" : " threads=") + std::to_string(int(threads));
  llvm::outs() << llvm::format("threads %d, B %s, single-thread read bandwidth from "
                               "memory (256 MiB) %.1f GB/s\n",
                               int(threads), constWeights ? "constant" : "argument",
                               readBandwidth(256u << 20));
  llvm::outs() << llvm::format("%-16s %10s %10s %10s %10s %10s %10s\n", "MxKxN", "qc GOPS",
                               "oneDNN", "qc/oneDNN", "loops", "B GB/s", "B/probe");
  for (const Shape &s : parsed) {
    std::vector<HostTensor> inputs = {randomInt8({s.m, s.k}, 1),
                                      randomInt8({s.k, s.n}, 2)};
    double qcTime = 0, loopTime = 0;
    HostTensor qcResult, loopResult;
    if (!runQC(context, s, options, inputs, repeat, qcTime, qcResult))
      return 1;
    std::vector<int32_t> expected;
    if (loops) {
      // The scalar loops are slow; fewer runs keep the benchmark short.
      if (!runQC(context, s, "vectorize=false", inputs, std::max(1, int(repeat) / 5),
                 loopTime, loopResult))
        return 1;
      if (qcResult.data != loopResult.data) {
        llvm::errs() << "qc's kernel and loop results differ for " << s.m << "x"
                     << s.k << "x" << s.n << "\n";
        return 1;
      }
    }
    double dnnlGops = 0;
#ifdef QC_HAVE_DNNL
    double dnnlTime = 0;
    std::vector<int32_t> dnnlResult;
    if (runDNNL(s, inputs, repeat, dnnlTime, dnnlResult)) {
      dnnlGops = gops(s, dnnlTime);
      if (std::memcmp(dnnlResult.data(), qcResult.data.data(),
                      qcResult.data.size()) != 0) {
        llvm::errs() << "qc and oneDNN results differ\n";
        return 1;
      }
    }
#endif
    std::string name = std::to_string(s.m) + "x" + std::to_string(s.k) + "x" +
                       std::to_string(s.n);
    double qcGops = gops(s, qcTime);
    // How fast qc streamed B: the roofline of a matrix-vector product.
    double weightRate = double(s.k) * s.n / qcTime / 1e9;
    // ... against reading as many bytes with plain loads, from the same
    // level of the memory hierarchy.
    double probe = readBandwidth(size_t(s.k) * s.n);
    llvm::outs() << llvm::format("%-16s %10.1f %10.1f %10.3f %10.2f %10.1f %10.2f\n",
                                 name.c_str(), qcGops, dnnlGops,
                                 dnnlGops > 0 ? qcGops / dnnlGops : 0.0,
                                 loops ? gops(s, loopTime) : 0.0, weightRate,
                                 weightRate / probe);
    llvm::outs().flush();
  }
  return 0;
}
