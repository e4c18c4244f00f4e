//===- FoldFakeQuantPatterns.h - shared pieces of qc-fold-fake-quant -*- C++ -*-===//
//
// Private to lib/Dialect/QC/Transforms: the helpers and pattern families of
// --qc-fold-fake-quant, split by op family (boundaries and cleanup in
// FoldFakeQuant.cpp, compute ops in FoldFakeQuantCompute.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef QC_LIB_DIALECT_QC_TRANSFORMS_FOLDFAKEQUANTPATTERNS_H
#define QC_LIB_DIALECT_QC_TRANSFORMS_FOLDFAKEQUANTPATTERNS_H

#include "qc/Dialect/QC/IR/QCOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/DenseMap.h"

#include <memory>
#include <string>

namespace mlir::qc::fold {

/// Why a float op could not become integer, recorded by the patterns that
/// matched it structurally but found the combination of parameters
/// unsupported (e.g. a possible accumulator overflow). The pass reads it for
/// its "stays in float" remark. Shared by the patterns of one pass run;
/// a pass runs on one function per thread, so no locking is needed.
struct FloatReasons {
  llvm::DenseMap<Operation *, std::string> reasons;
};

/// What every pattern family needs.
struct FoldContext {
  RequantProfile profile = RequantProfile::DoubleRound;
  /// Null when the caller does not want the reasons (populate from outside
  /// the pass).
  std::shared_ptr<FloatReasons> floatReasons;
  void noteFloat(Operation *op, StringRef reason) const {
    if (floatReasons)
      floatReasons->reasons[op] = reason.str();
  }
};

/// Ops built without an insertion point, so that the qc verifier can judge
/// them before anything is added to the IR: a pattern that then fails leaves
/// the IR untouched. `commit` inserts them, in creation order, at the
/// rewriter's insertion point; uncommitted ops are destroyed.
class DetachedOps {
public:
  explicit DetachedOps(MLIRContext *context) : builder(context) {}
  DetachedOps(const DetachedOps &) = delete;
  DetachedOps &operator=(const DetachedOps &) = delete;
  ~DetachedOps();

  template <typename OpTy, typename... Args>
  OpTy create(Location loc, Args &&...args) {
    OpTy op = OpTy::create(builder, loc, std::forward<Args>(args)...);
    ops.push_back(op.getOperation());
    return op;
  }

  /// Runs the verifier of every op created so far (not recursively); on
  /// failure returns the first verifier message in `reason`.
  LogicalResult verify(std::string &reason);
  void commit(RewriterBase &rewriter);

private:
  OpBuilder builder;
  SmallVector<Operation *> ops;
};

/// The quantized value behind `value` when it is `qc.dequantize(q)`.
Value getDequantizedSource(Value value);

/// The storage codes behind a quantized value `quant.scast(arith.constant)`,
/// or null when the value is not a compile-time constant.
DenseIntElementsAttr getQuantizedConstant(Value quantized);

/// The elements of a float constant converted to double.
std::optional<SmallVector<double>> getFloatConstantValues(Value value);

/// Builds `arith.constant` of the storage type plus `quant.scast` to
/// `tensor<shape x qtype>` from storage codes.
Value buildQuantizedConstant(DetachedOps &ops, Location loc, ArrayRef<int64_t> shape,
                             quant::QuantizedType qtype, ArrayRef<int64_t> codes);

/// Quantizes the elements `values` of a tensor of `shape` to `qtype` at
/// compile time with numerics::quantizeValue (per axis where `qtype` is).
SmallVector<int64_t> quantizeElements(ArrayRef<double> values, ArrayRef<int64_t> shape,
                                      quant::QuantizedType qtype, RoundingMode rounding);

void populateCleanupPatterns(RewritePatternSet &patterns, const FoldContext &ctx);
void populateComputePatterns(RewritePatternSet &patterns, const FoldContext &ctx);
void populatePropagationPatterns(RewritePatternSet &patterns, const FoldContext &ctx);

} // namespace mlir::qc::fold

#endif // QC_LIB_DIALECT_QC_TRANSFORMS_FOLDFAKEQUANTPATTERNS_H
