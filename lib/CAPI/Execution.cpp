//===- Execution.cpp - C API: compile and run on CPU or Vulkan ------------===//
#include "qc-c/Execution.h"

#include "Errors.h"

#include "qc/Runtime/CPUExecutor.h"
#include "qc/Runtime/LoadCompiledModel.h"
#include "qc/Runtime/VulkanExecutor.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Support.h"
#include "mlir/IR/BuiltinOps.h"

#include <cstring>

using namespace mlir;
using namespace ::qc::capi;
using ::qc::runtime::ElementKind;
using ::qc::runtime::EntrySignature;
using ::qc::runtime::HostTensor;
using ::qc::runtime::TensorSpec;

namespace {

struct ExecutableImpl {
  // The lowered clone the executor was compiled from (none for a model
  // loaded from a file).
  OwningOpRef<ModuleOp> module;
  std::unique_ptr<::qc::runtime::Executor> executor;
  EntrySignature signature;
  std::string target;
  /// QcExchangeFlags.
  unsigned flags = QC_EXCHANGE_DEFAULT;
};

ExecutableImpl &unwrapExecutable(QcExecutable executable) {
  return *static_cast<ExecutableImpl *>(executable.ptr);
}

QcElementType toC(ElementKind kind) {
  switch (kind) {
  case ElementKind::I8:
    return QC_ELEMENT_INT8;
  case ElementKind::U8:
    return QC_ELEMENT_UINT8;
  case ElementKind::I16:
    return QC_ELEMENT_INT16;
  case ElementKind::U16:
    return QC_ELEMENT_UINT16;
  case ElementKind::I32:
    return QC_ELEMENT_INT32;
  case ElementKind::I64:
    return QC_ELEMENT_INT64;
  case ElementKind::F32:
    return QC_ELEMENT_FLOAT32;
  case ElementKind::F64:
    return QC_ELEMENT_FLOAT64;
  }
  return QC_ELEMENT_FLOAT32;
}

ElementKind fromC(QcElementType type) {
  switch (type) {
  case QC_ELEMENT_INT8:
    return ElementKind::I8;
  case QC_ELEMENT_UINT8:
    return ElementKind::U8;
  case QC_ELEMENT_INT16:
    return ElementKind::I16;
  case QC_ELEMENT_UINT16:
    return ElementKind::U16;
  case QC_ELEMENT_INT32:
    return ElementKind::I32;
  case QC_ELEMENT_INT64:
    return ElementKind::I64;
  case QC_ELEMENT_FLOAT32:
    return ElementKind::F32;
  case QC_ELEMENT_FLOAT64:
    return ElementKind::F64;
  }
  return ElementKind::F32;
}

int64_t numElements(llvm::ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t size : shape)
    count *= size;
  return count;
}

} // namespace

const char *qcElementTypeGetName(QcElementType type) {
  return ::qc::runtime::elementName(fromC(type));
}

intptr_t qcElementTypeGetSize(QcElementType type) {
  return ::qc::runtime::elementSize(fromC(type));
}

QcExecutable qcExecutableCreate(MlirModule module, MlirStringRef target,
                                MlirStringRef entry,
                                MlirStringRef pipelineOptions,
                                QcError *error) {
  ModuleOp original = unwrap(module);
  DiagnosticCapture diagnostics(original.getContext());
  llvm::StringRef targetName = unwrap(target);
  if (!checkTarget(targetName, diagnostics, error))
    return QcExecutable{nullptr};
  FailureOr<EntrySignature> signature =
      ::qc::runtime::readEntrySignature(original, unwrap(entry));
  if (failed(signature)) {
    report(makeError("cannot compile this function", diagnostics.text()),
           error);
    return QcExecutable{nullptr};
  }

  auto executable = std::make_unique<ExecutableImpl>();
  executable->signature = *signature;
  executable->target = targetName.str();
  executable->module = original.clone();

  // The pipeline's reproducer names the file of its input before compiling
  // starts; the file is written only if compiling fails, from `original`,
  // which compiling the clone leaves as it was.
  std::string sourcePath = reserveReproducerPath();

  auto compile = [&]()
      -> llvm::Expected<std::unique_ptr<::qc::runtime::Executor>> {
    if (targetName == "cpu") {
      ::qc::runtime::CPUExecutorOptions options;
      options.pipelineOptions = unwrap(pipelineOptions).str();
      options.sourcePath = sourcePath;
      return ::qc::runtime::createCPUExecutor(*executable->module, *signature,
                                              options);
    }
    ::qc::runtime::VulkanExecutorOptions options;
    options.pipelineOptions = unwrap(pipelineOptions).str();
    options.sourcePath = sourcePath;
    return ::qc::runtime::createVulkanExecutor(*executable->module, *signature,
                                               options);
  };
  llvm::Expected<std::unique_ptr<::qc::runtime::Executor>> created = compile();
  if (!created) {
    report(compileError(created.takeError(),
                        "compiling @" + signature->name + " for " + targetName,
                        original, sourcePath, diagnostics),
           error);
    return QcExecutable{nullptr};
  }
  executable->executor = std::move(*created);
  clear(error);
  return QcExecutable{executable.release()};
}

void qcExecutableDestroy(QcExecutable executable) {
  delete static_cast<ExecutableImpl *>(executable.ptr);
}

MlirStringRef qcExecutableGetEntryName(QcExecutable executable) {
  return wrap(llvm::StringRef(unwrapExecutable(executable).signature.name));
}

MlirStringRef qcExecutableGetTarget(QcExecutable executable) {
  return wrap(llvm::StringRef(unwrapExecutable(executable).target));
}

intptr_t qcExecutableGetNumInputs(QcExecutable executable) {
  return unwrapExecutable(executable).signature.inputs.size();
}

intptr_t qcExecutableGetNumResults(QcExecutable executable) {
  return unwrapExecutable(executable).signature.results.size();
}

QcElementType qcExecutableGetInputElementType(QcExecutable executable,
                                              intptr_t pos) {
  return toC(unwrapExecutable(executable).signature.inputs[pos].kind);
}

intptr_t qcExecutableGetInputRank(QcExecutable executable, intptr_t pos) {
  return unwrapExecutable(executable).signature.inputs[pos].shape.size();
}

const int64_t *qcExecutableGetInputShape(QcExecutable executable,
                                         intptr_t pos) {
  return unwrapExecutable(executable).signature.inputs[pos].shape.data();
}

QcElementType qcExecutableGetResultElementType(QcExecutable executable,
                                               intptr_t pos) {
  return toC(unwrapExecutable(executable).signature.results[pos].kind);
}

intptr_t qcExecutableGetResultRank(QcExecutable executable, intptr_t pos) {
  return unwrapExecutable(executable).signature.results[pos].shape.size();
}

const int64_t *qcExecutableGetResultShape(QcExecutable executable,
                                          intptr_t pos) {
  return unwrapExecutable(executable).signature.results[pos].shape.data();
}

unsigned qcExecutableGetInputCodeBits(QcExecutable executable, intptr_t pos) {
  return unwrapExecutable(executable).signature.inputs[pos].codeBits;
}

unsigned qcExecutableGetResultCodeBits(QcExecutable executable, intptr_t pos) {
  return unwrapExecutable(executable).signature.results[pos].codeBits;
}

QcExecutable qcExecutableLoad(MlirStringRef path, QcError *error) {
  auto executable = std::make_unique<ExecutableImpl>();
  bool packedInt4 = false;
  llvm::Expected<std::unique_ptr<::qc::runtime::Executor>> loaded =
      ::qc::runtime::loadCompiledModel(unwrap(path), executable->signature,
                                       executable->target, &packedInt4);
  if (packedInt4)
    executable->flags |= QC_EXCHANGE_PACKED_INT4;
  if (!loaded) {
    report(makeError(llvm::toString(loaded.takeError()), ""), error);
    return QcExecutable{nullptr};
  }
  executable->executor = std::move(*loaded);
  clear(error);
  return QcExecutable{executable.release()};
}

MlirLogicalResult qcExecutableSetExchangeFlags(QcExecutable executable,
                                               unsigned flags,
                                               QcError *error) {
  ExecutableImpl &impl = unwrapExecutable(executable);
  if (flags & ~unsigned(QC_EXCHANGE_PACKED_INT4)) {
    report(makeError("unknown exchange flags " + llvm::Twine(flags), ""),
           error);
    return mlirLogicalResultFailure();
  }
  if (flags & QC_EXCHANGE_PACKED_INT4)
    if (llvm::Error invalid = ::qc::runtime::checkPackedInt4(impl.signature)) {
      report(makeError(llvm::toString(std::move(invalid)), ""), error);
      return mlirLogicalResultFailure();
    }
  impl.flags = flags;
  clear(error);
  return mlirLogicalResultSuccess();
}

unsigned qcExecutableGetExchangeFlags(QcExecutable executable) {
  return unwrapExecutable(executable).flags;
}

bool qcExecutableHasDynamicBatch(QcExecutable executable) {
  return unwrapExecutable(executable).signature.isDynamic();
}

MlirLogicalResult qcExecutableInvoke(QcExecutable executable,
                                     const void *const *inputs,
                                     void *const *results, int repeat,
                                     double *minSeconds, QcError *error) {
  if (unwrapExecutable(executable).signature.isDynamic()) {
    report(makeError("@" + unwrapExecutable(executable).signature.name +
                         " has a dynamic batch dimension: call "
                         "qcExecutableInvokeBatch",
                     ""),
           error);
    return mlirLogicalResultFailure();
  }
  return qcExecutableInvokeBatch(executable, 1, inputs, results, repeat,
                                 minSeconds, error);
}

MlirLogicalResult qcExecutableInvokeBatch(QcExecutable executable,
                                          int64_t batch,
                                          const void *const *inputs,
                                          void *const *results, int repeat,
                                          double *minSeconds, QcError *error) {
  ExecutableImpl &impl = unwrapExecutable(executable);
  if (repeat < 1) {
    report(makeError("repeat must be at least 1", ""), error);
    return mlirLogicalResultFailure();
  }
  if (batch < 1) {
    report(makeError("batch must be at least 1", ""), error);
    return mlirLogicalResultFailure();
  }
  bool packed = impl.flags & QC_EXCHANGE_PACKED_INT4;
  // The form a buffer holds: packed i4/u4 codes as their uint8 bytes.
  auto exchanged = [&](const TensorSpec &spec) {
    return packed && ::qc::runtime::isPackedInt4(spec)
               ? ::qc::runtime::packedInt4Spec(spec)
               : spec;
  };
  std::vector<HostTensor> arguments;
  for (auto [index, codes] : llvm::enumerate(impl.signature.inputs)) {
    TensorSpec spec = exchanged(codes);
    HostTensor tensor;
    tensor.kind = spec.kind;
    tensor.shape = spec.resolve(batch);
    size_t bytes =
        numElements(tensor.shape) * ::qc::runtime::elementSize(spec.kind);
    tensor.data.resize(bytes);
    if (bytes) {
      if (!inputs || !inputs[index]) {
        report(makeError("input #" + llvm::Twine(index) + " of @" +
                             impl.signature.name + " is NULL",
                         ""),
               error);
        return mlirLogicalResultFailure();
      }
      std::memcpy(tensor.data.data(), inputs[index], bytes);
    }
    arguments.push_back(std::move(tensor));
  }
  // Shapes and kinds match by construction; this checks narrow codes (an
  // i4 argument's int8 elements in [-8, 7]).
  std::vector<std::string> names;
  for (size_t i = 0; i < arguments.size(); ++i)
    names.push_back("input #" + std::to_string(i));
  if (packed) {
    llvm::Expected<std::vector<HostTensor>> unpacked =
        ::qc::runtime::unpackInt4Inputs(impl.signature, arguments, names);
    if (!unpacked) {
      report(makeError(llvm::toString(unpacked.takeError()), ""), error);
      return mlirLogicalResultFailure();
    }
    arguments = std::move(*unpacked);
  }
  if (llvm::Error invalid =
          ::qc::runtime::checkInputs(impl.signature, arguments, names)) {
    report(makeError(llvm::toString(std::move(invalid)), ""), error);
    return mlirLogicalResultFailure();
  }
  ::qc::runtime::Timing timing;
  llvm::Expected<std::vector<HostTensor>> outputs =
      impl.executor->run(arguments, repeat, timing);
  if (!outputs) {
    report(makeError("running @" + impl.signature.name + " on " + impl.target +
                         " failed: " + llvm::toString(outputs.takeError()),
                     ""),
           error);
    return mlirLogicalResultFailure();
  }
  if (packed)
    ::qc::runtime::packInt4Results(impl.signature, *outputs);
  // Check every result before writing any, so a failure writes nothing.
  for (auto [index, output] : llvm::enumerate(*outputs)) {
    TensorSpec spec = exchanged(impl.signature.results[index]);
    if (output.data.size() != size_t(numElements(spec.resolve(batch))) *
                                  ::qc::runtime::elementSize(spec.kind) ||
        (!results || !results[index])) {
      report(makeError("result #" + llvm::Twine(index) + " of @" +
                           impl.signature.name + ": " +
                           (results && results[index]
                                ? "the target returned " + output.describe() +
                                      " where the function declares " +
                                      spec.describe()
                                : std::string("no buffer given (NULL)")),
                       ""),
             error);
      return mlirLogicalResultFailure();
    }
  }
  for (auto [index, output] : llvm::enumerate(*outputs))
    if (!output.data.empty())
      std::memcpy(results[index], output.data.data(), output.data.size());
  if (minSeconds)
    *minSeconds = timing.min();
  clear(error);
  return mlirLogicalResultSuccess();
}
