//===- HadamardOp.cpp - the verifier of qc.hadamard -----------------------===//
#include "qc/Dialect/QC/IR/HadamardMatrix.h"
#include "qc/Dialect/QC/IR/QCOps.h"
#include "Verifiers.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::qc;
using quant::QuantizedType;
using quant::UniformQuantizedType;

/// Storage width and zero point of one side of a quantized qc.hadamard (per
/// tensor only: one multiplier for the whole tensor). The scale needs no
/// check: !quant.uniform itself rejects non-finite and non-positive scales.
static LogicalResult verifySide(HadamardOp op, Type type, StringRef what) {
  auto qtype = dyn_cast<UniformQuantizedType>(getQuantizedElementType(type));
  if (!qtype)
    return op.emitOpError() << what << " must be quantized per tensor";
  unsigned width = qtype.getStorageTypeIntegralWidth();
  if (width < 2 || width > 16)
    return op.emitOpError() << what << " storage width must be in [2, 16], got "
                            << width;
  auto [qmin, qmax] = getStorageRange(qtype);
  if (qtype.getZeroPoint() < qmin || qtype.getZeroPoint() > qmax)
    return op.emitOpError() << what << " zero point " << qtype.getZeroPoint()
                            << " is outside the storage range [" << qmin
                            << ", " << qmax << "]";
  return success();
}

LogicalResult HadamardOp::verify() {
  auto inputType = cast<RankedTensorType>(getInput().getType());
  auto resultType = cast<RankedTensorType>(getResult().getType());
  if (inputType.getShape() != resultType.getShape())
    return emitOpError("operand and result shapes differ");
  if (inputType.getRank() < 1 || inputType.isDynamicDim(inputType.getRank() - 1))
    return emitOpError("the rotated (last) dimension must be static");
  int64_t n = inputType.getShape().back();
  int64_t block = getBlock();
  if (!isSupportedHadamardBlock(block))
    return emitOpError() << "block " << block << " is not a supported Hadamard "
                         << "size: it must be " << describeHadamardBlocks();
  if (n % block != 0)
    return emitOpError() << "block " << block
                         << " must divide the last dimension (size " << n
                         << ")";
  if (std::optional<ArrayRef<bool>> negate = getNegate();
      negate && int64_t(negate->size()) != n)
    return emitOpError() << "negate has " << negate->size()
                         << " entries; the last dimension has " << n;
  QuantizedType in = getQuantizedElementType(inputType);
  QuantizedType out = getQuantizedElementType(resultType);
  if (!in && !out) {
    if (inputType != resultType)
      return emitOpError("float operand and result must have the same type");
    if (getClamp())
      return emitOpError("clamp applies to quantized results only");
    return success();
  }
  if (!in || !out)
    return emitOpError("operand and result must both be float or both quantized");
  if (failed(verifySide(*this, inputType, "operand")) ||
      failed(verifySide(*this, resultType, "result")))
    return failure();
  if (in.getExpressedType() != out.getExpressedType())
    return emitOpError("quantized types must share one expressed type");
  auto [qmin, qmax] = getStorageRange(in);
  int64_t z = cast<UniformQuantizedType>(in).getZeroPoint();
  int64_t magnitude = std::max(std::abs(qmin - z), std::abs(qmax - z));
  if (static_cast<__int128>(block) * magnitude >
      std::numeric_limits<int32_t>::max())
    return emitOpError() << "i32 sums may overflow: block " << block
                         << " times codes of up to " << magnitude
                         << " exceeds 2^31 - 1";
  return qc::detail::verifyClamp(*this, getClamp(), resultType);
}
