//===- Shape.cpp - qc reshape/transpose/concat to tensor and linalg -------===//
//
// The shape ops keep the quantization parameters, so on storage types they
// are the plain tensor/linalg data movement ops.
//
//===----------------------------------------------------------------------===//
#include "Lowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::lowering;

namespace {

struct ReshapeOpLowering final : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = dyn_cast_or_null<RankedTensorType>(
        getTypeConverter()->convertType(op.getResult().getType()));
    if (!resultType)
      return rewriter.notifyMatchFailure(op, "result type does not convert");
    Location loc = op.getLoc();
    // Collapse to 1-D then expand: both are row-major, static and fold with
    // neighbouring reshapes. A rank-0 side has one element, so the other is
    // all unit dimensions: an empty reassociation (a view, which the SPIR-V
    // pipeline keeps off the host, unlike tensor.reshape's memref.reshape).
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    if (resultType.getRank() == 0) {
      rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
          op, resultType, input, ArrayRef<ReassociationIndices>{});
      return success();
    }
    if (inputType.getRank() == 0) {
      rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
          op, resultType, input, ArrayRef<ReassociationIndices>{});
      return success();
    }
    Value flat = input;
    if (inputType.getRank() != 1) {
      ReassociationIndices all = llvm::to_vector(llvm::seq<int64_t>(0, inputType.getRank()));
      flat = tensor::CollapseShapeOp::create(rewriter, loc, input,
                                             ArrayRef<ReassociationIndices>{all});
    }
    if (resultType.getRank() == 1) {
      rewriter.replaceOp(op, flat);
      return success();
    }
    ReassociationIndices all = llvm::to_vector(llvm::seq<int64_t>(0, resultType.getRank()));
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, resultType, flat,
                                                       ArrayRef<ReassociationIndices>{all});
    return success();
  }
};

struct TransposeOpLowering final : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = dyn_cast_or_null<RankedTensorType>(
        getTypeConverter()->convertType(op.getResult().getType()));
    if (!resultType)
      return rewriter.notifyMatchFailure(op, "result type does not convert");
    // Same convention as qc.transpose: result dim d is input dim perm[d]
    // (also for dynamic sizes, read from the input).
    SmallVector<OpFoldResult> inputSizes =
        tensor::getMixedSizes(rewriter, op.getLoc(), adaptor.getInput());
    SmallVector<OpFoldResult> sizes;
    for (int64_t source : op.getPermutation())
      sizes.push_back(inputSizes[source]);
    Value init = tensor::EmptyOp::create(rewriter, op.getLoc(), sizes,
                                         resultType.getElementType());
    Value result = linalg::TransposeOp::create(rewriter, op.getLoc(), adaptor.getInput(),
                                               init, op.getPermutation())
                       .getResult()
                       .front();
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ConcatOpLowering final : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = dyn_cast_or_null<RankedTensorType>(
        getTypeConverter()->convertType(op.getResult().getType()));
    int64_t axis = op.getAxis();
    // Dynamic sizes (the batch) are allowed off the concatenation axis.
    if (!resultType || ShapedType::isDynamic(resultType.getDimSize(axis)) ||
        llvm::any_of(adaptor.getInputs(), [&](Value v) {
          return ShapedType::isDynamic(
              cast<RankedTensorType>(v.getType()).getDimSize(axis));
        }))
      return rewriter.notifyMatchFailure(
          op, "dynamic sizes on the concatenation axis are not supported");
    Location loc = op.getLoc();
    int64_t rank = resultType.getRank();
    // insert_slice chains bufferize in place on every backend (tensor.concat
    // does not on all of them).
    SmallVector<OpFoldResult> resultSizes =
        tensor::getMixedSizes(rewriter, loc, adaptor.getInputs().front());
    resultSizes[axis] = rewriter.getIndexAttr(resultType.getDimSize(axis));
    Value result = tensor::EmptyOp::create(rewriter, loc, resultSizes,
                                           resultType.getElementType());
    int64_t offset = 0;
    for (Value input : adaptor.getInputs()) {
      auto inputType = cast<RankedTensorType>(input.getType());
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
      offsets[axis] = rewriter.getIndexAttr(offset);
      SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
      SmallVector<OpFoldResult> sizes =
          tensor::getMixedSizes(rewriter, loc, input);
      result = tensor::InsertSliceOp::create(rewriter, loc, input, result, offsets,
                                             sizes, strides);
      offset += inputType.getDimSize(axis);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void lowering::populateShapePatterns(const TypeConverter &typeConverter,
                                     RewritePatternSet &patterns) {
  patterns.add<ReshapeOpLowering, TransposeOpLowering, ConcatOpLowering>(
      typeConverter, patterns.getContext());
}
