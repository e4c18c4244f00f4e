//===- Int8PackedWeights.cpp - --qc-pack-weights' generics as int8 kernels ===//
//
// --qc-pack-weights (docs/WeightSharing.md) turns a matmul or convolution
// with a constant weight into a linalg.generic that computes each weight in
// its body from constants: a nibble of a packed int4 tensor, or a u4/u8
// index into a codebook of codes (tensor.extract). Scalar, that generic
// runs far slower than the VNNI kernel. Here it is matched back into an
// Int8Contraction: the body's weight expression is evaluated at compile
// time for every (reduction step, output channel), which recovers the
// weight whatever the packing, and the kernel stores it its own way:
//
//   codes in -8..7 or 0..15   4-bit weights, two per byte (int4 packing)
//   <= 16 distinct codes      u4 indices, two per byte, and a codebook of
//   (<= 15 and 0 when a run   16 codes the kernel looks the indices up in
//   of the reduction is not   (one vpshufb per 64 weights: the codebook in
//   a multiple of 8)          each 128-bit lane of a zmm register)
//   <= 16 codes per channel   u4 indices and a codebook of 4, 8 or 16 codes
//                             per output channel: 64, 128 or 256 bytes per
//                             16 channels, looked up with one vpermb, one
//                             vpermi2b, or two and a blend (AVX512-VBMI)
//   other 8-bit codes         8-bit weights
//
// The lookup is emitted portably, as a vector.gather from the codebook;
// after bufferization qc-cpu-contract-to-x86-vnni makes a per-tensor one
// `llvm.x86.avx512.pshuf.b.512` (GatherToPShufB below) and
// qc-cpu-table-lookup-x86-vbmi a per-channel one vpermb/vpermi2b
// (GatherToVPermB; both in CodebookLookupX86.cpp). Elsewhere LLVM lowers the gather (per element, but
// correct).
//
//===----------------------------------------------------------------------===//
#include "Int8KernelBuilder.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"

#include <array>
#include <map>

using namespace mlir;
using namespace mlir::qc::cpu;

namespace {

constexpr int64_t kCodebookEntries = 16;

/// The body's weight factor as a straight-line program over int64 values
/// (each the bit pattern of its type, sign-extended), run once per weight.
class WeightProgram {
public:
  /// Compiles the computation of `root` from linalg.index values of
  /// `allowedDims` and constants. Fails on block arguments and other ops.
  LogicalResult compile(Value root, Block *body, ArrayRef<unsigned> allowedDims);
  /// The values of the root for the loop indices `dims` (by dimension),
  /// dimension `varying` taking the values 0 .. count - 1, into `out`;
  /// false when the program reads outside a tensor or shifts too far.
  bool run(ArrayRef<int64_t> dims, unsigned varying, int64_t count, int64_t *out);

private:
  enum class Kind { Constant, Index, Add, Sub, Mul, And, Or, Xor, Shl, ShrU, ShrS,
                    SignedCast, UnsignedCast, Extract };
  struct Instr {
    Kind kind;
    unsigned width = 64, sourceWidth = 64;
    int64_t imm = 0;
    /// The slots of the operands (of an extract: its indices).
    SmallVector<int, 2> operands;
    int a = 0, b = 0;
    int table = -1;
  };
  struct Table {
    std::vector<int32_t> values;
    SmallVector<int64_t> shape;
  };
  FailureOr<int> emit(Value v);

  Block *body = nullptr;
  SmallVector<unsigned> allowed;
  SmallVector<Instr> code;
  SmallVector<Table> tables;
  DenseMap<Value, int> slots;
  SmallVector<int64_t> regs;
};

unsigned widthOf(Type t) { return t.isIndex() ? 64 : t.getIntOrFloatBitWidth(); }

int64_t sext(int64_t v, unsigned w) {
  return w >= 64 ? v : int64_t(uint64_t(v) << (64 - w)) >> (64 - w);
}
int64_t zext(int64_t v, unsigned w) {
  return w >= 64 ? v : int64_t(uint64_t(v) & ((uint64_t(1) << w) - 1));
}

FailureOr<int> WeightProgram::emit(Value v) {
  if (auto it = slots.find(v); it != slots.end())
    return it->second;
  Operation *def = v.getDefiningOp();
  if (!def || !v.getType().isIntOrIndex())
    return failure();
  Instr instr;
  instr.width = widthOf(v.getType());
  IntegerAttr constant;
  if (matchPattern(v, m_Constant(&constant))) {
    instr.kind = Kind::Constant;
    instr.imm = sext(constant.getValue().getSExtValue(), instr.width);
  } else if (def->getBlock() != body) {
    return failure();
  } else if (auto index = dyn_cast<linalg::IndexOp>(def)) {
    if (!llvm::is_contained(allowed, unsigned(index.getDim())))
      return failure();
    instr.kind = Kind::Index;
    instr.imm = index.getDim();
  } else if (auto extract = dyn_cast<tensor::ExtractOp>(def)) {
    DenseIntElementsAttr values;
    if (!matchPattern(extract.getTensor(), m_Constant(&values)) ||
        values.getElementType().getIntOrFloatBitWidth() > 32)
      return failure();
    Table table;
    if (values.getElementType().isInteger(8) && !values.isSplat())
      for (char x : values.getRawData())
        table.values.push_back(int8_t(x));
    else
      for (const APInt &x : values.getValues<APInt>())
        table.values.push_back(x.getSExtValue());
    table.shape.assign(values.getType().getShape().begin(), values.getType().getShape().end());
    tables.push_back(std::move(table));
    instr.kind = Kind::Extract;
    instr.table = tables.size() - 1;
    for (Value i : extract.getIndices()) {
      FailureOr<int> slot = emit(i);
      if (failed(slot))
        return failure();
      instr.operands.push_back(*slot);
    }
  } else {
    std::optional<Kind> kind =
        llvm::TypeSwitch<Operation *, std::optional<Kind>>(def)
            .Case<arith::AddIOp>([](auto) { return Kind::Add; })
            .Case<arith::SubIOp>([](auto) { return Kind::Sub; })
            .Case<arith::MulIOp>([](auto) { return Kind::Mul; })
            .Case<arith::AndIOp>([](auto) { return Kind::And; })
            .Case<arith::OrIOp>([](auto) { return Kind::Or; })
            .Case<arith::XOrIOp>([](auto) { return Kind::Xor; })
            .Case<arith::ShLIOp>([](auto) { return Kind::Shl; })
            .Case<arith::ShRUIOp>([](auto) { return Kind::ShrU; })
            .Case<arith::ShRSIOp>([](auto) { return Kind::ShrS; })
            .Case<arith::ExtSIOp, arith::TruncIOp, arith::IndexCastOp>(
                [](auto) { return Kind::SignedCast; })
            .Case<arith::ExtUIOp, arith::IndexCastUIOp>([](auto) { return Kind::UnsignedCast; })
            .Default([](Operation *) { return std::nullopt; });
    if (!kind)
      return failure();
    instr.kind = *kind;
    instr.sourceWidth = widthOf(def->getOperand(0).getType());
    for (Value operand : def->getOperands()) {
      FailureOr<int> slot = emit(operand);
      if (failed(slot))
        return failure();
      instr.operands.push_back(*slot);
    }
  }
  if (!instr.operands.empty())
    instr.a = instr.b = instr.operands[0];
  if (instr.operands.size() > 1)
    instr.b = instr.operands[1];
  code.push_back(std::move(instr));
  slots[v] = code.size() - 1;
  return int(code.size() - 1);
}

LogicalResult WeightProgram::compile(Value root, Block *block, ArrayRef<unsigned> allowedDims) {
  body = block;
  allowed.assign(allowedDims.begin(), allowedDims.end());
  if (failed(emit(root)))
    return failure();
  regs.assign(code.size(), 0);
  return success();
}

bool WeightProgram::run(ArrayRef<int64_t> dims, unsigned varying, int64_t count,
                        int64_t *out) {
  // One instruction at a time over all `count` lanes (dimension `varying`
  // = 0 .. count - 1): the dispatch is paid once per row of weights.
  regs.resize(code.size() * count);
  for (size_t i = 0; i < code.size(); ++i) {
    const Instr &instr = code[i];
    int64_t *x = regs.data() + i * count;
    const int64_t *a = regs.data() + instr.a * count, *b = regs.data() + instr.b * count;
    unsigned width = instr.width;
    switch (instr.kind) {
    case Kind::Constant:
      std::fill(x, x + count, instr.imm);
      break;
    case Kind::Index:
      for (int64_t l = 0; l < count; ++l)
        x[l] = unsigned(instr.imm) == varying ? l : dims[instr.imm];
      break;
    case Kind::Add:
      for (int64_t l = 0; l < count; ++l)
        x[l] = sext(int64_t(uint64_t(a[l]) + uint64_t(b[l])), width);
      break;
    case Kind::Sub:
      for (int64_t l = 0; l < count; ++l)
        x[l] = sext(int64_t(uint64_t(a[l]) - uint64_t(b[l])), width);
      break;
    case Kind::Mul:
      for (int64_t l = 0; l < count; ++l)
        x[l] = sext(int64_t(uint64_t(a[l]) * uint64_t(b[l])), width);
      break;
    case Kind::And:
      for (int64_t l = 0; l < count; ++l)
        x[l] = a[l] & b[l];
      break;
    case Kind::Or:
      for (int64_t l = 0; l < count; ++l)
        x[l] = a[l] | b[l];
      break;
    case Kind::Xor:
      for (int64_t l = 0; l < count; ++l)
        x[l] = a[l] ^ b[l];
      break;
    case Kind::Shl:
    case Kind::ShrU:
    case Kind::ShrS:
      for (int64_t l = 0; l < count; ++l) {
        uint64_t amount = zext(b[l], width);
        if (amount >= width)
          return false; // poison
        uint64_t v = instr.kind == Kind::Shl    ? uint64_t(a[l]) << amount
                     : instr.kind == Kind::ShrU ? uint64_t(zext(a[l], width)) >> amount
                                                : uint64_t(a[l] >> amount);
        x[l] = sext(int64_t(v), width);
      }
      break;
    case Kind::SignedCast:
      for (int64_t l = 0; l < count; ++l)
        x[l] = sext(a[l], width);
      break;
    case Kind::UnsignedCast:
      for (int64_t l = 0; l < count; ++l)
        x[l] = sext(width > instr.sourceWidth ? zext(a[l], instr.sourceWidth) : a[l], width);
      break;
    case Kind::Extract: {
      const Table &table = tables[instr.table];
      for (int64_t l = 0; l < count; ++l) {
        int64_t offset = 0;
        for (auto [d, size] : llvm::enumerate(table.shape)) {
          int64_t at = regs[instr.operands[d] * count + l];
          if (at < 0 || at >= size)
            return false;
          offset = offset * size + at;
        }
        x[l] = sext(table.values[offset], width);
      }
      break;
    }
    }
  }
  std::copy_n(regs.data() + (code.size() - 1) * count, count, out);
  return true;
}

/// `v` is `ext(arg)` of block argument `arg`; sets whether it sign-extends.
bool isExtendedArg(Value v, BlockArgument arg, bool &isSigned) {
  Operation *def = v.getDefiningOp();
  if (!isa_and_present<arith::ExtSIOp, arith::ExtUIOp>(def) || def->getOperand(0) != arg)
    return false;
  isSigned = isa<arith::ExtSIOp>(def);
  return true;
}

AffineMap dims(unsigned numDims, ArrayRef<AffineExpr> exprs, MLIRContext *context) {
  return AffineMap::get(numDims, 0, exprs, context);
}

/// The coefficient of dimension `dim` in the linear expression `e`.
int64_t coefficient(AffineExpr e, unsigned dim, unsigned numDims) {
  MLIRContext *context = e.getContext();
  SmallVector<AffineExpr> replacements(numDims, getAffineConstantExpr(0, context));
  replacements[dim] = getAffineConstantExpr(1, context);
  auto constant = dyn_cast<AffineConstantExpr>(e.replaceDims(replacements));
  return constant ? constant.getValue() : 0;
}

/// The codes in slot order, 0 first when it is one (the padding's), then
/// the others in increasing order; sets each code's slot.
SmallVector<int8_t> orderCodes(std::map<int64_t, int64_t> &codes) {
  SmallVector<int8_t> ordered;
  if (codes.count(0))
    ordered.push_back(0);
  for (auto &[code, slot] : codes) {
    if (code == 0)
      continue;
    slot = ordered.size();
    ordered.push_back(int8_t(code));
  }
  return ordered;
}

/// The codes per channel of a per-channel codebook (4, 8 or 16, the most
/// any channel needs, 0 included when `zero`), or nothing if one channel
/// has more than 16.
std::optional<int64_t> perChannelEntries(ArrayRef<int64_t> values, int64_t filters, bool zero) {
  size_t most = 0;
  for (int64_t f = 0; f < filters; ++f) {
    std::array<bool, 256> seen{};
    size_t codes = 0;
    if (zero)
      seen[0] = (++codes, true);
    for (size_t i = f; i < values.size(); i += filters)
      if (!std::exchange(seen[values[i] & 255], true) && ++codes > size_t(kCodebookEntries))
        return std::nullopt;
    most = std::max(most, codes);
  }
  return most <= 4 ? 4 : most <= 8 ? 8 : 16;
}

} // namespace

/// The kernel's operands: the weight as bytes (`bytes`, filter layout
/// kh x kw x channels x filters) and a matmul's input as a 1 x 1 x rows x
/// channels image.
/// The 16-bit kernel's weights may be 16-bit codes (`words`, when `bytes`
/// is empty).
static void setKernelOperands(Int8Contraction &c, linalg::LinalgOp op, bool conv, Value lhs,
                              ArrayRef<int8_t> bytes, ArrayRef<int16_t> words = {}) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<int64_t> filterShape = {c.kh, c.kw, c.channels, c.filters};
  c.filter = arith::ConstantOp::create(
      b, loc,
      words.empty()
          ? DenseIntElementsAttr::get(RankedTensorType::get(filterShape, b.getI8Type()), bytes)
          : DenseIntElementsAttr::get(RankedTensorType::get(filterShape, b.getI16Type()),
                                      words));
  Type inputElement = getElementTypeOrSelf(lhs.getType());
  c.input = conv ? lhs
                 : tensor::ExpandShapeOp::create(
                       b, loc, RankedTensorType::get({1, 1, c.wp, c.channels}, inputElement),
                       lhs, ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}})
                       .getResult();
}

FailureOr<Int8Contraction> qc::cpu::matchPackedWeightContraction(linalg::LinalgOp op,
                                                                 bool int16Kernels) {
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic || generic.getNumDpsInits() != 1 || generic->getNumResults() != 1 ||
      !generic.hasPureTensorSemantics() || generic.hasDynamicShape())
    return failure();
  unsigned loops = generic.getNumLoops();
  bool conv = loops == 7;
  if ((loops != 3 || generic.getNumDpsInputs() != 1) &&
      (loops != 7 || generic.getNumDpsInputs() != 2))
    return failure();
  Value lhs = generic.getDpsInputs()[0], out = generic.getDpsInits()[0];
  // i16 / u16 activations: the 16-bit kernel (Int16Kernels.cpp, with
  // int16-kernels only) with the weight decoded here, widened to i16 at
  // compile time.
  Type inputElement = getElementTypeOrSelf(lhs.getType());
  bool wide = inputElement.isSignlessInteger(16);
  if ((!inputElement.isSignlessInteger(8) && !(wide && int16Kernels)) ||
      !getElementTypeOrSelf(out.getType()).isSignlessInteger(32))
    return failure();
  MLIRContext *context = op.getContext();
  SmallVector<AffineExpr> d;
  for (unsigned i = 0; i < loops; ++i)
    d.push_back(getAffineDimExpr(i, context));
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  SmallVector<utils::IteratorType> iterators = generic.getIteratorTypesArray();
  unsigned parallel = conv ? 4 : 2;
  for (unsigned i = 0; i < loops; ++i)
    if (iterators[i] != (i < parallel ? utils::IteratorType::parallel
                                      : utils::IteratorType::reduction))
      return failure();
  Int8Contraction c;
  c.op = op;
  int64_t strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
  if (conv) {
    AffineMap in = maps[0];
    if (in.getNumResults() != 4)
      return failure();
    strideH = coefficient(in.getResult(1), 1, loops);
    dilationH = coefficient(in.getResult(1), 4, loops);
    strideW = coefficient(in.getResult(2), 2, loops);
    dilationW = coefficient(in.getResult(2), 5, loops);
    if (strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1 ||
        in != dims(loops, {d[0], d[1] * strideH + d[4] * dilationH,
                           d[2] * strideW + d[5] * dilationW, d[6]}, context) ||
        maps[1] != dims(loops, {d[4], d[5], d[6]}, context) ||
        maps[2] != dims(loops, {d[0], d[1], d[2], d[3]}, context))
      return failure();
  } else if (maps[0] != dims(loops, {d[0], d[2]}, context) ||
             maps[1] != dims(loops, {d[0], d[1]}, context)) {
    return failure();
  }

  // yield(out + ext(input) * weight), weight computed from indices and
  // constants only.
  Block *body = generic.getBody();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  auto add = yield.getNumOperands() == 1 ? yield.getOperand(0).getDefiningOp<arith::AddIOp>()
                                         : nullptr;
  BlockArgument outArg = body->getArgument(generic.getNumDpsInputs());
  if (!add || (add.getLhs() != outArg && add.getRhs() != outArg))
    return failure();
  auto mul = (add.getLhs() == outArg ? add.getRhs() : add.getLhs()).getDefiningOp<arith::MulIOp>();
  if (!mul)
    return failure();
  Value weight;
  if (isExtendedArg(mul.getLhs(), body->getArgument(0), c.inputSigned))
    weight = mul.getRhs();
  else if (isExtendedArg(mul.getRhs(), body->getArgument(0), c.inputSigned))
    weight = mul.getLhs();
  else
    return failure();
  SmallVector<unsigned> weightDims = conv ? SmallVector<unsigned>{3, 4, 5, 6}
                                          : SmallVector<unsigned>{1, 2};
  WeightProgram program;
  if (failed(program.compile(weight, body, weightDims)))
    return failure();
  auto fill = out.getDefiningOp<linalg::FillOp>();
  IntegerAttr initValue;
  if (!fill || !matchPattern(fill.value(), m_Constant(&initValue)))
    return failure();

  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  auto inputType = cast<RankedTensorType>(lhs.getType());
  if (conv) {
    c.batch = ranges[0];
    c.oh = ranges[1];
    c.ow = ranges[2];
    c.filters = ranges[3];
    c.kh = ranges[4];
    c.kw = ranges[5];
    c.channels = ranges[6];
    c.hp = inputType.getDimSize(1);
    c.wp = inputType.getDimSize(2);
    c.strideH = strideH;
    c.strideW = strideW;
    c.dilationH = dilationH;
    c.dilationW = dilationW;
  } else {
    c.wp = c.ow = ranges[0];
    c.filters = ranges[1];
    c.channels = ranges[2];
  }
  c.init = initValue.getValue().getSExtValue();

  // The weight [KH, KW, C, F], evaluated; the kernel multiplies signed
  // bytes (the 16-bit kernel signed 16-bit values).
  int64_t limit = wide ? 32768 : 128;
  int64_t depth = c.kh * c.kw * c.channels;
  std::vector<int64_t> values(depth * c.filters);
  SmallVector<int64_t> at(loops, 0);
  for (int64_t r = 0; r < depth; ++r) {
    if (conv) {
      at[4] = r / (c.kw * c.channels);
      at[5] = r / c.channels % c.kw;
      at[6] = r % c.channels;
    } else {
      at[2] = r;
    }
    int64_t *row = values.data() + r * c.filters;
    if (!program.run(at, conv ? 3 : 1, c.filters, row) ||
        !std::all_of(row, row + c.filters,
                     [&](int64_t w) { return w >= -limit && w < limit; }))
      return failure();
  }
  if (wide) {
    // The codes themselves as bytes (4-bit codes or a codebook's 8-bit
    // ones, signed), widened when the kernel packs them in pairs; codes
    // past a signed byte (a codebook of u8 codes) as i16.
    c.wide = true;
    c.inputBits = 16;
    auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    if (*lo >= -128 && *hi <= 127) {
      SmallVector<int8_t> codes(values.begin(), values.end());
      setKernelOperands(c, op, conv, lhs, codes);
    } else {
      SmallVector<int16_t> codes(values.begin(), values.end());
      c.weightBits = 16;
      setKernelOperands(c, op, conv, lhs, {}, codes);
    }
    return c;
  }
  auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  // The kernel's nibble layout pads each run of the reduction (a filter
  // row, or a tap with a dilated width) to a multiple of 8 with index 0,
  // and the input bytes it multiplies there belong to the next run: index
  // 0 must be the code 0.
  int64_t run = conv && dilationW != 1 ? c.channels : c.kw * c.channels;
  std::map<int64_t, int64_t> distinct;
  if (run % (2 * kQuad) != 0)
    distinct.emplace(0, 0);
  {
    // Each code once (the values are bytes by now).
    std::array<bool, 256> seen{};
    for (int64_t v : values)
      if (!std::exchange(seen[v & 255], true) && distinct.emplace(v, 0).second &&
          distinct.size() > size_t(kCodebookEntries))
        break;
  }
  std::vector<int8_t> bytes(values.size());
  if (*lo >= -8 && *hi <= 7) {
    c.weightBits = 4;
  } else if (*lo >= 0 && *hi <= 15) {
    c.weightBits = 4;
    c.weightUnsigned = true;
  } else if (distinct.size() <= size_t(kCodebookEntries)) {
    // u4 indices into the codes, 0 first when it is one (the padding's),
    // then the others in increasing order.
    c.weightBits = 4;
    c.weightUnsigned = true;
    c.codebook = orderCodes(distinct);
    std::array<int64_t, 256> slotOf{};
    for (auto [code, slot] : distinct)
      slotOf[code & 255] = slot;
    for (int64_t &v : values)
      v = slotOf[v & 255];
  } else if (std::optional<int64_t> entries =
                 perChannelEntries(values, c.filters, run % (2 * kQuad) != 0)) {
    // Per output channel: 4, 8 or 16 codes each (the lookup then reads a
    // table of 64, 128 or 256 bytes per 16 channels).
    c.weightBits = 4;
    c.weightUnsigned = true;
    c.channelCodes = *entries;
    c.codebook.assign(c.filters * c.channelCodes, 0);
    for (int64_t f = 0; f < c.filters; ++f) {
      std::map<int64_t, int64_t> codes;
      if (run % (2 * kQuad) != 0)
        codes.emplace(0, 0);
      std::array<bool, 256> seen{};
      for (size_t i = f; i < values.size(); i += c.filters)
        if (!std::exchange(seen[values[i] & 255], true))
          codes.emplace(values[i], 0);
      SmallVector<int8_t> ordered = orderCodes(codes);
      llvm::copy(ordered, c.codebook.begin() + f * c.channelCodes);
      std::array<int64_t, 256> slotOf{};
      for (auto [code, slot] : codes)
        slotOf[code & 255] = slot;
      for (size_t i = f; i < values.size(); i += c.filters)
        values[i] = slotOf[values[i] & 255];
    }
  }
  llvm::transform(values, bytes.begin(), [](int64_t v) { return int8_t(v); });

  setKernelOperands(c, op, conv, lhs, bytes);
  return c;
}

Value KernelBuilder::lookupCodebook(Value indices, Value block) {
  auto type = cast<VectorType>(indices.getType());
  auto wide = VectorType::get(type.getShape(), b.getI32Type());
  auto splat = [&](int8_t v) -> Value {
    return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, b.getI8IntegerAttr(v)));
  };
  SmallVector<int8_t> table;
  Value offset = index(0);
  if (c.channelCodes) {
    // [blocks, 16 channels, E codes]: byte 4n + i of the weight vector
    // (channel n of the block) reads entry E * n + index.
    int64_t e = c.channelCodes, blocks = llvm::divideCeil(c.filters, kLanes);
    table.assign(blocks * kLanes * e, 0);
    llvm::copy(c.codebook, table.begin());
    offset = mul(block, kLanes * e);
    SmallVector<int8_t> lanesOffsets;
    for (int64_t byte = 0; byte < kLanes * kQuad; ++byte)
      lanesOffsets.push_back(int8_t(uint8_t(e * (byte / kQuad))));
    if (e < kCodebookEntries)
      indices = arith::AndIOp::create(b, loc, indices, splat(int8_t(e - 1)));
    indices = arith::AddIOp::create(
        b, loc, indices,
        arith::ConstantOp::create(b, loc,
                                  DenseIntElementsAttr::get(type, ArrayRef<int8_t>(lanesOffsets))));
  } else {
    table.assign(c.codebook.begin(), c.codebook.end());
    table.resize(kCodebookEntries, 0);
  }
  Value codebook = arith::ConstantOp::create(
      b, loc,
      DenseIntElementsAttr::get(RankedTensorType::get({int64_t(table.size())}, b.getI8Type()),
                                ArrayRef<int8_t>(table)));
  Value mask = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(VectorType::get(type.getShape(), b.getI1Type()), true));
  return vector::GatherOp::create(b, loc, type, codebook, ValueRange{offset},
                                  arith::ExtUIOp::create(b, loc, wide, indices), mask,
                                  splat(0));
}
