//===- FoldFakeQuantTable.cpp - elementwise functions to qc.table -----------===//
//
// quantize(generic(dequantize(q), scalar constants...)) where the generic is
// elementwise: the body is interpreted in double precision for each of the
// 2^bits input codes and the results quantized into a qc.table. Anything an
// arith / math body computes works (sigmoid, tanh, GELU, hardswish, SiLU,
// exp, reciprocal, ...); an op the interpreter does not know keeps the
// generic in float with a remark naming it.
//
//===----------------------------------------------------------------------===//
#include "FoldFakeQuantPatterns.h"
#include "qc/Numerics/FixedPoint.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qc;
using namespace mlir::qc::fold;
using quant::QuantizedType;

namespace {

/// Rounds `v` to the float type `type` (the semantics of arith.truncf into
/// f16 / bf16 / f32), widened back to double.
double roundTo(double v, Type type) {
  auto floatType = dyn_cast<FloatType>(type);
  if (!floatType || floatType.isF64())
    return v;
  APFloat value(v);
  bool losesInfo = false;
  value.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven, &losesInfo);
  value.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &losesInfo);
  return value.convertToDouble();
}

bool compare(arith::CmpFPredicate p, double a, double b) {
  using P = arith::CmpFPredicate;
  bool unordered = std::isnan(a) || std::isnan(b);
  switch (p) {
  case P::AlwaysFalse: return false;
  case P::AlwaysTrue: return true;
  case P::OEQ: return !unordered && a == b;
  case P::OGT: return !unordered && a > b;
  case P::OGE: return !unordered && a >= b;
  case P::OLT: return !unordered && a < b;
  case P::OLE: return !unordered && a <= b;
  case P::ONE: return !unordered && a != b;
  case P::ORD: return !unordered;
  case P::UEQ: return unordered || a == b;
  case P::UGT: return unordered || a > b;
  case P::UGE: return unordered || a >= b;
  case P::ULT: return unordered || a < b;
  case P::ULE: return unordered || a <= b;
  case P::UNE: return unordered || a != b;
  case P::UNO: return unordered;
  }
  return false;
}

/// IEEE maximum / minimum (NaN-propagating, -0 < +0) and maxnum / minnum.
double maximum(double a, double b) {
  if (std::isnan(a) || std::isnan(b))
    return NAN;
  if (a == b)
    return std::signbit(a) ? b : a;
  return std::max(a, b);
}
double minimum(double a, double b) {
  if (std::isnan(a) || std::isnan(b))
    return NAN;
  if (a == b)
    return std::signbit(a) ? a : b;
  return std::min(a, b);
}

/// The scalar body of an elementwise generic evaluated in double. Values
/// defined outside the body must be scalar float constants.
class BodyInterpreter {
public:
  explicit BodyInterpreter(Block *body) : body(body) {}

  /// Checks once that every op is known; `reason` names the first one that
  /// is not.
  LogicalResult check(std::string &reason) {
    for (Operation &op : body->without_terminator()) {
      if (!isKnown(&op)) {
        reason = "'" + op.getName().getStringRef().str() +
                 "' cannot be evaluated at compile time for a table";
        return failure();
      }
      for (Value operand : op.getOperands())
        if (operand.getParentBlock() != body && !getScalarFloatConstant(operand)) {
          reason = "the body reads a value from outside that is not a scalar constant";
          return failure();
        }
    }
    return success();
  }

  /// f(args) with the block arguments bound to `args`.
  double run(ArrayRef<double> args) {
    llvm::DenseMap<Value, double> env;
    for (auto [arg, v] : llvm::zip(body->getArguments(), args))
      env[arg] = v;
    auto get = [&](Value v) {
      auto it = env.find(v);
      if (it != env.end())
        return it->second;
      return *getScalarFloatConstant(v);
    };
    for (Operation &op : body->without_terminator())
      env[op.getResult(0)] = evaluate(&op, get);
    return get(body->getTerminator()->getOperand(0));
  }

private:
  static bool isKnown(Operation *op) {
    if (op->getNumResults() != 1)
      return false;
    if (auto constant = dyn_cast<arith::ConstantOp>(op))
      return isa<FloatAttr>(constant.getValue());
    return isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::DivFOp, arith::RemFOp,
               arith::NegFOp, arith::MaximumFOp, arith::MinimumFOp, arith::MaxNumFOp,
               arith::MinNumFOp, arith::SelectOp, arith::CmpFOp, arith::TruncFOp,
               arith::ExtFOp, math::ExpOp, math::Exp2Op, math::ExpM1Op, math::LogOp,
               math::Log1pOp, math::Log2Op, math::Log10Op, math::TanhOp, math::SinhOp,
               math::CoshOp, math::SinOp, math::CosOp, math::TanOp, math::AtanOp,
               math::Atan2Op, math::ErfOp, math::ErfcOp, math::SqrtOp, math::RsqrtOp,
               math::CbrtOp, math::AbsFOp, math::PowFOp, math::CeilOp, math::FloorOp,
               math::RoundOp, math::RoundEvenOp, math::TruncOp, math::CopySignOp,
               math::FmaOp>(op);
  }

  template <typename Get>
  static double evaluate(Operation *op, Get get) {
    auto a = [&](unsigned i) { return get(op->getOperand(i)); };
    return llvm::TypeSwitch<Operation *, double>(op)
        .Case([&](arith::ConstantOp c) {
          return cast<FloatAttr>(c.getValue()).getValueAsDouble();
        })
        .Case([&](arith::AddFOp) { return a(0) + a(1); })
        .Case([&](arith::SubFOp) { return a(0) - a(1); })
        .Case([&](arith::MulFOp) { return a(0) * a(1); })
        .Case([&](arith::DivFOp) { return a(0) / a(1); })
        .Case([&](arith::RemFOp) { return std::fmod(a(0), a(1)); })
        .Case([&](arith::NegFOp) { return -a(0); })
        .Case([&](arith::MaximumFOp) { return maximum(a(0), a(1)); })
        .Case([&](arith::MinimumFOp) { return minimum(a(0), a(1)); })
        .Case([&](arith::MaxNumFOp) { return std::fmax(a(0), a(1)); })
        .Case([&](arith::MinNumFOp) { return std::fmin(a(0), a(1)); })
        .Case([&](arith::SelectOp) { return a(0) != 0.0 ? a(1) : a(2); })
        .Case([&](arith::CmpFOp cmp) {
          return compare(cmp.getPredicate(), a(0), a(1)) ? 1.0 : 0.0;
        })
        .Case([&](arith::TruncFOp t) { return roundTo(a(0), t.getType()); })
        .Case([&](arith::ExtFOp) { return a(0); })
        .Case([&](math::ExpOp) { return std::exp(a(0)); })
        .Case([&](math::Exp2Op) { return std::exp2(a(0)); })
        .Case([&](math::ExpM1Op) { return std::expm1(a(0)); })
        .Case([&](math::LogOp) { return std::log(a(0)); })
        .Case([&](math::Log1pOp) { return std::log1p(a(0)); })
        .Case([&](math::Log2Op) { return std::log2(a(0)); })
        .Case([&](math::Log10Op) { return std::log10(a(0)); })
        .Case([&](math::TanhOp) { return std::tanh(a(0)); })
        .Case([&](math::SinhOp) { return std::sinh(a(0)); })
        .Case([&](math::CoshOp) { return std::cosh(a(0)); })
        .Case([&](math::SinOp) { return std::sin(a(0)); })
        .Case([&](math::CosOp) { return std::cos(a(0)); })
        .Case([&](math::TanOp) { return std::tan(a(0)); })
        .Case([&](math::AtanOp) { return std::atan(a(0)); })
        .Case([&](math::Atan2Op) { return std::atan2(a(0), a(1)); })
        .Case([&](math::ErfOp) { return std::erf(a(0)); })
        .Case([&](math::ErfcOp) { return std::erfc(a(0)); })
        .Case([&](math::SqrtOp) { return std::sqrt(a(0)); })
        .Case([&](math::RsqrtOp) { return 1.0 / std::sqrt(a(0)); })
        .Case([&](math::CbrtOp) { return std::cbrt(a(0)); })
        .Case([&](math::AbsFOp) { return std::fabs(a(0)); })
        .Case([&](math::PowFOp) { return std::pow(a(0), a(1)); })
        .Case([&](math::CeilOp) { return std::ceil(a(0)); })
        .Case([&](math::FloorOp) { return std::floor(a(0)); })
        .Case([&](math::RoundOp) { return std::round(a(0)); })
        .Case([&](math::RoundEvenOp) { return std::nearbyint(a(0)); })
        .Case([&](math::TruncOp) { return std::trunc(a(0)); })
        .Case([&](math::CopySignOp) { return std::copysign(a(0), a(1)); })
        .Case([&](math::FmaOp) { return std::fma(a(0), a(1), a(2)); })
        .Default([](Operation *) -> double { llvm_unreachable("checked by isKnown"); });
  }

  Block *body;
};

struct ElementwiseToTable final : OpRewritePattern<QuantizeOp> {
  // Below the other elementwise patterns: a clamp is a qc.clamp, not a table.
  ElementwiseToTable(MLIRContext *context, const FoldContext &ctx)
      : OpRewritePattern(context, /*benefit=*/0), ctx(ctx) {}

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto generic = op.getInput().getDefiningOp<linalg::GenericOp>();
    if (!generic || generic->getNumResults() != 1 || generic.getNumDpsInits() != 1 ||
        !isAllParallel(generic) ||
        !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0)).isIdentity())
      return rewriter.notifyMatchFailure(op, "not quantize(elementwise generic)");
    // One dequantized value (possibly read several times through identity
    // maps) and scalar constants.
    Value source;
    SmallVector<std::optional<double>> constants;
    for (OpOperand *input : generic.getDpsInputOperands()) {
      Value v = input->get();
      if (std::optional<double> c = getScalarFloatConstant(v)) {
        constants.push_back(c);
        continue;
      }
      Value q = getDequantizedSource(v);
      if (!q || (source && q != source) ||
          !generic.getMatchingIndexingMap(input).isIdentity())
        return rewriter.notifyMatchFailure(op, "not a function of one dequantized value");
      source = q;
      constants.push_back(std::nullopt);
    }
    if (!source)
      return rewriter.notifyMatchFailure(op, "no dequantized input");
    // A clamp is qc.clamp's (or the producer's output clamp): no table, and
    // no reason of this pattern in the remark.
    ClampRange range;
    bool peeled = false;
    (void)peelClamps(op.getInput(), range, peeled);
    if (peeled)
      return rewriter.notifyMatchFailure(op, "a clamp");
    if (!op.getInput().hasOneUse()) {
      ctx.noteFloat(generic, "its result is also used in float");
      return rewriter.notifyMatchFailure(op, "generic used elsewhere");
    }
    QuantizedType inType = getQuantizedElementType(source.getType());
    QuantizedType outType = getQuantizedElementType(op.getType());
    if (isa<quant::UniformQuantizedPerAxisType>(inType) ||
        isa<quant::UniformQuantizedPerAxisType>(outType)) {
      ctx.noteFloat(generic, "a table needs per-tensor parameters");
      return rewriter.notifyMatchFailure(op, "per-axis parameters");
    }
    unsigned bits = inType.getStorageTypeIntegralWidth();
    if (bits > 16) {
      ctx.noteFloat(generic, "a table needs an input of at most 16 bits");
      return rewriter.notifyMatchFailure(op, "input too wide");
    }
    BodyInterpreter interpreter(generic.getBody());
    std::string reason;
    if (failed(interpreter.check(reason))) {
      ctx.noteFloat(generic, reason);
      return rewriter.notifyMatchFailure(op, reason);
    }
    double sIn = getScales(inType)[0], sOut = getScales(outType)[0];
    int64_t zIn = getZeroPoints(inType)[0], zOut = getZeroPoints(outType)[0];
    auto [qmin, qmax] = getStorageRange(outType);
    int64_t first = inType.isSigned() ? -(int64_t{1} << (bits - 1)) : 0;
    SmallVector<int32_t> entries;
    SmallVector<double> args(constants.size() + 1, 0.0);
    for (int64_t i = 0, e = int64_t{1} << bits; i < e; ++i) {
      double x = static_cast<double>(first + i - zIn) * sIn;
      for (auto [k, c] : llvm::enumerate(constants))
        args[k] = c ? *c : x;
      double y = interpreter.run(args);
      if (std::isnan(y)) {
        ctx.noteFloat(generic, "the function is NaN at input code " +
                                   std::to_string(first + i));
        return rewriter.notifyMatchFailure(op, "NaN");
      }
      // Infinite or huge values saturate like any other.
      double clampedQuotient = std::clamp(y / sOut, -0x1p62, 0x1p62);
      entries.push_back(static_cast<int32_t>(numerics::quantizeValue(
          clampedQuotient, 1.0, zOut, qmin, qmax, op.getRounding())));
    }
    auto tableType = RankedTensorType::get({static_cast<int64_t>(entries.size())},
                                           rewriter.getI32Type());
    DetachedOps ops(getContext());
    auto table = ops.create<TableOp>(generic.getLoc(), op.getType(), source,
                                     DenseIntElementsAttr::get(tableType, ArrayRef(entries)));
    return commitOrExplain(rewriter, ops, table, op, generic, ctx);
  }
  FoldContext ctx;
};

} // namespace

void fold::populateTablePatterns(RewritePatternSet &patterns, const FoldContext &ctx) {
  patterns.add<ElementwiseToTable>(patterns.getContext(), ctx);
}
