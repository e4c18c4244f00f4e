//===- Executor.cpp - entry signatures and input checks for qc-run --------===//
#include "qc/Runtime/Executor.h"

#include "qc/Codegen/CPU/Passes.h"
#include "qc/Support/ToolInput.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinTypes.h"

#include <algorithm>

using namespace mlir;

namespace qc::runtime {

std::string TensorSpec::describe() const {
  std::string text = std::string(elementName(kind)) + "[";
  for (auto [i, size] : llvm::enumerate(shape))
    text += (i ? "x" : "") +
            (size == kDynamicSize ? std::string("?") : std::to_string(size));
  return text + "]";
}

bool TensorSpec::isDynamic() const {
  return llvm::is_contained(shape, kDynamicSize);
}

std::vector<int64_t> TensorSpec::resolve(int64_t batch) const {
  std::vector<int64_t> sizes(shape);
  for (int64_t &size : sizes)
    if (size == kDynamicSize)
      size = batch;
  return sizes;
}

bool EntrySignature::isDynamic() const {
  auto dynamic = [](const TensorSpec &spec) { return spec.isDynamic(); };
  return llvm::any_of(inputs, dynamic) || llvm::any_of(results, dynamic);
}

int64_t batchOf(const EntrySignature &signature,
                llvm::ArrayRef<HostTensor> inputs) {
  for (auto [spec, input] : llvm::zip(signature.inputs, inputs))
    for (auto [expected, actual] : llvm::zip(spec.shape, input.shape))
      if (expected == kDynamicSize)
        return actual;
  return 1;
}

std::optional<ElementKind> elementKindOf(Type elementType) {
  if (auto quantized = dyn_cast<quant::QuantizedType>(elementType)) {
    unsigned width = quantized.getStorageTypeIntegralWidth();
    bool isSigned = quantized.isSigned();
    if (width == 8)
      return isSigned ? ElementKind::I8 : ElementKind::U8;
    if (width == 16)
      return isSigned ? ElementKind::I16 : ElementKind::U16;
    if (width == 32 && isSigned)
      return ElementKind::I32;
    return std::nullopt;
  }
  if (auto integer = dyn_cast<IntegerType>(elementType)) {
    bool isUnsigned = integer.isUnsigned();
    switch (integer.getWidth()) {
    case 8:
      return isUnsigned ? ElementKind::U8 : ElementKind::I8;
    case 16:
      return isUnsigned ? ElementKind::U16 : ElementKind::I16;
    case 32:
      return isUnsigned ? std::nullopt : std::optional(ElementKind::I32);
    case 64:
      return isUnsigned ? std::nullopt : std::optional(ElementKind::I64);
    default:
      return std::nullopt;
    }
  }
  if (elementType.isF32())
    return ElementKind::F32;
  if (elementType.isF64())
    return ElementKind::F64;
  return std::nullopt;
}

/// The spec of one argument or result type; emits on `op` and fails for
/// types qc-run cannot exchange.
static FailureOr<TensorSpec> specOf(Operation *op, Type type,
                                    const llvm::Twine &what) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !isa<RankedTensorType, MemRefType>(type) ||
      !shaped.hasRank()) {
    emitError(op->getLoc()) << what << " has type " << type
                    << "; qc-run exchanges only ranked tensors and memrefs";
    return failure();
  }
  for (auto [dim, size] : llvm::enumerate(shaped.getShape())) {
    if (dim != 0 && ShapedType::isDynamic(size)) {
      emitError(op->getLoc())
          << what << " has dynamic shape " << type
          << "; qc runs dynamic sizes only in the leading (batch) dimension";
      return failure();
    }
  }
  std::optional<ElementKind> kind = elementKindOf(shaped.getElementType());
  if (!kind) {
    emitError(op->getLoc()) << what << " has element type " << shaped.getElementType()
                    << "; qc-run exchanges int8, uint8, int16, uint16, "
                       "int32, int64, float32 and float64 (quantized types "
                       "by their storage type)";
    return failure();
  }
  TensorSpec spec;
  spec.kind = *kind;
  for (int64_t size : shaped.getShape())
    spec.shape.push_back(ShapedType::isDynamic(size) ? kDynamicSize : size);
  return spec;
}

static FailureOr<SmallVector<Type>> typesOf(Operation *op,
                                            llvm::StringRef attrName) {
  auto array = op->getAttrOfType<ArrayAttr>(attrName);
  if (!array)
    return failure();
  SmallVector<Type> types;
  for (Attribute attr : array) {
    auto typeAttr = dyn_cast<TypeAttr>(attr);
    if (!typeAttr)
      return failure();
    types.push_back(typeAttr.getValue());
  }
  return types;
}

FailureOr<EntrySignature> readEntrySignature(ModuleOp module,
                                             llvm::StringRef entry) {
  FailureOr<Operation *> found = mlir::qc::findEntryFunction(module, entry);
  if (failed(found))
    return failure();
  Operation *function = *found;

  EntrySignature signature;
  signature.name = cast<SymbolOpInterface>(function).getName().str();
  SmallVector<Type> inputs, results;
  FailureOr<SmallVector<Type>> recordedInputs =
      typesOf(function, mlir::qc::kABIInputsAttrName);
  FailureOr<SmallVector<Type>> recordedResults =
      typesOf(function, mlir::qc::kABIResultsAttrName);
  if (succeeded(recordedInputs) && succeeded(recordedResults)) {
    inputs = *recordedInputs;
    results = *recordedResults;
  } else if (auto func = dyn_cast<func::FuncOp>(function)) {
    inputs.assign(func.getArgumentTypes().begin(),
                  func.getArgumentTypes().end());
    results.assign(func.getResultTypes().begin(), func.getResultTypes().end());
  } else {
    emitError(function->getLoc())
        << "'" << signature.name
        << "' is an llvm.func without a recorded tensor signature ("
        << mlir::qc::kABIInputsAttrName
        << "); give qc-run IR from before qc-cpu-pipeline or lowered by it";
    return failure();
  }

  for (auto [index, type] : llvm::enumerate(inputs)) {
    FailureOr<TensorSpec> spec =
        specOf(function, type, "argument #" + llvm::Twine(index));
    if (failed(spec))
      return failure();
    signature.inputs.push_back(*spec);
  }
  for (auto [index, type] : llvm::enumerate(results)) {
    FailureOr<TensorSpec> spec =
        specOf(function, type, "result #" + llvm::Twine(index));
    if (failed(spec))
      return failure();
    signature.results.push_back(*spec);
  }
  return signature;
}

llvm::Error checkInputs(const EntrySignature &signature,
                        llvm::ArrayRef<HostTensor> inputs,
                        llvm::ArrayRef<std::string> sources) {
  if (inputs.size() != signature.inputs.size())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "@" + signature.name + " takes " +
            std::to_string(signature.inputs.size()) + " argument(s) but " +
            std::to_string(inputs.size()) + " --input file(s) were given");
  int64_t batch = kDynamicSize;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorSpec &expected = signature.inputs[i];
    const HostTensor &actual = inputs[i];
    bool matches = actual.kind == expected.kind &&
                   actual.shape.size() == expected.shape.size();
    for (size_t d = 0; matches && d < actual.shape.size(); ++d) {
      if (expected.shape[d] != kDynamicSize) {
        matches = actual.shape[d] == expected.shape[d];
        continue;
      }
      if (actual.shape[d] < 1)
        matches = false;
      else if (batch == kDynamicSize)
        batch = actual.shape[d];
      else if (actual.shape[d] != batch)
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            "argument #" + std::to_string(i) + " of @" + signature.name +
                " ('" + sources[i] + "') has batch " +
                std::to_string(actual.shape[d]) + " but an earlier argument " +
                "has batch " + std::to_string(batch));
    }
    if (!matches)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "argument #" + std::to_string(i) + " of @" + signature.name +
              " ('" + sources[i] + "'): expected " + expected.describe() +
              ", got " + actual.describe());
  }
  return llvm::Error::success();
}

double Timing::min() const {
  return seconds.empty() ? 0.0
                         : *std::min_element(seconds.begin(), seconds.end());
}

double Timing::median() const {
  if (seconds.empty())
    return 0.0;
  std::vector<double> sorted(seconds);
  std::sort(sorted.begin(), sorted.end());
  size_t middle = sorted.size() / 2;
  return sorted.size() % 2 ? sorted[middle]
                           : (sorted[middle - 1] + sorted[middle]) / 2;
}

Executor::~Executor() = default;

char PipelineError::ID = 0;

void PipelineError::log(llvm::raw_ostream &os) const {
  os << what << " (diagnostics above); reproduce with:\n  " << reproducer;
}

} // namespace qc::runtime
