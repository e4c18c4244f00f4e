//===- QCToLinalg.cpp - the --qc-lower-to-linalg pass and type converter --===//
#include "qc/Conversion/QCToLinalg/QCToLinalg.h"
#include "Lowering.h"
#include "qc/Conversion/Passes.h"
#include "qc/Support/ChangeTracking.h"

#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCLOWERTOLINALG
#include "qc/Conversion/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;
using namespace mlir::qc;
using quant::QuantizedType;

QCToLinalgTypeConverter::QCToLinalgTypeConverter() {
  addConversion([](Type type) { return type; });
  addConversion([](QuantizedType type) -> Type {
    return lowering::getStorageType(type);
  });
  addConversion([](RankedTensorType type) -> Type {
    if (auto qtype = dyn_cast<QuantizedType>(type.getElementType()))
      return type.clone(lowering::getStorageType(qtype));
    return type;
  });
}

namespace {
/// quant.scast only reinterprets storage codes: after the type conversion
/// both sides have the same storage type and the op disappears.
struct StorageCastLowering final : OpConversionPattern<quant::StorageCastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(quant::StorageCastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type resultType = getTypeConverter()->convertType(op.getType());
    if (!resultType || resultType != adaptor.getInput().getType())
      return rewriter.notifyMatchFailure(
          op, "storage types differ (only !quant.uniform <-> its storage type "
              "is an identity)");
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};
} // namespace

void qc::populateQCToLinalgConversionPatterns(TypeConverter &typeConverter,
                                              RewritePatternSet &patterns,
                                              const QCToLinalgOptions &options) {
  patterns.add<StorageCastLowering>(typeConverter, patterns.getContext());
  lowering::populateContractionPatterns(typeConverter, patterns,
                                        options.foldConstantWeights);
  lowering::populateElementwisePatterns(typeConverter, patterns);
  lowering::populatePoolingPatterns(typeConverter, patterns);
  lowering::populateNonlinearPatterns(typeConverter, patterns, options.splitRowReductions,
                                     options.wideDivision);
  lowering::populateShapePatterns(typeConverter, patterns);
  lowering::populateHadamardPatterns(typeConverter, patterns);
  populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                 typeConverter);
  populateCallOpTypeConversionPattern(patterns, typeConverter);
  populateReturnOpTypeConversionPattern(patterns, typeConverter);
}

void qc::configureQCToLinalgTarget(ConversionTarget &target,
                                   const TypeConverter &typeConverter) {
  // Every qc op has a lowering and quant ops other than scast carry float
  // semantics qc does not implement: none may survive.
  target.addIllegalDialect<QCDialect, quant::QuantDialect>();
  // Functions are legal once their signature is; every other op (arith,
  // linalg, tensor, math, func.call/return, ops of unrelated dialects) is
  // legal exactly when none of its operands or results keeps a quantized
  // type, so a quantized value flowing into an op qc cannot rewrite (scf.for,
  // tensor.extract, ...) is reported instead of being left half converted.
  target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
    return typeConverter.isSignatureLegal(op.getFunctionType()) &&
           typeConverter.isLegal(&op.getBody());
  });
  target.markUnknownOpDynamicallyLegal(
      [&](Operation *op) { return typeConverter.isLegal(op); });
}

namespace {
struct QCLowerToLinalgPass final
    : qc::impl::QCLowerToLinalgBase<QCLowerToLinalgPass> {
  using QCLowerToLinalgBase::QCLowerToLinalgBase;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    QCToLinalgTypeConverter typeConverter;
    ConversionTarget target(*context);
    configureQCToLinalgTarget(target, typeConverter);
    RewritePatternSet patterns(context);
    QCToLinalgOptions options;
    options.foldConstantWeights = foldConstantWeights;
    options.splitRowReductions = splitRowReductions;
    options.wideDivision = wideDivision;
    populateQCToLinalgConversionPatterns(typeConverter, patterns, options);
    // What importers emit for quantization has no integer lowering by
    // design; say which pass turns it into qc ops instead of "failed to
    // legalize".
    WalkResult unfolded = getOperation()->walk([](Operation *op) {
      if (!isa<FakeQuantOp, quant::QuantizeCastOp, quant::DequantizeCastOp>(op))
        return WalkResult::advance();
      op->emitError() << "'" << op->getName()
                      << "' has no integer lowering: fold fake quantization "
                         "into integer qc ops first (--qc-fold-fake-quant)";
      return WalkResult::interrupt();
    });
    if (unfolded.wasInterrupted())
      return signalPassFailure();
    // Full conversion: a quantized type left anywhere would reach the
    // bufferization and LLVM lowerings, which cannot handle it.
    // On linalg input (no qc op) the conversion changes nothing, which the
    // listener tells.
    qc::ChangeListener listener;
    ConversionConfig config;
    config.listener = &listener;
    if (failed(applyFullConversion(getOperation(), target, std::move(patterns),
                                   config)))
      return signalPassFailure();
    // A zero pad that a qc.hadamard's lowering read through (Hadamard.cpp)
    // is dead now: erase it, or bufferization would still fill and copy it.
    bool erasedPads = false;
    getOperation()->walk([&](tensor::PadOp pad) {
      if (pad->use_empty()) {
        pad->erase();
        erasedPads = true;
      }
    });
    if (!listener.changed() && !erasedPads)
      markAllAnalysesPreserved();
  }
};
} // namespace
