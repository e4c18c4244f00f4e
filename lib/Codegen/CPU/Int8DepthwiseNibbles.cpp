//===- Int8DepthwiseNibbles.cpp - 4-bit depthwise weights two per byte ----===//
//
// The depthwise kernel's constant i4/u4 weights in memory two codes per
// byte: each tap's channels in blocks of 32, a 16-byte vector whose low
// nibbles are the block's first 16 channels and whose high nibbles are the
// next 16, so one load gives two accumulator vectors' weights
// (docs/CPUKernels.md, "4-bit weights").
//
//===----------------------------------------------------------------------===//
#include "Int8Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::qc::cpu;

Value qc::cpu::packDepthwiseNibbles(OpBuilder &b, Location loc, Value filter1D,
                                    int64_t channels, bool unsignedCodes) {
  SmallVector<int8_t> codes;
  for (const APInt &v : getConstantThroughReshapes(filter1D).getValues<APInt>())
    codes.push_back(int8_t(v.getSExtValue()));
  int64_t taps = int64_t(codes.size()) / channels;
  int64_t pairs = llvm::divideCeil(channels, 2 * kLanes);
  // A u4 nibble is the code (a widened u4 byte holds it in its low 4 bits),
  // an i4 nibble the code + 8; past the channels the weight is 0.
  int bias = unsignedCodes ? 0 : 8;
  auto nibble = [&](int64_t t, int64_t ch) -> uint8_t {
    int value = ch < channels ? codes[t * channels + ch] : 0;
    return uint8_t(value + bias) & 15;
  };
  std::vector<int8_t> packed;
  packed.reserve(taps * pairs * kLanes);
  for (int64_t t = 0; t < taps; ++t)
    for (int64_t p = 0; p < pairs; ++p)
      for (int64_t lane = 0; lane < kLanes; ++lane) {
        int64_t ch = 2 * p * kLanes + lane;
        packed.push_back(int8_t(nibble(t, ch) | nibble(t, ch + kLanes) << 4));
      }
  auto type = RankedTensorType::get({int64_t(packed.size())}, b.getI8Type());
  return arith::ConstantOp::create(b, loc,
                                   DenseIntElementsAttr::get(type, ArrayRef<int8_t>(packed)));
}
