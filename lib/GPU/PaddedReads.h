//===- PaddedReads.h - a linalg body reading around padding -----*- C++ -*-===//
//
// Private to lib/GPU: what qc-fuse-pooling-padding and
// qc-fuse-padded-buffer-reads build alike when a linalg op stops reading a
// padded operand and reads the operand's source instead: per index a bound
// check against the source (reads outside it stay in bounds at index 0), the
// padding value selected where a check fails, and the op's body cloned with
// that element in place of the padded operand's.
//
//===----------------------------------------------------------------------===//
#ifndef QC_LIB_GPU_PADDEDREADS_H
#define QC_LIB_GPU_PADDEDREADS_H

#include "mlir/IR/Builders.h"

namespace mlir::qc {

/// Builds the bound checks of one read of a padding's source, in a linalg
/// body: `inBounds` per index, then `selectPadding` on the loaded element.
class PaddingGuard {
public:
  /// Creates the index 0 that indices outside the source are clamped to.
  PaddingGuard(OpBuilder &b, Location loc);

  /// `index` (relative to the source's start) if it lies in [0, size), else
  /// 0; folds the check into the one `selectPadding` applies.
  Value inBounds(Value index, Value size);

  /// `element` where every index checked so far was inside the source,
  /// `padding` elsewhere; `element` itself if nothing was checked.
  Value selectPadding(Value element, Value padding);

private:
  OpBuilder &b;
  Location loc;
  Value zero;
  Value inside;
};

/// Clones the linalg body `body` at `b`'s insertion point with block
/// argument `replaced` mapped to `element` and the other arguments, in
/// order, to `args`, and yields what it yielded.
void cloneBodyReplacingArgument(OpBuilder &b, Location loc, Block &body,
                                unsigned replaced, Value element,
                                ValueRange args);

} // namespace mlir::qc

#endif // QC_LIB_GPU_PADDEDREADS_H
