//===- QCShapeOps.cpp - qc pooling and shape ops -------------------------===//
//
// Verifiers, folders and result type inference (InferTypeOpInterface) of
// qc.max_pool2d, qc.avg_pool2d, qc.reshape, qc.transpose and qc.concat: the
// verifiers and the inference share one computation of the result type.
//
//===----------------------------------------------------------------------===//
#include "qc/Dialect/QC/IR/QCOps.h"
#include "Verifiers.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/Support/InterleavedRange.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::detail;
using quant::QuantizedType;
using quant::UniformQuantizedPerAxisType;
using quant::UniformQuantizedType;

/// The `[N, OH, OW, C]` result of a pool over `inputType`, with its element
/// type; fails (through `emitError`) on a window that does not fit.
static FailureOr<RankedTensorType> inferPoolType(EmitErrorFn emitError, Type inputType,
                                                 ArrayRef<int64_t> kernel,
                                                 ArrayRef<int64_t> strides,
                                                 ArrayRef<int64_t> padding) {
  auto input = dyn_cast<RankedTensorType>(inputType);
  if (!input || input.getRank() != 4)
    return emitError() << "input must have rank 4 (NHWC)";
  SmallVector<int64_t> dilations = {1, 1};
  if (failed(verifyWindow(emitError, strides, padding, dilations)))
    return failure();
  if (kernel.size() != 2 || llvm::any_of(kernel, [](int64_t k) { return k <= 0; }))
    return emitError() << "kernel sizes must be positive";
  if (padding[0] >= kernel[0] || padding[1] >= kernel[0] ||
      padding[2] >= kernel[1] || padding[3] >= kernel[1])
    return emitError() << "padding must be smaller than the kernel";
  SmallVector<int64_t> shape = {input.getDimSize(0), 0, 0, input.getDimSize(3)};
  for (int i = 0; i < 2; ++i) {
    int64_t in = input.getDimSize(1 + i);
    if (ShapedType::isDynamic(in)) {
      shape[1 + i] = ShapedType::kDynamic;
      continue;
    }
    shape[1 + i] = convOutputSize(in, padding[2 * i], padding[2 * i + 1], 1, kernel[i],
                                  strides[i]);
    if (shape[1 + i] <= 0)
      return emitError() << "window is larger than the padded input";
  }
  return RankedTensorType::get(shape, input.getElementType());
}

/// Errors of result type inference, which may run before the op exists (in a
/// builder): at `location`, or at an unknown location without one.
static auto inferenceErrors(MLIRContext *context, std::optional<Location> location) {
  return [=] { return mlir::emitError(location.value_or(UnknownLoc::get(context))); };
}

static LogicalResult addInferred(FailureOr<RankedTensorType> type,
                                 SmallVectorImpl<Type> &inferredReturnTypes) {
  if (failed(type))
    return failure();
  inferredReturnTypes.push_back(*type);
  return success();
}

/// Inferred and written result types agree when they have one element type
/// and compatible shapes (a written dimension may stay dynamic).
static bool isCompatibleTensorResult(TypeRange inferred, TypeRange actual) {
  if (inferred.size() != 1 || actual.size() != 1)
    return false;
  auto lhs = dyn_cast<RankedTensorType>(inferred.front());
  auto rhs = dyn_cast<RankedTensorType>(actual.front());
  return lhs && rhs && lhs.getElementType() == rhs.getElementType() &&
         succeeded(verifyCompatibleShape(lhs.getShape(), rhs.getShape()));
}

/// The rules max and average pooling share: quantized tensors, a window
/// that fits the padded input, one quantization for input and result.
template <typename PoolOp>
static LogicalResult verifyPool(PoolOp op) {
  if (failed(verifyAllQuantizedTensors(op)) ||
      failed(inferPoolType([&] { return op.emitOpError(); }, op.getInput().getType(),
                           op.getKernel(), op.getStrides(), op.getPadding())))
    return failure();
  return verifyPerTensor(op, op.getInput().getType(), "operand");
}

template <typename PoolAdaptor>
static LogicalResult inferPoolReturnTypes(MLIRContext *context,
                                          std::optional<Location> location,
                                          PoolAdaptor adaptor,
                                          SmallVectorImpl<Type> &inferredReturnTypes) {
  return addInferred(inferPoolType(inferenceErrors(context, location),
                                   adaptor.getInput().getType(), adaptor.getKernel(),
                                   adaptor.getStrides(), adaptor.getPadding()),
                     inferredReturnTypes);
}

LogicalResult MaxPool2DOp::verify() { return verifyPool(*this); }

LogicalResult MaxPool2DOp::inferReturnTypes(MLIRContext *context,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferredReturnTypes) {
  return inferPoolReturnTypes(context, location, adaptor, inferredReturnTypes);
}

bool MaxPool2DOp::isCompatibleReturnTypes(TypeRange l, TypeRange r) {
  return isCompatibleTensorResult(l, r);
}

LogicalResult AvgPool2DOp::verify() {
  if (getRounding() == RoundingMode::HalfUp)
    return emitOpError("rounding must be half_away (TFLite) or half_even (ONNX Runtime), "
                       "got half_up");
  return verifyPool(*this);
}

LogicalResult AvgPool2DOp::inferReturnTypes(MLIRContext *context,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferredReturnTypes) {
  return inferPoolReturnTypes(context, location, adaptor, inferredReturnTypes);
}

bool AvgPool2DOp::isCompatibleReturnTypes(TypeRange l, TypeRange r) {
  return isCompatibleTensorResult(l, r);
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  if (failed(verifyAllQuantizedTensors(*this)))
    return failure();
  auto inputType = getInput().getType(), resultType = getResult().getType();
  if (!inputType.hasStaticShape() || !resultType.hasStaticShape())
    return emitOpError("shapes must be static");
  if (inputType.getNumElements() != resultType.getNumElements())
    return emitOpError() << "element counts differ: " << inputType.getNumElements()
                         << " vs " << resultType.getNumElements();
  if (failed(verifyPerTensor(*this, inputType, "operand")))
    return failure();
  if (inputType.getElementType() != resultType.getElementType())
    return emitOpError("operand and result must have the same quantized type");
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

/// The permuted type; a per-axis axis moves with its dimension.
static FailureOr<RankedTensorType> inferTransposeType(EmitErrorFn emitError,
                                                      Type inputType,
                                                      ArrayRef<int64_t> perm) {
  auto input = dyn_cast<RankedTensorType>(inputType);
  if (!input)
    return emitError() << "operand must be a ranked tensor";
  int64_t rank = input.getRank();
  if (static_cast<int64_t>(perm.size()) != rank)
    return emitError() << "permutation size must equal the rank";
  SmallVector<bool> seen(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p])
      return emitError() << "[" << llvm::interleaved(perm)
                         << "] is not a permutation of 0.." << rank - 1;
    seen[p] = true;
  }
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(input.getDimSize(p));
  Type element = input.getElementType();
  if (auto axis = dyn_cast<UniformQuantizedPerAxisType>(element)) {
    int64_t moved = llvm::find(perm, axis.getQuantizedDimension()) - perm.begin();
    element = UniformQuantizedPerAxisType::get(
        axis.getFlags(), axis.getStorageType(), axis.getExpressedType(),
        axis.getScales(), axis.getZeroPoints(), moved, axis.getStorageTypeMin(),
        axis.getStorageTypeMax());
  }
  return RankedTensorType::get(shape, element);
}

LogicalResult TransposeOp::verify() {
  if (failed(verifyAllQuantizedTensors(*this)))
    return failure();
  return inferTransposeType([&] { return emitOpError(); }, getInput().getType(),
                            getPermutation());
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *context,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferredReturnTypes) {
  return addInferred(inferTransposeType(inferenceErrors(context, location),
                                        adaptor.getInput().getType(),
                                        adaptor.getPermutation()),
                     inferredReturnTypes);
}

/// The operands' shape with dimension `axis` summed (dynamic if any operand's
/// is), and their common element type.
static FailureOr<RankedTensorType> inferConcatType(EmitErrorFn emitError,
                                                   TypeRange inputTypes,
                                                   IntegerAttr axisAttr) {
  if (inputTypes.empty())
    return emitError() << "needs at least one operand";
  auto first = dyn_cast<RankedTensorType>(inputTypes.front());
  if (!first || !axisAttr)
    return emitError() << "needs ranked tensor operands and an axis";
  int64_t rank = first.getRank(), axis = axisAttr.getInt();
  if (axis < 0 || axis >= rank)
    return emitError() << "axis " << axis << " is outside the rank " << rank;
  SmallVector<int64_t> shape(first.getShape());
  shape[axis] = 0;
  for (Type type : inputTypes) {
    auto inputType = dyn_cast<RankedTensorType>(type);
    if (!inputType || inputType.getElementType() != first.getElementType())
      return emitError() << "all operands must have one quantized type "
                            "(requantize first)";
    if (inputType.getRank() != rank)
      return emitError() << "all operands must have one rank";
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && inputType.getDimSize(d) != first.getDimSize(d))
        return emitError() << "dimension " << d << " must agree between the operands";
    shape[axis] = ShapedType::isDynamic(shape[axis]) || inputType.isDynamicDim(axis)
                      ? ShapedType::kDynamic
                      : shape[axis] + inputType.getDimSize(axis);
  }
  return RankedTensorType::get(shape, first.getElementType());
}

LogicalResult ConcatOp::verify() {
  if (failed(verifyAllQuantizedTensors(*this)) ||
      failed(inferConcatType([&] { return emitOpError(); }, getInputs().getTypes(),
                             getAxisAttr())))
    return failure();
  return verifyPerTensor(*this, getResult().getType(), "result");
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *context,
                                         std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferredReturnTypes) {
  return addInferred(inferConcatType(inferenceErrors(context, location),
                                     adaptor.getInputs().getTypes(), adaptor.getAxisAttr()),
                     inferredReturnTypes);
}

bool ConcatOp::isCompatibleReturnTypes(TypeRange l, TypeRange r) {
  return isCompatibleTensorResult(l, r);
}
