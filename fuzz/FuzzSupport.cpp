//===- FuzzSupport.cpp - shared pieces of qc's MLIR fuzz targets ----------===//
#include "FuzzSupport.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Parser/Parser.h"
#include "qc/InitAllDialects.h"
#include "qc/InitAllPasses.h"
#include "qc/Support/ParserCrash.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/xxhash.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdlib>
#include <optional>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/lsan_interface.h>
#define QC_FUZZ_HAS_LSAN 1
#endif
#endif

using namespace mlir;

/// LLVM's BumpPtrAllocator poisons the unused rest of a slab when the
/// allocating code is instrumented (qc's, inlined from the headers) and
/// relies on the allocating code to unpoison each object; MLIR's uniquer in
/// the uninstrumented libMLIR.so then allocates from such a slab without
/// unpoisoning, a false "use-after-poison". Manual poisoning is off.
extern "C" const char *__asan_default_options() {
  return "allow_user_poisoning=0";
}

namespace qc::fuzz {

static constexpr unsigned kInputsPerContext = 4096;

MLIRContext &nextContext() {
  static std::unique_ptr<MLIRContext> context;
  static unsigned uses = 0;
  static bool registered = [] {
    mlir::qc::registerAllPasses();
    return true;
  }();
  (void)registered;
  if (!context || ++uses % kInputsPerContext == 0) {
    context.reset();
    DialectRegistry registry;
    mlir::qc::registerAllDialects(registry);
    context = std::make_unique<MLIRContext>(registry,
                                            MLIRContext::Threading::DISABLED);
    context->loadAllAvailableDialects();
  }
  return *context;
}

DiagnosticSink::DiagnosticSink(MLIRContext &context)
    : handler(&context, [this](Diagnostic &diag) {
        if (diag.getSeverity() == DiagnosticSeverity::Error)
          ++errors;
        if (std::getenv("QC_FUZZ_VERBOSE"))
          llvm::errs() << diag.getLocation() << ": " << diag << "\n";
        return success();
      }) {}

/// Whether the parser crash reported at `crashLoc` is the known upstream bug:
/// the error it follows lies in the `dimensions` / `permutation` list of a
/// linalg.broadcast, linalg.transpose or linalg.reduce — after the last of
/// those op names before the error, past its keyword, with no other `=`
/// (no further attribute or op) in between. The list may span lines.
static bool isKnownParserCrash(llvm::SourceMgr &sourceMgr, Location crashLoc) {
  auto loc = dyn_cast<FileLineColLoc>(crashLoc);
  if (!loc || loc.getLine() == 0)
    return false;
  llvm::StringRef text =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())->getBuffer();
  size_t errorAt = 0;
  for (unsigned line = 1; line < loc.getLine(); ++line) {
    errorAt = text.find('\n', errorAt);
    if (errorAt == llvm::StringRef::npos)
      return false;
    ++errorAt;
  }
  llvm::StringRef beforeError =
      text.take_front(std::min(text.size(), errorAt + loc.getColumn()));
  size_t opAt = llvm::StringRef::npos;
  for (llvm::StringRef op :
       {"linalg.broadcast", "linalg.transpose", "linalg.reduce"}) {
    size_t at = beforeError.rfind(op);
    if (at != llvm::StringRef::npos &&
        (opAt == llvm::StringRef::npos || at > opAt))
      opAt = at;
  }
  if (opAt == llvm::StringRef::npos)
    return false;
  llvm::StringRef afterOp = beforeError.drop_front(opAt);
  for (llvm::StringRef keyword : {"dimensions", "permutation"}) {
    size_t keywordAt = afterOp.rfind(keyword);
    if (keywordAt != llvm::StringRef::npos &&
        afterOp.drop_front(keywordAt).count('=') <= 1)
      return true;
  }
  return false;
}

OwningOpRef<ModuleOp> parseModule(StringRef text, MLIRContext &context) {
  // A copy, as the tools and the C API parse: a NUL-terminated buffer. (The
  // parser reads an empty StringRef without data, which libFuzzer passes, as
  // a code-completion request and crashes.)
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(text, "fuzz-input"), llvm::SMLoc());
  std::optional<Location> crash;
  ScopedDiagnosticHandler watchForCrash(&context, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error &&
        StringRef(diag.str()).starts_with("the MLIR parser crashed"))
      crash = diag.getLocation();
    return failure(); // the input's sink records it too
  });
  OwningOpRef<ModuleOp> module;
  {
#ifdef QC_FUZZ_HAS_LSAN
    // A parser crash leaks what the parser held (ParserCrash.h): not a leak
    // of qc's, and libFuzzer would report it as one.
    __lsan::ScopedDisabler noLeakCheckWhileParsing;
#endif
    module = mlir::qc::parseSourceFileGuarded(sourceMgr, ParserConfig(&context));
  }
  if (crash && !isKnownParserCrash(sourceMgr, *crash))
    reportBug("the MLIR parser crashed outside the known upstream bug", text);
  return module;
}

static bool isSmall(Type type, int64_t maxElements) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasRank())
    return true;
  int64_t elements = 1;
  for (int64_t dim : shaped.getShape()) {
    if (ShapedType::isDynamic(dim))
      continue;
    if (dim > maxElements || (dim && elements > maxElements / dim))
      return false;
    elements *= dim;
  }
  return true;
}

bool isSmallEnough(ModuleOp module, int64_t maxElements) {
  WalkResult result = module.walk([&](Operation *op) {
    auto small = [&](Type t) { return isSmall(t, maxElements); };
    if (!llvm::all_of(op->getOperandTypes(), small) ||
        !llvm::all_of(op->getResultTypes(), small))
      return WalkResult::interrupt();
    for (Region &region : op->getRegions())
      for (Block &block : region)
        if (!llvm::all_of(block.getArgumentTypes(), small))
          return WalkResult::interrupt();
    for (NamedAttribute attr : op->getAttrs()) {
      if (auto typed = dyn_cast<TypedAttr>(attr.getValue()))
        if (!small(typed.getType()))
          return WalkResult::interrupt();
      if (auto type = dyn_cast<TypeAttr>(attr.getValue()))
        if (!small(type.getValue()))
          return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return !result.wasInterrupted();
}

std::pair<StringRef, StringRef> splitHeader(StringRef data) {
  auto [header, rest] = data.split('\n');
  return {header.rtrim("\r"), rest};
}

size_t select(StringRef header, ArrayRef<StringRef> choices) {
  for (auto [i, choice] : llvm::enumerate(choices))
    if (header == choice)
      return i;
  // xxh3 rather than llvm::hash_value, whose seed may vary per process.
  return static_cast<size_t>(llvm::xxh3_64bits(header) % choices.size());
}

namespace {
/// Verifies the IR after every pass that succeeded: a pass must not leave
/// invalid IR behind (the pass manager's own verifier would turn that into an
/// ordinary failure with a diagnostic).
struct VerifyAfterEachPass : public PassInstrumentation {
  void runAfterPass(Pass *pass, Operation *op) override {
    if (failed(verify(op)))
      reportBug("'" + pass->getArgument() +
                "' succeeded but left IR that does not verify");
  }
};

/// The input being run, for reportBug.
StringRef currentInput;
} // namespace

LogicalResult runPipeline(ModuleOp module, StringRef pipeline) {
  PassManager pm(module.getContext());
  pm.enableVerifier(false);
  pm.addInstrumentation(std::make_unique<VerifyAfterEachPass>());
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    reportBug("the fuzzer's pipeline '" + pipeline + "' does not parse");
  return pm.run(module);
}

int fuzzPassPipelines(
    StringRef input, ArrayRef<StringRef> pipelines,
    function_ref<LogicalResult(ModuleOp, StringRef)> runChoice) {
  currentInput = input;
  auto [header, text] = splitHeader(input);
  StringRef pipeline = pipelines[select(header, pipelines)];
  MLIRContext &context = nextContext();
  DiagnosticSink sink(context);
  OwningOpRef<ModuleOp> module = parseModule(text, context);
  if (!module || !isSmallEnough(*module))
    return 0;
  LogicalResult result = runChoice ? runChoice(*module, pipeline)
                                   : runPipeline(*module, pipeline);
  if (failed(result) && !sink.sawError())
    reportBug("'" + pipeline + "' failed without an error diagnostic");
  currentInput = {};
  return 0;
}

void listChoicesIfAsked(ArrayRef<StringRef> choices) {
  if (!std::getenv("QC_FUZZ_LIST_CHOICES"))
    return;
  for (StringRef choice : choices)
    llvm::outs() << choice << "\n";
  llvm::outs().flush();
  std::exit(0);
}

void reportBug(const llvm::Twine &what) { reportBug(what, currentInput); }

void reportBug(const llvm::Twine &what, StringRef input) {
  llvm::errs() << "qc fuzz: " << what << "\n--- input ---\n"
               << input << "\n--- end of input ---\n";
  std::abort();
}

} // namespace qc::fuzz
