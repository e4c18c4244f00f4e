//===- PackWeights.cpp - 4-bit packed and codebook weights (--qc-pack-weights)
//
// After --qc-lower-to-linalg a quantized contraction is a raw linalg.matmul
// or conv_2d_nhwc_hwcf of storage codes into i32. When its constant weight
// has few distinct codes, the codes are stored as indices into a codebook
// of codes, and the kernel looks every weight up while it multiplies, so
// the sum of products (and every integer result) is unchanged:
//
//   int4 weights           the 4-bit code itself, two per byte, sign- (or
//                          zero-) extended in the kernel: no codebook
//   <= 16 codes (tensor    u4 indices, two per byte, into a codebook of 16
//   or every channel)      codes (one per tensor or one per output channel)
//   <= 256 codes, 16-bit   u8 indices into a codebook of 256 codes
//   weights
//
// Contractions whose activation and weight codes differ in signedness
// (u8 activations x i8 weights) have no named linalg form: the lowering
// emits a matmul-shaped linalg.generic (maps (m, k), (k, n) -> (m, n), body
// acc + ext(a) * ext(w)), which is matched here too, each side keeping its
// own extension.
//
// Packed layout: the weight is read as [R, F] (R = K, or KH*KW*C for a
// filter, r = (kh*KW + kw)*C + c), stored output channel by output channel
// as [F, ceil(R/2)] bytes; entry (r, f) is the low nibble of byte (f, r/2)
// when r is even and the high nibble when it is odd.
//
//===----------------------------------------------------------------------===//
#include "qc/Dialect/QC/Transforms/Passes.h"
#include "qc/Support/PassStatistics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/FormatVariadic.h"

#include <map>

namespace mlir::qc {
#define GEN_PASS_DEF_QCPACKWEIGHTS
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;
using namespace mlir::qc;

namespace {

/// A raw contraction of codes by a constant weight read as [R, F].
struct Contraction {
  Operation *op;
  Value input, init;
  DenseIntElementsAttr weight;
  IntegerType weightType;
  int64_t r = 0, f = 0;
  /// How the kernel extends the activation and the weight codes.
  bool inputUnsigned = false, weightUnsigned = false;
  bool isConv = false;
  int64_t kw = 0, c = 0;
  int64_t strides[2] = {1, 1}, dilations[2] = {1, 1};
};

bool isStaticInt(Type type, unsigned width = 0) {
  auto t = dyn_cast<RankedTensorType>(type);
  if (!t || !t.hasStaticShape() || !isa<IntegerType>(t.getElementType()))
    return false;
  return width == 0 || t.getElementType().isInteger(width);
}

/// The block argument `v` extends to i32 (or is, when already i32); sets
/// `isUnsigned` from the extension.
bool extendedArg(Value v, BlockArgument arg, bool &isUnsigned) {
  isUnsigned = false;
  if (Operation *def = v.getDefiningOp()) {
    if (!isa<arith::ExtUIOp, arith::ExtSIOp>(def))
      return false;
    isUnsigned = isa<arith::ExtUIOp>(def);
    v = def->getOperand(0);
  }
  return v == arg;
}

/// A linalg.generic that is a matmul of codes into i32 with one extension
/// per side (the lowering's mixed-signedness form); sets the signedness.
bool matchMixedMatmul(linalg::GenericOp generic, Contraction &mm) {
  if (generic.getNumDpsInputs() != 2 || generic.getNumDpsInits() != 1 ||
      generic.getNumLoops() != 3 || generic.getNumResults() != 1)
    return false;
  auto it = generic.getIteratorTypesArray();
  if (it[0] != utils::IteratorType::parallel ||
      it[1] != utils::IteratorType::parallel ||
      it[2] != utils::IteratorType::reduction)
    return false;
  MLIRContext *ctx = generic.getContext();
  AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
             k = getAffineDimExpr(2, ctx);
  SmallVector<AffineMap> want = {AffineMap::get(3, 0, {m, k}, ctx),
                                 AffineMap::get(3, 0, {k, n}, ctx),
                                 AffineMap::get(3, 0, {m, n}, ctx)};
  if (generic.getIndexingMapsArray() != want)
    return false;
  Block &body = generic.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getNumOperands() == 1
                 ? yield.getOperand(0).getDefiningOp<arith::AddIOp>()
                 : nullptr;
  if (!add || body.getOperations().size() > 6)
    return false;
  Value acc = add.getLhs(), prod = add.getRhs();
  if (acc != body.getArgument(2))
    std::swap(acc, prod);
  auto mul = prod.getDefiningOp<arith::MulIOp>();
  if (acc != body.getArgument(2) || !mul)
    return false;
  return extendedArg(mul.getLhs(), body.getArgument(0), mm.inputUnsigned) &&
         extendedArg(mul.getRhs(), body.getArgument(1), mm.weightUnsigned);
}

std::optional<Contraction> match(Operation *op) {
  Contraction mm;
  mm.op = op;
  if (auto matmul = dyn_cast<linalg::MatmulOp>(op)) {
    if (matmul.hasUserDefinedMaps())
      return std::nullopt;
    mm.inputUnsigned = mm.weightUnsigned =
        matmul.getCast() == linalg::TypeFn::cast_unsigned;
  } else if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
    if (!matchMixedMatmul(generic, mm))
      return std::nullopt;
  } else if (!isa<linalg::Conv2DNhwcHwcfOp>(op)) {
    return std::nullopt;
  }
  auto dps = cast<linalg::LinalgOp>(op);
  Value input = dps.getDpsInputs()[0], weight = dps.getDpsInputs()[1];
  Value init = dps.getDpsInits()[0];
  if (!isStaticInt(input.getType()) || !isStaticInt(weight.getType()) ||
      !isStaticInt(init.getType(), 32))
    return std::nullopt;
  if (!matchPattern(weight, m_Constant(&mm.weight)))
    return std::nullopt;
  auto wType = cast<RankedTensorType>(weight.getType());
  mm.weightType = cast<IntegerType>(wType.getElementType());
  unsigned width = mm.weightType.getWidth();
  if (width != 4 && width != 8 && width != 16)
    return std::nullopt;
  mm.input = input;
  mm.init = init;
  mm.f = wType.getShape().back();
  mm.r = wType.getNumElements() / std::max<int64_t>(mm.f, 1);
  if (auto conv = dyn_cast<linalg::Conv2DNhwcHwcfOp>(op)) {
    mm.isConv = true;
    mm.kw = wType.getDimSize(1);
    mm.c = wType.getDimSize(2);
    for (int i = 0; i < 2; ++i) {
      mm.strides[i] = conv.getStrides().getValues<int64_t>()[i];
      mm.dilations[i] = conv.getDilations().getValues<int64_t>()[i];
    }
  }
  return mm;
}

/// How the weight is stored.
struct Encoding {
  enum class Kind { Int4, Codebook4, Codebook8 } kind;
  bool perChannel = false;
  /// Codebook [1 or F, 16 or 256] and per-element index (row-major [R, F]).
  std::vector<int64_t> codebook;
  std::vector<int64_t> index;
  int64_t entries = 0; // codebook entries per codebook
};

/// Builds u4/u8 indices and codebooks with at most `limit` entries per
/// codebook, per tensor if possible, else per output channel.
std::optional<Encoding> buildCodebook(const Contraction &mm,
                                      ArrayRef<int64_t> codes, int64_t limit) {
  for (bool perChannel : {false, true}) {
    Encoding enc;
    enc.kind = limit == 16 ? Encoding::Kind::Codebook4
                           : Encoding::Kind::Codebook8;
    enc.perChannel = perChannel;
    enc.entries = limit;
    int64_t books = perChannel ? mm.f : 1;
    enc.codebook.assign(books * limit, 0);
    enc.index.assign(codes.size(), 0);
    bool fits = true;
    // Channel b's elements are b, b + F, ... (every element per tensor).
    int64_t step = perChannel ? mm.f : 1;
    for (int64_t b = 0; b < books && fits; ++b) {
      std::map<int64_t, int64_t> slot;
      for (int64_t i = b; i < int64_t(codes.size()); i += step)
        if (slot.try_emplace(codes[i], 0).second && int64_t(slot.size()) > limit)
          break;
      if (int64_t(slot.size()) > limit) {
        fits = false;
        break;
      }
      int64_t next = 0;
      for (auto &[code, s] : slot) {
        s = next;
        enc.codebook[b * limit + next++] = code;
      }
      for (int64_t i = b; i < int64_t(codes.size()); i += step)
        enc.index[i] = slot[codes[i]];
    }
    if (!fits)
      continue;
    // Codebooks only as long as the longest one that is used.
    int64_t longest = 0;
    for (int64_t v : enc.index)
      longest = std::max(longest, v + 1);
    std::vector<int64_t> trimmed;
    for (int64_t b = 0; b < books; ++b)
      trimmed.insert(trimmed.end(), enc.codebook.begin() + b * limit,
                     enc.codebook.begin() + b * limit + longest);
    enc.codebook = std::move(trimmed);
    enc.entries = longest;
    return enc;
  }
  return std::nullopt;
}

Value intConst(OpBuilder &b, Location loc, Type type, int64_t v) {
  return arith::ConstantOp::create(b, loc, IntegerAttr::get(type, v));
}
Value indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// The contraction as one linalg.generic whose weight is looked up per
/// product from the packed indices (and codebook).
void rewrite(const Contraction &mm, const Encoding &enc) {
  OpBuilder builder(mm.op);
  Location loc = mm.op->getLoc();
  MLIRContext *ctx = builder.getContext();
  IntegerType i8 = builder.getI8Type();
  bool packed = enc.kind != Encoding::Kind::Codebook8;
  int64_t stride = packed ? (mm.r + 1) / 2 : mm.r;
  // Indices (or int4 codes), [F, stride] bytes.
  SmallVector<int8_t> bytes(mm.f * stride, 0);
  for (int64_t r = 0; r < mm.r; ++r)
    for (int64_t f = 0; f < mm.f; ++f) {
      int64_t v = enc.index[r * mm.f + f];
      if (!packed) {
        bytes[f * stride + r] = int8_t(uint8_t(v));
        continue;
      }
      uint8_t nibble = uint8_t(v) & 15;
      bytes[f * stride + r / 2] |= int8_t(uint8_t(nibble << (4 * (r % 2))));
    }
  auto bytesType = RankedTensorType::get({mm.f, stride}, i8);
  Value indices = arith::ConstantOp::create(
      builder, loc,
      DenseElementsAttr::get(bytesType, ArrayRef<int8_t>(bytes)));
  Value codebook;
  if (enc.kind != Encoding::Kind::Int4) {
    int64_t books = enc.perChannel ? mm.f : 1;
    SmallVector<APInt> entries;
    for (int64_t v : enc.codebook)
      entries.push_back(APInt(mm.weightType.getWidth(), uint64_t(v),
                              /*isSigned=*/true, /*implicitTrunc=*/true));
    auto cbType = RankedTensorType::get({books, enc.entries}, mm.weightType);
    codebook = arith::ConstantOp::create(
        builder, loc, DenseElementsAttr::get(cbType, entries));
  }

  // Matmul loops (m, n, k); conv loops (n, oh, ow, f, kh, kw, c).
  unsigned numLoops = mm.isConv ? 7 : 3;
  unsigned channelLoop = mm.isConv ? 3 : 1;
  SmallVector<AffineExpr> d;
  for (unsigned i = 0; i < numLoops; ++i)
    d.push_back(getAffineDimExpr(i, ctx));
  AffineMap inputMap, outMap;
  SmallVector<Value> inputs{mm.input};
  SmallVector<AffineMap> maps;
  if (mm.isConv) {
    inputMap = AffineMap::get(
        numLoops, 0,
        {d[0], d[1] * mm.strides[0] + d[4] * mm.dilations[0],
         d[2] * mm.strides[1] + d[5] * mm.dilations[1], d[6]},
        ctx);
    outMap = AffineMap::get(numLoops, 0, {d[0], d[1], d[2], d[3]}, ctx);
    // The window loops appear only in sums with the output position: a
    // zero splat of the filter's window shape (never read in the body)
    // gives them their bounds, as the named convolution's filter does.
    auto windowType = RankedTensorType::get(
        {mm.r / (mm.kw * mm.c), mm.kw, mm.c}, i8);
    inputs.push_back(arith::ConstantOp::create(
        builder, loc, DenseElementsAttr::get(windowType, int8_t(0))));
    maps.push_back(AffineMap::get(numLoops, 0, {d[4], d[5], d[6]}, ctx));
  } else {
    inputMap = AffineMap::get(numLoops, 0, {d[0], d[2]}, ctx);
    outMap = AffineMap::get(numLoops, 0, {d[0], d[1]}, ctx);
  }
  SmallVector<utils::IteratorType> iterators(numLoops,
                                             utils::IteratorType::parallel);
  for (unsigned i = channelLoop + 1; i < numLoops; ++i)
    iterators[i] = utils::IteratorType::reduction;
  maps.insert(maps.begin(), inputMap);
  maps.push_back(outMap);
  unsigned outArg = inputs.size();
  auto generic = linalg::GenericOp::create(
      builder, loc, TypeRange{mm.init.getType()}, inputs, ValueRange{mm.init},
      maps, iterators,
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value f = linalg::IndexOp::create(b, l, channelLoop);
        Value r;
        if (mm.isConv) {
          Value kh = linalg::IndexOp::create(b, l, 4);
          Value kw = linalg::IndexOp::create(b, l, 5);
          Value c = linalg::IndexOp::create(b, l, 6);
          Value tap = arith::AddIOp::create(
              b, l, arith::MulIOp::create(b, l, kh, indexConst(b, l, mm.kw)),
              kw);
          r = arith::AddIOp::create(
              b, l, arith::MulIOp::create(b, l, tap, indexConst(b, l, mm.c)),
              c);
        } else {
          r = linalg::IndexOp::create(b, l, 2);
        }
        Value w;
        if (!packed) {
          Value byte = tensor::ExtractOp::create(b, l, indices, {f, r});
          Value slot = arith::IndexCastUIOp::create(b, l, b.getIndexType(),
                                                    byte);
          Value book = enc.perChannel ? f : indexConst(b, l, 0);
          w = tensor::ExtractOp::create(b, l, codebook, {book, slot});
        } else {
          Value half = arith::ShRUIOp::create(b, l, r, indexConst(b, l, 1));
          Value byte = tensor::ExtractOp::create(b, l, indices, {f, half});
          Value odd = arith::AndIOp::create(b, l, r, indexConst(b, l, 1));
          Value shift = arith::MulIOp::create(
              b, l, arith::IndexCastUIOp::create(b, l, i8, odd),
              intConst(b, l, i8, 4));
          if (enc.kind == Encoding::Kind::Int4) {
            // The nibble moved to the high half, then shifted down:
            // arithmetic for signed codes, logical for unsigned.
            Value high = arith::ShLIOp::create(
                b, l, byte,
                arith::SubIOp::create(b, l, intConst(b, l, i8, 4), shift));
            Value four = intConst(b, l, i8, 4);
            w = mm.weightUnsigned
                    ? Value(arith::ShRUIOp::create(b, l, high, four))
                           : Value(arith::ShRSIOp::create(b, l, high, four));
          } else {
            Value shifted = arith::ShRUIOp::create(b, l, byte, shift);
            Value nibble = arith::AndIOp::create(b, l, shifted,
                                                 intConst(b, l, i8, 15));
            Value slot = arith::IndexCastUIOp::create(b, l, b.getIndexType(),
                                                      nibble);
            Value book = enc.perChannel ? f : indexConst(b, l, 0);
            w = tensor::ExtractOp::create(b, l, codebook, {book, slot});
          }
        }
        Type i32 = b.getI32Type();
        auto ext = [&](Value v, bool isUnsigned) -> Value {
          if (v.getType() == i32)
            return v;
          if (isUnsigned)
            return arith::ExtUIOp::create(b, l, i32, v);
          return arith::ExtSIOp::create(b, l, i32, v);
        };
        Value product = arith::MulIOp::create(
            b, l, ext(args[0], mm.inputUnsigned), ext(w, mm.weightUnsigned));
        linalg::YieldOp::create(
            b, l, ValueRange{arith::AddIOp::create(b, l, args[outArg], product)});
      });
  Operation *weight = cast<linalg::LinalgOp>(mm.op).getDpsInputs()[1]
                          .getDefiningOp();
  mm.op->getResult(0).replaceAllUsesWith(generic.getResult(0));
  mm.op->erase();
  if (weight && weight->use_empty())
    weight->erase();
}

struct PackWeightsPass final : qc::impl::QCPackWeightsBase<PackWeightsPass> {
  using QCPackWeightsBase::QCPackWeightsBase;

  void runOnOperation() override {
    SmallVector<Contraction> candidates;
    getOperation().walk([&](Operation *op) {
      if (std::optional<Contraction> mm = match(op))
        candidates.push_back(*mm);
    });
    uint64_t packed = 0, dense = 0, bytesSaved = 0;
    for (const Contraction &mm : candidates) {
      unsigned width = mm.weightType.getWidth();
      int64_t n = mm.r * mm.f;
      // An unpacked i4 tensor takes a byte per element in memory.
      double before = double(n) * double((width + 7) / 8);
      SmallVector<int64_t> codes;
      for (const APInt &v : mm.weight.getValues<APInt>())
        codes.push_back(mm.weightUnsigned ? int64_t(v.getZExtValue())
                                      : v.getSExtValue());
      std::optional<Encoding> enc;
      if (width == 4) {
        Encoding e;
        e.kind = Encoding::Kind::Int4;
        for (int64_t v : codes)
          e.index.push_back(v & 15);
        enc = e;
      } else {
        enc = buildCodebook(mm, codes, 16);
        if (!enc && width == 16)
          enc = buildCodebook(mm, codes, 256);
      }
      if (enc) {
        int64_t stride = enc->kind == Encoding::Kind::Codebook8
                             ? mm.r
                             : (mm.r + 1) / 2;
        double packedBytes = double(mm.f * stride);
        if (enc->kind != Encoding::Kind::Int4)
          packedBytes += double(enc->codebook.size()) * width / 8.0;
        if (packedBytes >= before) {
          mm.op->emitRemark() << "qc-pack-weights: "
                              << llvm::formatv("{0:F1}", packedBytes).str()
                              << " bytes of indices and codebooks would not "
                                 "be smaller than the "
                              << llvm::formatv("{0:F1}", before).str()
                              << " bytes of the weight; kept dense";
          ++dense;
          continue;
        }
      }
      if (!enc) {
        mm.op->emitRemark()
            << "qc-pack-weights: more than " << (width == 16 ? 256 : 16)
            << " distinct " << width
            << "-bit codes per output channel; kept dense";
        ++dense;
        continue;
      }
      int64_t stride = enc->kind == Encoding::Kind::Codebook8 ? mm.r
                                                              : (mm.r + 1) / 2;
      double after = double(mm.f * stride);
      int64_t books = enc->perChannel ? mm.f : 1;
      if (enc->kind != Encoding::Kind::Int4)
        after += double(enc->codebook.size()) * width / 8.0;
      InFlightDiagnostic remark = mm.op->emitRemark();
      switch (enc->kind) {
      case Encoding::Kind::Int4:
        remark << "qc-pack-weights: int4 weight packed two per byte";
        break;
      case Encoding::Kind::Codebook4:
      case Encoding::Kind::Codebook8:
        remark << "qc-pack-weights: "
               << (enc->kind == Encoding::Kind::Codebook4 ? "u4" : "u8")
               << " indices into " << books << " codebook"
               << (books > 1 ? "s" : "") << " of " << enc->entries << " "
               << width << "-bit codes (per "
               << (enc->perChannel ? "channel" : "tensor") << ")";
        break;
      }
      remark << ": "
             << llvm::formatv("{0:F1} -> {1:F1} bytes", before, after).str();
      rewrite(mm, *enc);
      ++packed;
      // Both sizes are whole bytes: codebooks hold 8- or 16-bit codes.
      bytesSaved += uint64_t(before - after);
    }
    addStatistic(*this, numPacked, "packed-weights", packed);
    addStatistic(*this, numKeptDense, "dense-weights", dense);
    addStatistic(*this, numBytesSaved, "bytes-saved", bytesSaved);
  }
};

} // namespace
