//===- Requantization.cpp - real multipliers of the qc ops ----------------===//
#include "qc/Dialect/QC/IR/Requantization.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qc;

static SmallVector<double> scalesOf(Value value) {
  return getScales(getQuantizedElementType(value.getType()));
}

/// Entry `channel` of per-axis scales, the only one of per-tensor scales.
static double at(ArrayRef<double> scales, size_t channel) {
  return scales[scales.size() == 1 ? 0 : channel];
}

static Requantization contraction(Value input, Value weight, Value result) {
  SmallVector<double> sIn = scalesOf(input), sW = scalesOf(weight),
                      sOut = scalesOf(result);
  Requantization r;
  for (size_t c = 0, e = std::max(sW.size(), sOut.size()); c < e; ++c)
    r.reals.push_back(sIn[0] * at(sW, c) / at(sOut, c));
  r.formula = "s_in * s_w / s_out";
  return r;
}

std::optional<Requantization> mlir::qc::getRequantization(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<Requantization>>(op)
      .Case([](MatmulOp matmul) {
        return contraction(matmul.getLhs(), matmul.getRhs(), matmul.getResult());
      })
      .Case([](Conv2DOp conv) {
        return contraction(conv.getInput(), conv.getFilter(), conv.getResult());
      })
      .Case([](RequantizeOp requantize) {
        SmallVector<double> sIn = scalesOf(requantize.getInput()),
                            sOut = scalesOf(requantize.getResult());
        Requantization r;
        for (size_t c = 0, e = std::max(sIn.size(), sOut.size()); c < e; ++c)
          r.reals.push_back(at(sIn, c) / at(sOut, c));
        r.formula = "s_in / s_out";
        return r;
      })
      .Case([](BatchMatmulOp matmul) {
        Requantization r;
        r.reals = {scalesOf(matmul.getLhs())[0] * scalesOf(matmul.getRhs())[0] /
                   scalesOf(matmul.getResult())[0]};
        r.formula = "s_a * s_b / s_out";
        return r;
      })
      .Case([](SoftmaxOp softmax) {
        Requantization r;
        r.reals = {std::ldexp(1.0, -15) / scalesOf(softmax.getResult())[0]};
        r.formula = "2^-15 / s_out";
        return r;
      })
      .Case([](MulOp mul) {
        Requantization r;
        r.reals = {scalesOf(mul.getLhs())[0] * scalesOf(mul.getRhs())[0] /
                   scalesOf(mul.getResult())[0]};
        r.formula = "s_a * s_b / s_out";
        return r;
      })
      .Case([](AddOp add) {
        unsigned widest = std::max(
            getQuantizedElementType(add.getLhs().getType())
                .getStorageTypeIntegralWidth(),
            getQuantizedElementType(add.getRhs().getType())
                .getStorageTypeIntegralWidth());
        Requantization r;
        r.leftShift = widest > 8 ? 15 : 20;
        double sa = scalesOf(add.getLhs())[0], sb = scalesOf(add.getRhs())[0];
        double twiceMax = 2.0 * std::max(sa, sb);
        r.reals = {sa / twiceMax, sb / twiceMax,
                   twiceMax / (static_cast<double>(int64_t{1} << r.leftShift) *
                               scalesOf(add.getResult())[0])};
        r.formula = "s_a / 2max, s_b / 2max, 2max / (2^L s_out)";
        return r;
      })
      .Case([](HadamardOp hadamard) -> std::optional<Requantization> {
        if (!getQuantizedElementType(hadamard.getInput().getType()))
          return std::nullopt;
        Requantization r;
        r.reals = {scalesOf(hadamard.getInput())[0] /
                   (std::sqrt(double(hadamard.getBlock())) *
                    scalesOf(hadamard.getResult())[0])};
        r.formula = "s_in / (sqrt(block) * s_out)";
        return r;
      })
      .Default([](Operation *) { return std::nullopt; });
}
