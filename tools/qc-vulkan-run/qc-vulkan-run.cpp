//===- qc-vulkan-run.cpp - compile and run a qc function on Vulkan --------===//
//
// qc-vulkan-run in.mlir --entry main --input a.npy --input b.npy
//               --output c.npy [--repeat N] [--options="portable"]
//               [--validation] [--device NAME]
// or qc-vulkan-run --bundle DIR ... to run a bundle from qc-vulkan-bundle.
// Same flags as qc-run; it exists until qc-run's --target=vulkan lands.
//
//===----------------------------------------------------------------------===//
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "qc/InitAllDialects.h"
#include "qc/Target/SPIRV/VulkanExecutor.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

#include <algorithm>

using namespace mlir;
using ::qc::runtime::ElementKind;
using ::qc::runtime::HostTensor;
namespace cl = llvm::cl;

// Minimal .npy (format 1.0/2.0, little-endian, C order) I/O. The shared
// implementation (qc/Runtime/Npy.h) is on the CPU target's branch; this
// tool switches to it once that lands.
namespace {
struct NpyType {
  const char *descr;
  ElementKind kind;
  size_t size;
};
const NpyType kNpyTypes[] = {
    {"|i1", ElementKind::I8, 1},  {"|u1", ElementKind::U8, 1},
    {"<i2", ElementKind::I16, 2}, {"<u2", ElementKind::U16, 2},
    {"<i4", ElementKind::I32, 4}, {"<i8", ElementKind::I64, 8},
    {"<f4", ElementKind::F32, 4}, {"<f8", ElementKind::F64, 8}};

llvm::Expected<HostTensor> readNpy(llvm::StringRef path) {
  auto fail = [&](const llvm::Twine &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s: %s",
                                   path.str().c_str(), why.str().c_str());
  };
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fail(buffer.getError().message());
  llvm::StringRef bytes = (*buffer)->getBuffer();
  if (bytes.size() < 10 || !bytes.starts_with("\x93NUMPY"))
    return fail("not a .npy file");
  unsigned major = static_cast<uint8_t>(bytes[6]);
  size_t headerLen, start;
  if (major == 1) {
    headerLen = static_cast<uint8_t>(bytes[8]) |
                static_cast<uint8_t>(bytes[9]) << 8;
    start = 10;
  } else if (bytes.size() >= 12) {
    headerLen = 0;
    for (int i = 0; i < 4; ++i)
      headerLen |= static_cast<size_t>(static_cast<uint8_t>(bytes[8 + i]))
                   << (8 * i);
    start = 12;
  } else {
    return fail("truncated header");
  }
  if (start + headerLen > bytes.size())
    return fail("truncated header");
  llvm::StringRef header = bytes.substr(start, headerLen);
  auto field = [&](llvm::StringRef key) -> llvm::StringRef {
    size_t at = header.find(("'" + key + "'").str());
    if (at == llvm::StringRef::npos)
      return {};
    llvm::StringRef rest = header.substr(at + key.size() + 2).ltrim(" :");
    return rest;
  };
  llvm::StringRef descr = field("descr");
  llvm::StringRef order = field("fortran_order");
  llvm::StringRef shapeText = field("shape");
  if (descr.empty() || order.empty() || shapeText.empty())
    return fail("header lacks descr, fortran_order or shape");
  if (order.starts_with("True"))
    return fail("Fortran-order arrays are not supported");
  HostTensor tensor;
  const NpyType *type = nullptr;
  for (const NpyType &candidate : kNpyTypes) {
    std::string quoted = std::string("'") + candidate.descr + "'";
    // numpy writes int8 as '|i1'; accept '<i1' too.
    std::string alt = quoted;
    alt[1] = '<';
    if (descr.starts_with(quoted) || descr.starts_with(alt))
      type = &candidate;
  }
  if (!type)
    return fail("unsupported dtype " + descr.take_until([](char c) {
                  return c == ',';
                }));
  tensor.kind = type->kind;
  shapeText = shapeText.drop_front().take_until([](char c) { return c == ')'; });
  int64_t count = 1;
  while (!shapeText.trim().empty()) {
    auto [dim, rest] = shapeText.split(',');
    int64_t value;
    if (dim.trim().getAsInteger(10, value) || value < 0)
      return fail("bad shape");
    tensor.shape.push_back(value);
    count *= value;
    shapeText = rest;
  }
  size_t dataStart = start + headerLen;
  if (bytes.size() - dataStart != static_cast<size_t>(count) * type->size)
    return fail("data size does not match the shape");
  tensor.data.assign(bytes.begin() + dataStart, bytes.end());
  return tensor;
}

llvm::Error writeNpy(llvm::StringRef path, const HostTensor &tensor) {
  const NpyType *type = nullptr;
  for (const NpyType &candidate : kNpyTypes)
    if (candidate.kind == tensor.kind)
      type = &candidate;
  std::string shape;
  for (int64_t d : tensor.shape)
    shape += std::to_string(d) + ", ";
  if (tensor.shape.size() > 1)
    shape.resize(shape.size() - 2);
  else if (tensor.shape.size() == 1)
    shape.pop_back();
  std::string header = std::string("{'descr': '") + type->descr +
                       "', 'fortran_order': False, 'shape': (" + shape +
                       "), }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return llvm::createStringError(ec, "%s: %s", path.str().c_str(),
                                   ec.message().c_str());
  os << "\x93NUMPY" << char(1) << char(0) << char(header.size() & 0xff)
     << char(header.size() >> 8) << header;
  os.write(reinterpret_cast<const char *>(tensor.data.data()),
           tensor.data.size());
  return llvm::Error::success();
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input.mlir>"),
                                 cl::init(""));
  cl::opt<std::string> bundleDir("bundle",
                                 cl::desc("run a bundle directory instead of "
                                          "compiling an input file"),
                                 cl::init(""));
  cl::opt<std::string> entry("entry", cl::desc("entry function"),
                             cl::init("main"));
  cl::list<std::string> inputs("input", cl::desc(".npy input (in argument "
                                                 "order)"));
  cl::list<std::string> outputs("output", cl::desc(".npy output (in result "
                                                   "order)"));
  cl::opt<unsigned> repeat("repeat", cl::desc("run N times, print timing"),
                           cl::init(1));
  cl::opt<std::string> options("options",
                               cl::desc("qc-spirv-pipeline options"),
                               cl::init(""));
  cl::opt<bool> validation("validation",
                           cl::desc("enable the Khronos validation layer and "
                                    "fail on any message"));
  cl::opt<std::string> device("device", cl::desc("device index or name part"),
                              cl::init(""));
  cl::ParseCommandLineOptions(argc, argv, "qc Vulkan runner\n");
  auto die = [](const llvm::Twine &message) {
    llvm::WithColor::error(llvm::errs(), "qc-vulkan-run") << message << "\n";
    return 1;
  };
  if (inputFile.empty() == bundleDir.empty())
    return die("give exactly one of an input .mlir file and --bundle DIR");
  if (repeat == 0)
    return die("--repeat must be at least 1");

  ::qc::vulkan::Bundle bundle;
  if (!bundleDir.empty()) {
    llvm::Expected<::qc::vulkan::Bundle> read =
        ::qc::vulkan::readBundle(bundleDir);
    if (!read)
      return die(llvm::toString(read.takeError()));
    bundle = std::move(*read);
  } else {
    mlir::qc::SPIRVPipelineOptions pipelineOptions;
    if (failed(pipelineOptions.parseFromString(options)))
      return die("invalid --options '" + options + "'");
    DialectRegistry registry;
    mlir::qc::registerAllDialects(registry);
    MLIRContext context(registry);
    llvm::SourceMgr sourceMgr;
    SourceMgrDiagnosticHandler handler(sourceMgr, &context);
    std::string error;
    std::unique_ptr<llvm::MemoryBuffer> file = openInputFile(inputFile, &error);
    if (!file)
      return die(error);
    sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
    OwningOpRef<ModuleOp> module =
        parseSourceFile<ModuleOp>(sourceMgr, &context);
    if (!module)
      return 1;
    FailureOr<::qc::vulkan::Bundle> compiled =
        mlir::qc::compileToVulkanBundle(*module, entry, pipelineOptions);
    if (failed(compiled))
      return 1;
    bundle = std::move(*compiled);
  }

  std::vector<HostTensor> args;
  for (const std::string &path : inputs) {
    llvm::Expected<HostTensor> tensor = readNpy(path);
    if (!tensor)
      return die(llvm::toString(tensor.takeError()));
    args.push_back(std::move(*tensor));
  }
  if (!outputs.empty() && outputs.size() != bundle.outputs.size())
    return die("@" + bundle.entry + " has " +
               llvm::Twine(bundle.outputs.size()) + " result(s), got " +
               llvm::Twine(outputs.size()) + " --output");

  ::qc::vulkan::RuntimeOptions runtimeOptions;
  runtimeOptions.device = device;
  runtimeOptions.validation = validation;
  auto executor = mlir::qc::VulkanExecutor::fromBundle(std::move(bundle),
                                                 runtimeOptions);
  if (!executor)
    return die(llvm::toString(executor.takeError()));
  std::vector<double> times;
  std::vector<HostTensor> results;
  for (unsigned i = 0; i < repeat; ++i) {
    auto ran = (*executor)->run(args);
    if (!ran)
      return die(llvm::toString(ran.takeError()));
    results = std::move(*ran);
    times.push_back((*executor)->lastDeviceSeconds());
  }
  for (auto [path, tensor] : llvm::zip(outputs, results))
    if (llvm::Error err = writeNpy(path, tensor))
      return die(llvm::toString(std::move(err)));
  if (repeat > 1) {
    std::sort(times.begin(), times.end());
    llvm::outs() << llvm::formatv(
        "device: {0}\nruns: {1}  min: {2:f3} ms  median: {3:f3} ms\n",
        (*executor)->deviceDescription(), repeat, times.front() * 1e3,
        times[times.size() / 2] * 1e3);
  }
  return 0;
}
