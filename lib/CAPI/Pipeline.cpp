//===- Pipeline.cpp - C API: parsing and pass pipelines -------------------===//
#include "qc-c/Pipeline.h"

#include "Errors.h"
#include "qc/Pipelines/Pipelines.h"
#include "qc/Support/ParserCrash.h"

#include "qc/Support/StderrCapture.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Support.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace ::qc::capi;

MlirModule qcModuleParse(MlirContext context, MlirStringRef source,
                         MlirStringRef sourceName, QcError *error) {
  MLIRContext *ctx = unwrap(context);
  DiagnosticCapture diagnostics(ctx);
  std::string name = unwrap(sourceName).str();
  if (name.empty())
    name = "<source>";
  auto buffer = llvm::MemoryBuffer::getMemBufferCopy(unwrap(source), name);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  ParserConfig config(ctx);
  // A crash inside the parser is an error here too: a host process
  // must not die of bad text.
  OwningOpRef<ModuleOp> module =
      mlir::qc::parseSourceFileGuarded(sourceMgr, config);
  if (!module) {
    report(makeError("could not parse " + name, diagnostics.text()), error);
    return MlirModule{nullptr};
  }
  clear(error);
  return MlirModule{module.release().getOperation()};
}

/// Splits a pipeline at its top-level commas (not those inside `{}` or `()`).
static SmallVector<llvm::StringRef> splitTopLevel(llvm::StringRef pipeline) {
  SmallVector<llvm::StringRef> elements;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < pipeline.size(); ++i) {
    char c = pipeline[i];
    if (c == '{' || c == '(')
      ++depth;
    else if (c == '}' || c == ')')
      --depth;
    else if (c == ',' && depth == 0) {
      elements.push_back(pipeline.slice(start, i).trim());
      start = i + 1;
    }
  }
  elements.push_back(pipeline.drop_front(start).trim());
  return elements;
}

/// Adds one top-level element of a bare pipeline to `pm` (on builtin.module),
/// nesting a pass that runs on other ops (func.func) under them, as qc-opt
/// does for pass flags. The textual parser itself refuses such a pass.
static LogicalResult addElement(llvm::StringRef element, PassManager &pm,
                                llvm::raw_ostream &errors) {
  llvm::StringRef name = element.take_until([](char c) { return c == '{'; });
  if (!element.contains('(')) {
    if (PassInfo::lookup(name.trim())) {
      // Instantiate it on an op-agnostic manager to learn where it runs.
      OpPassManager probe;
      if (failed(parsePassPipeline(element, probe, errors)))
        return failure();
      std::optional<llvm::StringRef> anchor = probe.begin()->getOpName();
      if (anchor && *anchor != ModuleOp::getOperationName())
        return parsePassPipeline((*anchor + "(" + element + ")").str(), pm,
                                 errors);
    }
  }
  return parsePassPipeline(element, pm, errors);
}

/// Parses `pipeline` into `pm`: one anchored on builtin.module, or a bare
/// list of passes and pipelines.
static LogicalResult parsePipeline(llvm::StringRef pipeline, PassManager &pm,
                                   llvm::raw_ostream &errors) {
  pipeline = pipeline.trim();
  if (pipeline.consume_front("builtin.module")) {
    pipeline = pipeline.trim();
    if (!pipeline.consume_front("(") || !pipeline.consume_back(")")) {
      errors << "expected 'builtin.module(...)'";
      return failure();
    }
    return parsePassPipeline(pipeline, pm, errors);
  }
  for (llvm::StringRef element : splitTopLevel(pipeline))
    if (failed(addElement(element, pm, errors)))
      return failure();
  return success();
}

namespace qc::capi {
std::optional<ErrorImpl> runPipeline(ModuleOp op, llvm::StringRef pipeline) {
  MLIRContext *ctx = op.getContext();
  DiagnosticCapture diagnostics(ctx);
  PassManager pm(ctx, ModuleOp::getOperationName());
  std::string parseErrors;
  if (!::qc::parseReportingOptionErrors(
          [&](llvm::raw_ostream &errors) {
            return succeeded(parsePipeline(pipeline, pm, errors));
          },
          parseErrors))
    return makeError("invalid pass pipeline '" + pipeline + "': " + parseErrors,
                     diagnostics.text());

  // The reproducer starts from the IR as it was. A clone shares the
  // (uniqued) constants, so it is cheaper than printing on every run.
  OwningOpRef<ModuleOp> before = op.clone();
  if (succeeded(mlir::qc::runVerifyingAtEnd(pm, op)))
    return std::nullopt;

  std::string textual;
  {
    llvm::raw_string_ostream os(textual);
    pm.printAsTextualPipeline(os);
  }
  std::string path = writeReproducerInput(*before);
  std::string command;
  if (!path.empty())
    command = "qc-opt " + path + " --pass-pipeline='" + textual + "'";
  return makeError("pass pipeline '" + textual + "' failed", diagnostics.text(),
                   path, command);
}
} // namespace qc::capi

MlirLogicalResult qcModuleRunPipeline(MlirModule module, MlirStringRef pipeline,
                                      QcError *error) {
  if (std::optional<ErrorImpl> failure =
          runPipeline(unwrap(module), unwrap(pipeline))) {
    report(std::move(*failure), error);
    return mlirLogicalResultFailure();
  }
  clear(error);
  return mlirLogicalResultSuccess();
}

QcFoldOptions qcFoldOptionsGetDefault(void) {
  return QcFoldOptions{/*singleRound=*/false, /*allowFloat=*/true,
                       /*report=*/false};
}

MlirLogicalResult qcModuleFoldFakeQuant(MlirModule module, QcFoldOptions options,
                                        QcError *error) {
  // Through the textual pipeline, so that a failure carries the same
  // reproducer as qcModuleRunPipeline's.
  std::string pipeline =
      std::string("qc-fold-fake-quant{profile=") +
      (options.singleRound ? "single_round" : "double_round") +
      " allow-float=" + (options.allowFloat ? "true" : "false") +
      " report=" + (options.report ? "true" : "false") + "}";
  return qcModuleRunPipeline(module, mlirStringRefCreate(pipeline.data(), pipeline.size()),
                             error);
}
