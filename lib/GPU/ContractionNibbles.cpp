//===- ContractionNibbles.cpp - 4-bit weights two codes per byte ----------===//
//
// qc-widen-narrow-integers stores i4/u4 codes one per byte (the layout every
// backend shares). A constant weight of 4-bit codes that the tiled kernels
// read by words is stored two codes per byte instead, which halves its
// buffer, and unpacked in the shader: packed word p holds in its low nibbles
// the 4 bytes of one int8 word of B's layout and in its high nibbles those of
// another, so that one shift, one mask (and for i4 an add and a xor) give
// back exactly the word the int8 kernel would have loaded. Everything after
// the load (byte extraction, packed dot products, workgroup-memory stages)
// is the int8 kernel's.
//
// Pairing: int8 word w is half (w / D) % 2 of packed word
// (w / 2D) * D + w % D. D is the distance between columns (2i, 2i + 1) where
// B is read along the reduction (the dot-product layout: a tile's 4 columns
// take 2 packed loads instead of 4 words, `nibblePairedCols`), and between
// reduction rows (k, k + 1) where B is read by column words (the 4 rows of
// a k-step take 2 packed loads instead of 4, `nibblePairedSteps`), when
// every other coefficient keeps the pairs aligned; otherwise each int8 word
// takes its own packed load and its half is chosen at run time.
//
// i4 nibbles hold the code + 8 (the CPU kernels' biased form): the byte is
// ((x + 0x78) ^ 0x80), which never carries into the next byte; u4 nibbles
// hold the code.
//
// A B read by elements (a depthwise convolution's weights, a matmul whose N
// is not a multiple of 4) is packed in element order instead: element e is
// the low (e even) or high nibble of byte e / 2, i4 as its two's complement
// code (sign-extended by a shift left and an arithmetic shift right), u4 as
// the code (shifted and masked).
//
//===----------------------------------------------------------------------===//
#include "ContractionEmitter.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace mlir::qc;

/// The constant global `root` reads (a memref.get_global of a constant
/// dense i8 global), or null.
static memref::GlobalOp constantWeightGlobal(Value root,
                                             DenseElementsAttr &initial) {
  auto get = root ? root.getDefiningOp<memref::GetGlobalOp>()
                  : memref::GetGlobalOp();
  if (!get)
    return {};
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      get, get.getNameAttr());
  if (!global || !global.getConstant())
    return {};
  initial = dyn_cast_or_null<DenseElementsAttr>(
      global.getInitialValue().value_or(Attribute()));
  if (!initial || !initial.getElementType().isInteger(8))
    return {};
  return global;
}

bool mlir::qc::isConstantWeight(Value root) {
  DenseElementsAttr initial;
  return static_cast<bool>(constantWeightGlobal(root, initial));
}

Value mlir::qc::createByteGlobal(OpBuilder &b, memref::GlobalOp like,
                                 Operation *at, StringRef name,
                                 ArrayRef<char> bytes) {
  OpBuilder::InsertionGuard guard(b);
  int64_t size = bytes.size();
  auto tensorType = RankedTensorType::get({size}, b.getI8Type());
  auto memrefType = MemRefType::get({size}, b.getI8Type());
  b.setInsertionPoint(like);
  auto global = memref::GlobalOp::create(
      b, like.getLoc(), name, b.getStringAttr("private"), memrefType,
      DenseElementsAttr::getFromRawBuffer(tensorType, bytes),
      /*constant=*/true, like.getAlignmentAttr());
  SymbolTable(like->getParentOp()).insert(global);
  b.setInsertionPointAfter(at);
  return memref::GetGlobalOp::create(b, at->getLoc(), memrefType,
                                     global.getSymName());
}

bool mlir::qc::classifyFourBitWeights(Contraction &c, OpBuilder &b,
                                      llvm::StringMap<Value> &packed) {
  DenseElementsAttr initial;
  memref::GlobalOp global = constantWeightGlobal(c.b.root, initial);
  if (!global)
    return !c.bMasked;
  SmallVector<int8_t> values(initial.getValues<int8_t>());
  if (c.bMasked) {
    // A u4 weight widened by qc-widen-narrow-integers (code 9 stored as -7)
    // and read as `extui(w & 15)`: a global of the codes themselves, read
    // as unsigned bytes, is the same operand without the mask.
    std::string name = (global.getSymName() + "_u4").str();
    Value &view = packed[name];
    if (!view) {
      std::vector<char> bytes;
      for (int8_t v : values)
        bytes.push_back(static_cast<char>(v & 15));
      // A flat buffer: B's access addresses its base buffer's elements in
      // row-major order, whatever its shape.
      view = createByteGlobal(b, global, c.b.root.getDefiningOp(), name, bytes);
    }
    c.b.root = view;
    c.bSigned = false;
    c.bMasked = false;
    c.fourBit = FourBitWeights::U4;
    return true;
  }
  if (c.bSigned && llvm::all_of(values, [](int8_t v) { return v >= -8 && v <= 7; }))
    c.fourBit = FourBitWeights::I4;
  else if (!c.bSigned &&
           llvm::all_of(values, [](int8_t v) { return uint8_t(v) <= 15; }))
    c.fourBit = FourBitWeights::U4;
  return true;
}

/// Packs a B read by elements: element e in nibble e % 2 of byte e / 2.
static void packNibbleElements(Contraction &c, OpBuilder &b,
                               llvm::StringMap<Value> &packed,
                               memref::GlobalOp global,
                               DenseElementsAttr initial) {
  bool isSigned = c.fourBit == FourBitWeights::I4;
  std::string name =
      (global.getSymName() + (isSigned ? "_i4x2e" : "_u4x2e")).str();
  Value &view = packed[name];
  if (!view) {
    SmallVector<int8_t> values(initial.getValues<int8_t>());
    std::vector<char> bytes((values.size() + 1) / 2, 0);
    for (auto [e, v] : llvm::enumerate(values))
      bytes[e / 2] |= static_cast<char>((v & 15) << (e % 2 ? 4 : 0));
    view = createByteGlobal(b, global, c.b.root.getDefiningOp(), name, bytes);
  }
  c.b.root = view;
  c.nibbleElements = true;
}

bool mlir::qc::packNibbles(Contraction &c, OpBuilder &b,
                           llvm::StringMap<Value> &packed) {
  if (c.fourBit == FourBitWeights::None || c.redDims.empty())
    return false;
  DenseElementsAttr initial;
  memref::GlobalOp global = constantWeightGlobal(c.b.root, initial);
  if (!global)
    return false;
  if (c.b.mode == OperandAccess::Elements) {
    packNibbleElements(c, b, packed, global, initial);
    return true;
  }
  unsigned k = c.redDims.back();
  int64_t pair = 1;
  bool pairedSteps = false;
  auto aligned = [&](int64_t period, unsigned except) {
    if (c.b.offset % period != 0)
      return false;
    for (auto [d, coef] : llvm::enumerate(c.b.coef))
      if (d != k && d != except && c.sizes[d] > 1 && coef % period != 0)
        return false;
    return true;
  };
  bool pairedCols = false;
  int64_t colCoef = c.b.coef[c.colDim];
  if (c.b.mode == OperandAccess::ReductionWords && c.sizes[c.colDim] > 1 &&
      colCoef > 0 && colCoef % 4 == 0) {
    // Columns 2i and 2i + 1 at the same k share a packed word; a tile's
    // even columns start a pair when nothing else moves B by an odd number
    // of columns (the column tile starts at an even column).
    pair = colCoef / 4;
    pairedCols = aligned(2 * colCoef, c.colDim) && c.sizes[k] <= colCoef;
  } else if (c.b.mode == OperandAccess::ColumnWords && c.b.coef[k] > 0) {
    // Rows k and k + 1 of the same column word share a packed word.
    pair = c.b.coef[k] / 4;
    // Every k-step (k even) starts a pair when nothing else moves B by an
    // odd number of rows and the columns stay within one row.
    pairedSteps = aligned(2 * c.b.coef[k], c.colDim) &&
                  c.cols() <= c.b.coef[k];
  }
  bool isSigned = c.fourBit == FourBitWeights::I4;
  std::string name =
      (global.getSymName() + (isSigned ? "_i4x2" : "_u4x2")).str();
  Value &view = packed[name + "/" + std::to_string(pair)];
  if (!view) {
    SmallVector<int8_t> values(initial.getValues<int8_t>());
    int64_t n = values.size();
    int64_t words = (n + 3) / 4;
    int64_t groups = (words + 2 * pair - 1) / (2 * pair);
    std::vector<char> bytes(4 * groups * pair, 0);
    auto code = [&](int64_t e) -> uint8_t {
      int64_t v = e < n ? values[e] : 0;
      return isSigned ? (v + 8) & 15 : v & 15;
    };
    for (int64_t p = 0; p < groups * pair; ++p) {
      int64_t lo = p / pair * 2 * pair + p % pair, hi = lo + pair;
      for (int64_t i = 0; i < 4; ++i)
        bytes[4 * p + i] =
            static_cast<char>(code(4 * lo + i) | code(4 * hi + i) << 4);
    }
    view = createByteGlobal(b, global, c.b.root.getDefiningOp(), name, bytes);
  }
  c.b.root = view;
  c.nibblePairWords = pair;
  c.nibblePairedSteps = pairedSteps;
  c.nibblePairedCols = pairedCols;
  return true;
}

Value KernelEmitter::unpackNibbles(Value packedWord, Value shift) {
  Value v = shift ? arith::ShRUIOp::create(b, loc, packedWord, shift)
                        .getResult()
                  : packedWord;
  v = arith::AndIOp::create(b, loc, v, i32(0x0F0F0F0F));
  if (!c.bSigned)
    return v;
  // Biased i4 nibbles x = code + 8: byte (x + 0x78) ^ 0x80 = code.
  v = add(v, i32(0x78787878));
  return arith::XOrIOp::create(b, loc, v, i32(static_cast<int32_t>(0x80808080u)));
}

Value KernelEmitter::loadNibbleWord(Value word) {
  int64_t pair = c.nibblePairWords;
  Value group = arith::DivUIOp::create(b, loc, word, index(2 * pair));
  Value within = arith::RemUIOp::create(b, loc, word, index(2 * pair));
  Value high = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, within,
                                     index(pair));
  Value offset = arith::SelectOp::create(
      b, loc, high, arith::SubIOp::create(b, loc, within, index(pair)),
      within);
  Value p = add(mul(group, pair), offset);
  Value loaded = memref::LoadOp::create(b, loc, bOp.view, p);
  Value shift = arith::SelectOp::create(b, loc, high, i32(4), i32(0));
  return unpackNibbles(loaded, shift);
}

/// The packed word holding int8 word `word` (either half).
static Value packedIndex(OpBuilder &b, Location loc, Value word, int64_t pair) {
  Value group = arith::DivUIOp::create(
      b, loc, word, arith::ConstantIndexOp::create(b, loc, 2 * pair));
  Value scaled = arith::MulIOp::create(
      b, loc, group, arith::ConstantIndexOp::create(b, loc, pair));
  Value within = arith::RemUIOp::create(
      b, loc, word, arith::ConstantIndexOp::create(b, loc, pair));
  return arith::AddIOp::create(b, loc, scaled, within);
}

Value KernelEmitter::loadNibbleWord(Value word, int64_t r, int64_t j,
                                    int64_t kk) {
  int64_t rk = dependsOnRows(c.b) ? r : -1;
  if (c.nibblePairedCols && c.b.mode == OperandAccess::ReductionWords) {
    // Tile columns 2i and 2i + 1 are the halves of one packed word (a
    // clamped column past the end may read its neighbour: it is not
    // stored).
    Value &loaded =
        bOp.cache[std::make_tuple(rk, j / 2, INT64_MIN / 2 - 1)];
    if (!loaded)
      loaded = memref::LoadOp::create(
          b, loc, bOp.view, packedIndex(b, loc, word, c.nibblePairWords));
    return unpackNibbles(loaded, j % 2 ? i32(4) : Value());
  }
  if (!c.nibblePairedSteps || cfg.kStep % 2 != 0)
    return loadNibbleWord(word);
  // Rows kk and kk + 1 of this step are the halves of one packed word.
  int64_t pair = c.nibblePairWords;
  Value &loaded =
      bOp.cache[std::make_tuple(rk, kk / 2, INT64_MIN / 2 + j / 4)];
  if (!loaded) {
    Value first = kk % 2 ? arith::SubIOp::create(b, loc, word, index(pair))
                               .getResult()
                         : word;
    loaded = memref::LoadOp::create(b, loc, bOp.view,
                                    packedIndex(b, loc, first, pair));
  }
  return unpackNibbles(loaded, kk % 2 ? i32(4) : Value());
}

Value KernelEmitter::loadNibbleElement(Value addr) {
  Value byteIndex = arith::ShRUIOp::create(b, loc, addr, index(1));
  Value byte = memref::LoadOp::create(b, loc, bOp.view, byteIndex);
  Value word = arith::ExtUIOp::create(b, loc, b.getI32Type(), byte);
  // 4 for the high nibble (an odd element), else 0.
  Value odd = arith::AndIOp::create(b, loc, addr, index(1));
  Value shift = arith::ShLIOp::create(
      b, loc, arith::IndexCastOp::create(b, loc, b.getI32Type(), odd), i32(2));
  if (c.fourBit == FourBitWeights::U4)
    return arith::AndIOp::create(
        b, loc, arith::ShRUIOp::create(b, loc, word, shift), i32(15));
  // The nibble's sign bit to bit 31, then back down with its sign.
  Value up = arith::ShLIOp::create(
      b, loc, word, arith::SubIOp::create(b, loc, i32(28), shift));
  return arith::ShRSIOp::create(b, loc, up, i32(28));
}
