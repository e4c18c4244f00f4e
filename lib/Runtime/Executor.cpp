//===- Executor.cpp - entry signatures and input checks for qc-run --------===//
#include "qc/Runtime/Executor.h"

#include "qc/Codegen/CPU/Passes.h"
#include "qc/Support/ToolInput.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

using namespace mlir;

namespace qc::runtime {

static bool isUnsignedKind(ElementKind kind) {
  return kind == ElementKind::U8 || kind == ElementKind::U16;
}

/// Element `e` of an int8/uint8/int16/uint16 tensor, and its update
/// (truncated to the element's width).
static int64_t readCode(const HostTensor &tensor, int64_t e) {
  const uint8_t *p = tensor.data.data() + e * elementSize(tensor.kind);
  switch (tensor.kind) {
  case ElementKind::I8:
    return int8_t(*p);
  case ElementKind::U8:
    return *p;
  case ElementKind::I16:
    return int16_t(uint16_t(p[0] | p[1] << 8));
  default:
    return uint16_t(p[0] | p[1] << 8);
  }
}

static void writeCode(HostTensor &tensor, int64_t e, int64_t code) {
  uint8_t *p = tensor.data.data() + e * elementSize(tensor.kind);
  p[0] = uint8_t(code);
  if (elementSize(tensor.kind) == 2)
    p[1] = uint8_t(code >> 8);
}

/// The codes an N-bit spec takes.
static std::pair<int64_t, int64_t> codeRange(const TensorSpec &spec) {
  int64_t n = spec.codeBits;
  if (isUnsignedKind(spec.kind))
    return {0, (int64_t(1) << n) - 1};
  return {-(int64_t(1) << (n - 1)), (int64_t(1) << (n - 1)) - 1};
}

std::string TensorSpec::describe() const {
  std::string text = std::string(elementName(kind)) + "[";
  for (auto [i, size] : llvm::enumerate(shape))
    text += (i ? "x" : "") +
            (size == kDynamicSize ? std::string("?") : std::to_string(size));
  text += "]";
  if (codeBits)
    text += " of " + std::string(isUnsignedKind(kind) ? "u" : "i") +
            std::to_string(codeBits) + " codes";
  return text;
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

/// The kind that holds one N-bit code per element, for 2 <= N <= 15 other
/// than 8.
static std::optional<ElementKind> narrowKind(unsigned width, bool isSigned,
                                             unsigned *codeBits) {
  if (width < 2 || width > 15 || width == 8)
    return std::nullopt;
  if (codeBits)
    *codeBits = width;
  if (width < 8)
    return isSigned ? ElementKind::I8 : ElementKind::U8;
  return isSigned ? ElementKind::I16 : ElementKind::U16;
}

std::optional<ElementKind> elementKindOf(Type elementType, unsigned *codeBits) {
  if (codeBits)
    *codeBits = 0;
  if (auto quantized = dyn_cast<quant::QuantizedType>(elementType)) {
    unsigned width = quantized.getStorageTypeIntegralWidth();
    bool isSigned = quantized.isSigned();
    if (std::optional<ElementKind> narrow = narrowKind(width, isSigned, codeBits))
      return narrow;
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
    if (std::optional<ElementKind> narrow =
            narrowKind(integer.getWidth(), !isUnsigned, codeBits))
      return narrow;
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

bool entryTakesNarrowCodes(ModuleOp module, llvm::StringRef entry) {
  auto function = module.lookupSymbol<FunctionOpInterface>(entry);
  if (!function)
    return false;
  auto narrow = [](Type type) {
    unsigned bits = 0;
    auto shaped = dyn_cast<ShapedType>(type);
    return shaped && elementKindOf(shaped.getElementType(), &bits) && bits != 0;
  };
  return llvm::any_of(function.getArgumentTypes(), narrow) ||
         llvm::any_of(function.getResultTypes(), narrow);
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
  unsigned codeBits = 0;
  std::optional<ElementKind> kind = elementKindOf(shaped.getElementType(), &codeBits);
  if (!kind) {
    emitError(op->getLoc()) << what << " has element type " << shaped.getElementType()
                    << "; qc-run exchanges int8, uint8, int16, uint16, "
                       "int32, int64, float32 and float64 (quantized types "
                       "by their storage type, 2..15-bit codes one per "
                       "int8/uint8 or int16/uint16 element)";
    return failure();
  }
  TensorSpec spec;
  spec.kind = *kind;
  spec.codeBits = codeBits;
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
    if (!expected.codeBits)
      continue;
    // An out-of-range code would break the N-bit arithmetic of the widened
    // code (docs/Numerics.md, "Storage of narrow types").
    auto [lo, hi] = codeRange(expected);
    for (int64_t e = 0, n = actual.numElements(); e < n; ++e) {
      int64_t code = readCode(actual, e);
      if (code >= lo && code <= hi)
        continue;
      std::string index;
      for (int64_t d = actual.shape.size() - 1, rest = e; d >= 0; --d) {
        index = std::to_string(rest % actual.shape[d]) + (index.empty() ? "" : ", ") + index;
        rest /= actual.shape[d];
      }
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "argument #" + std::to_string(i) + " of @" + signature.name + " ('" +
              sources[i] + "'): element [" + index + "] is " + std::to_string(code) +
              ", outside the " + (isUnsignedKind(expected.kind) ? "u" : "i") +
              std::to_string(expected.codeBits) + " range [" + std::to_string(lo) +
              ", " + std::to_string(hi) + "]");
    }
  }
  return llvm::Error::success();
}

llvm::ArrayRef<HostTensor> toNarrowStorage(const EntrySignature &signature,
                                           llvm::ArrayRef<HostTensor> inputs,
                                           std::vector<HostTensor> &scratch) {
  auto unsignedNarrow = [](const TensorSpec &spec) {
    return spec.codeBits && isUnsignedKind(spec.kind);
  };
  if (llvm::none_of(signature.inputs, unsignedNarrow))
    return inputs;
  scratch.assign(inputs.begin(), inputs.end());
  for (auto [spec, tensor] : llvm::zip(signature.inputs, scratch))
    if (unsignedNarrow(spec))
      for (int64_t e = 0, n = tensor.numElements(); e < n; ++e)
        writeCode(tensor, e, llvm::SignExtend64(readCode(tensor, e), spec.codeBits));
  return scratch;
}

void fromNarrowStorage(const EntrySignature &signature,
                       std::vector<HostTensor> &results) {
  for (auto [spec, tensor] : llvm::zip(signature.results, results)) {
    if (!spec.codeBits)
      continue;
    for (int64_t e = 0, n = tensor.numElements(); e < n; ++e) {
      int64_t code = readCode(tensor, e);
      writeCode(tensor, e,
                isUnsignedKind(spec.kind)
                    ? int64_t(code & ((int64_t(1) << spec.codeBits) - 1))
                    : llvm::SignExtend64(code, spec.codeBits));
    }
  }
}

bool isPackedInt4(const TensorSpec &spec) {
  return spec.codeBits == 4 && !spec.shape.empty();
}

TensorSpec packedInt4Spec(const TensorSpec &spec) {
  TensorSpec packed;
  packed.kind = ElementKind::U8;
  packed.shape = packedInt4Shape(spec.shape);
  return packed;
}

std::string describePackedInt4(const TensorSpec &spec) {
  std::string codes = spec.describe();
  // "int8[2x5] of i4 codes" -> "i4[2x5]".
  std::string shape = codes.substr(codes.find('['));
  shape = shape.substr(0, shape.find(']') + 1);
  return packedInt4Spec(spec).describe() + " (" +
         (isUnsignedKind(spec.kind) ? "u4" : "i4") + shape +
         " packed two per byte)";
}

llvm::Error checkPackedInt4(const EntrySignature &signature) {
  bool any = false;
  auto check = [&](const TensorSpec &spec,
                   const std::string &what) -> llvm::Error {
    if (spec.codeBits != 4)
      return llvm::Error::success();
    any = true;
    if (spec.shape.empty())
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "packed int4: " + what + " of @" + signature.name + " is a scalar (" +
              spec.describe() + "); packing needs a last dimension");
    if (spec.shape.back() == kDynamicSize)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "packed int4: the last dimension of " + what + " of @" +
              signature.name + " (" + spec.describe() +
              ") is dynamic; n cannot be told from ceil(n / 2)");
    return llvm::Error::success();
  };
  for (auto [i, spec] : llvm::enumerate(signature.inputs))
    if (llvm::Error error = check(spec, "argument #" + std::to_string(i)))
      return error;
  for (auto [i, spec] : llvm::enumerate(signature.results))
    if (llvm::Error error = check(spec, "result #" + std::to_string(i)))
      return error;
  if (!any)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "packed int4: @" + signature.name +
            " has no i4 or u4 argument or result to pack");
  return llvm::Error::success();
}

/// "[1, 2]": the index of row-major element `e` of `shape`.
static std::string indexText(llvm::ArrayRef<int64_t> shape, int64_t e) {
  std::string index;
  for (int64_t d = shape.size() - 1, rest = e; d >= 0; --d) {
    index = std::to_string(rest % shape[d]) + (index.empty() ? "" : ", ") + index;
    rest /= shape[d];
  }
  return "[" + index + "]";
}

llvm::Expected<std::vector<HostTensor>>
unpackInt4Inputs(const EntrySignature &signature,
                 llvm::ArrayRef<HostTensor> inputs,
                 llvm::ArrayRef<std::string> sources) {
  std::vector<HostTensor> unpacked(inputs.begin(), inputs.end());
  if (inputs.size() != signature.inputs.size())
    return unpacked;
  for (auto [i, spec] : llvm::enumerate(signature.inputs)) {
    if (!isPackedInt4(spec))
      continue;
    const HostTensor &actual = inputs[i];
    std::string what = "argument #" + std::to_string(i) + " of @" +
                       signature.name + " ('" + sources[i] + "')";
    TensorSpec packed = packedInt4Spec(spec);
    bool matches = actual.kind == ElementKind::U8 &&
                   actual.shape.size() == packed.shape.size();
    for (size_t d = 0; matches && d < actual.shape.size(); ++d)
      matches = packed.shape[d] == kDynamicSize ? actual.shape[d] >= 1
                                                : actual.shape[d] == packed.shape[d];
    if (!matches)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          what + ": expected " + describePackedInt4(spec) + ", got " +
              actual.describe());
    std::vector<int64_t> shape(actual.shape);
    shape.back() = spec.shape.back();
    int64_t bad = unpackInt4(actual, spec.kind, shape, unpacked[i]);
    if (bad >= 0)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          what + ": packed byte " + indexText(actual.shape, bad) + " is " +
              std::to_string(actual.data[bad]) +
              ", but the high nibble of a row's last byte must be 0 (the "
              "last dimension, " +
              std::to_string(spec.shape.back()) + ", is odd)");
  }
  return unpacked;
}

void packInt4Results(const EntrySignature &signature,
                     std::vector<HostTensor> &results) {
  for (auto [spec, tensor] : llvm::zip(signature.results, results))
    if (isPackedInt4(spec))
      tensor = packInt4(tensor);
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
