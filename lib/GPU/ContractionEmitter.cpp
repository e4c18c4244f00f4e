//===- ContractionEmitter.cpp - register-tiled contraction kernels -------===//
//
// The direct path: each invocation loads its tile's operand words from
// global memory, keeps tileRows x tileCols accumulators in registers, and
// applies the fused epilogue before the only store.
//
//===----------------------------------------------------------------------===//
#include "ContractionEmitter.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace mlir::qc;

Value KernelEmitter::linear(ArrayRef<int64_t> coef, ArrayRef<unsigned> dims,
                            ArrayRef<Value> values, Value base) {
  Value sum = base;
  for (auto [d, v] : llvm::zip(dims, values))
    if (coef[d] != 0)
      sum = sum ? add(sum, mul(v, coef[d])) : mul(v, coef[d]);
  return sum ? sum : index(0);
}

SmallVector<Value> KernelEmitter::rowIndices(Value row) {
  SmallVector<Value> values;
  int64_t inner = c.rows();
  for (unsigned d : c.rowDims) {
    inner /= c.sizes[d];
    Value q =
        inner == 1 ? row : arith::DivUIOp::create(b, loc, row, index(inner));
    values.push_back(d == c.rowDims.front()
                         ? q
                         : arith::RemUIOp::create(b, loc, q, index(c.sizes[d])));
  }
  return values;
}

Value KernelEmitter::dot(Value acc, Value aWord, Value bWord) {
  Type i32Type = b.getI32Type();
  auto format = spirv::PackedVectorFormatAttr::get(
      b.getContext(), spirv::PackedVectorFormat::PackedVectorFormat4x8Bit);
  // The saturating accumulation equals the CPU's wrapping one when no partial
  // sum can overflow: a zero start and depth * max|product| < 2^31.
  int64_t maxProduct = (c.aSigned ? 128 : 255) * (c.bSigned ? 128 : 255);
  bool exact = matchPattern(c.fill.getInputs()[0], m_Zero()) &&
               c.shape().depth * maxProduct <= INT32_MAX;
  if (c.aSigned && c.bSigned && exact)
    return spirv::SDotAccSatOp::create(b, loc, i32Type, aWord, bWord, acc,
                                       format);
  if (c.aSigned != c.bSigned && exact) {
    Value s = c.aSigned ? aWord : bWord, u = c.aSigned ? bWord : aWord;
    return spirv::SUDotAccSatOp::create(b, loc, i32Type, s, u, acc, format);
  }
  Value sum;
  if (c.aSigned && c.bSigned)
    sum = spirv::SDotOp::create(b, loc, i32Type, aWord, bWord, format);
  else if (c.aSigned != c.bSigned)
    sum = spirv::SUDotOp::create(b, loc, i32Type, c.aSigned ? aWord : bWord,
                                 c.aSigned ? bWord : aWord, format);
  else
    sum = spirv::UDotOp::create(b, loc, i32Type, aWord, bWord, format);
  return add(acc, sum);
}

bool KernelEmitter::dependsOnRows(const LinearAccess &access) const {
  return llvm::any_of(c.rowDims, [&](unsigned d) { return access.coef[d]; });
}

/// Flattens the operand's base buffer; views it as i32 words when read so.
/// Flattens the operand's base buffer and views it in units of `unitBytes`:
/// 1 (the bytes themselves), 4 (i32 words, the last one possibly partial) or
/// 16 (vector<4xi32> quads: whole ones only, prepareQuadWords checked that).
static Value flatView(OpBuilder &b, Location loc, Value root,
                      int64_t unitBytes) {
  auto type = cast<MemRefType>(root.getType());
  Value flat = root;
  if (type.getRank() != 1) {
    ReassociationIndices all;
    for (int64_t i = 0; i < type.getRank(); ++i)
      all.push_back(i);
    flat = memref::CollapseShapeOp::create(b, loc, root,
                                           ArrayRef<ReassociationIndices>{all});
  }
  if (unitBytes == 1)
    return flat;
  Type unit = unitBytes == 32   ? Type(VectorType::get({4}, b.getI64Type()))
              : unitBytes == 16 ? Type(VectorType::get({4}, b.getI32Type()))
                                : Type(b.getI32Type());
  int64_t count = unitBytes >= 16 ? type.getNumElements() / unitBytes
                                  : (type.getNumElements() + 3) / 4;
  auto viewType = MemRefType::get({count}, unit);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  return memref::ViewOp::create(b, loc, viewType, flat, zero, ValueRange{});
}

void KernelEmitter::createViews() {
  a.access = &c.a;
  a.isSigned = c.aSigned;
  bOp.access = &c.b;
  bOp.isSigned = c.bSigned;
  for (Operand *x : {&a, &bOp})
    x->view = flatView(b, loc, x->access->root,
                       cfg.quadBytes                                   ? cfg.quadBytes
                       : x->access->mode != OperandAccess::Elements ? 4
                                                                      : 1);
}

Value KernelEmitter::extractByte(Value word, int64_t byte, bool isSigned) {
  if (isSigned) {
    Value up = byte == 3 ? word
                         : arith::ShLIOp::create(b, loc, word, i32(24 - 8 * byte));
    return arith::ShRSIOp::create(b, loc, up, i32(24));
  }
  Value down =
      byte == 0 ? word : arith::ShRUIOp::create(b, loc, word, i32(8 * byte));
  return byte == 3 ? down : arith::AndIOp::create(b, loc, down, i32(255));
}

/// The word of `x` holding element (r, kk, j) of the current step.
Value KernelEmitter::loadWord(Operand &x, int64_t r, int64_t j, int64_t kk) {
  const LinearAccess &acc = *x.access;
  Value addr = add(x.rowOffset[dependsOnRows(acc) ? r : 0], x.redOffset);
  if (acc.mode == OperandAccess::ReductionWords) {
    if (acc.coef[c.colDim])
      addr = add(addr, mul(colIdx[j], acc.coef[c.colDim]));
  } else {
    if (kk && !c.redDims.empty())
      addr = add(addr, index(kk * acc.coef[c.redDims.back()]));
    addr = add(addr, colWord[j / 4]);
  }
  Value word = arith::DivUIOp::create(b, loc, addr, index(4));
  if (&x == &a && c.pad)
    return loadPadded(
        word, r, acc.mode == OperandAccess::ReductionWords ? 0 : kk, true);
  if (&x == &bOp && c.nibblePairWords)
    return loadNibbleWord(word, r, j, kk);
  return memref::LoadOp::create(b, loc, x.view, word);
}

Value KernelEmitter::inSource(int64_t r, int64_t kk) {
  Value &ok = inSourceCache[{r, kk}];
  if (ok)
    return ok;
  if (!hoistedOk.empty())
    ok = hoistedOk[r];
  for (auto [i, bound] : llvm::enumerate(c.pad->bounds)) {
    if (!bound.coef[c.redDims.back()] && !hoistedOk.empty())
      continue;
    Value idx = boundRed[i] ? add(boundRow[r][i], boundRed[i]) : boundRow[r][i];
    if (kk && bound.coef[c.redDims.back()])
      idx = add(idx, index(kk * bound.coef[c.redDims.back()]));
    // Unsigned: a negative index (the leading padding) is out of range too.
    Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                         idx, index(bound.size));
    ok = ok ? arith::AndIOp::create(b, loc, ok, inside) : inside;
  }
  if (!ok)
    ok = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
  return ok;
}

void KernelEmitter::hoistPaddingChecks(ArrayRef<Value> outerIvs) {
  ArrayRef<unsigned> outer = ArrayRef<unsigned>(c.redDims).drop_back();
  unsigned inner = c.redDims.back();
  bool all = true;
  SmallVector<Value> outerRed;
  for (const PaddedInput::Bound &bound : c.pad->bounds) {
    all &= bound.coef[inner] == 0;
    outerRed.push_back(linear(bound.coef, outer, outerIvs, Value()));
  }
  for (int64_t r = 0; r < cfg.tileRows; ++r) {
    Value ok;
    for (auto [i, bound] : llvm::enumerate(c.pad->bounds)) {
      if (bound.coef[inner])
        continue;
      Value inside = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::ult, add(boundRow[r][i], outerRed[i]),
          index(bound.size));
      ok = ok ? arith::AndIOp::create(b, loc, ok, inside) : inside;
    }
    hoistedOk.push_back(
        ok ? ok : arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1));
  }
  if (!all)
    return;
  // Outside the source the innermost loop reads from 0 on: its elements
  // are within the source, as it never crosses a padded dim.
  Value outerA = linear(c.a.coef, outer, outerIvs, Value());
  for (auto [r, offset] : llvm::enumerate(a.rowOffset))
    offset = arith::SelectOp::create(b, loc, hoistedOk[r], add(offset, outerA),
                                     index(0));
  safeAddresses = true;
}

Value KernelEmitter::loadPadded(Value idx, int64_t r, int64_t kk, bool word) {
  Value ok = inSource(r, kk);
  // The address is clamped too: no load outside the source.
  Value safe =
      safeAddresses ? idx : arith::SelectOp::create(b, loc, ok, idx, index(0));
  Value loaded = memref::LoadOp::create(b, loc, a.view, safe);
  uint32_t byte = static_cast<uint8_t>(c.pad->value);
  Value padValue =
      word ? i32(static_cast<int32_t>(byte * 0x01010101u))
           : arith::ConstantIntOp::create(b, loc, b.getI8Type(), c.pad->value)
                 .getResult();
  return arith::SelectOp::create(b, loc, ok, loaded, padValue);
}

/// Element (row r, reduction sub-step kk, column j) of the current step, as
/// an extended i32; loads are shared between the elements they hold.
Value KernelEmitter::fetch(Operand &x, int64_t r, int64_t kk, int64_t j) {
  const LinearAccess &acc = *x.access;
  int64_t rk = dependsOnRows(acc) ? r : -1;
  bool dependsOnCols = acc.coef[c.colDim] != 0;
  if (acc.mode == OperandAccess::ReductionWords && cfg.quadBytes)
    return fetchQuad(x, r, kk, j);
  if (acc.mode == OperandAccess::ReductionWords) {
    int64_t jk = dependsOnCols ? j : -1;
    auto key = std::make_tuple(rk, jk, int64_t(-1));
    Value &word = x.cache[key];
    // Padded A is only shared where the bound checks are hoisted, which
    // also makes every lane's address safe.
    if (!word && &x == &a && rk >= 0 && !dependsOnCols && useBroadcast &&
        (!c.pad || safeAddresses))
      word = broadcastRowWord(r);
    if (!word)
      word = loadWord(x, r, j, 0);
    Value &value = x.cache[std::make_tuple(rk, jk, kk)];
    if (!value)
      value = extractByte(word, kk, x.isSigned);
    return value;
  }
  if (acc.mode == OperandAccess::ColumnWords) {
    auto key = std::make_tuple(rk, kk, -1 - j / 4);
    Value &word = x.cache[key];
    if (!word)
      word = loadWord(x, r, j, kk);
    Value &value = x.cache[std::make_tuple(rk, kk, j)];
    if (!value)
      value = extractByte(word, j % 4, x.isSigned);
    return value;
  }
  int64_t jk = dependsOnCols ? j : -1;
  Value &value = x.cache[std::make_tuple(rk, kk, jk)];
  if (!value) {
    Value addr = add(x.rowOffset[rk < 0 ? 0 : r], x.redOffset);
    if (kk)
      addr = add(addr, index(kk * acc.coef[c.redDims.back()]));
    if (dependsOnCols)
      addr = add(addr, mul(colIdx[j], acc.coef[c.colDim]));
    if (&x == &bOp && c.nibbleElements)
      return value = loadNibbleElement(addr);
    Value element = &x == &a && c.pad
                        ? loadPadded(addr, r, kk, false)
                        : Value(memref::LoadOp::create(b, loc, x.view, addr));
    value = x.isSigned
                ? Value(arith::ExtSIOp::create(b, loc, b.getI32Type(), element))
                : Value(arith::ExtUIOp::create(b, loc, b.getI32Type(), element));
  }
  return value;
}

SmallVector<Value> KernelEmitter::emitStep(ArrayRef<Value> ivs,
                                           ValueRange accs) {
  for (Operand *x : {&a, &bOp}) {
    x->cache.clear();
    x->redOffset = linear(x->access->coef, c.redDims, ivs, Value());
  }
  if (safeAddresses)
    a.redOffset = linear(c.a.coef, ArrayRef<unsigned>(c.redDims).take_back(),
                         ivs.take_back(), Value());
  inSourceCache.clear();
  laneAWord = Value();
  boundRed.clear();
  if (c.pad)
    for (const PaddedInput::Bound &bound : c.pad->bounds) {
      bool any = llvm::any_of(c.redDims,
                              [&](unsigned d) { return bound.coef[d] != 0; });
      boundRed.push_back(any ? linear(bound.coef, c.redDims, ivs, Value())
                             : Value());
    }
  SmallVector<Value> next(accs.begin(), accs.end());
  if (cfg.dotProduct) {
    // Both operands hold 4 reduction elements per word.
    auto word = [&](Operand &x, int64_t r, int64_t j) {
      int64_t rk = dependsOnRows(*x.access) ? r : -1;
      int64_t jk = x.access->coef[c.colDim] ? j : -1;
      Value &w = x.cache[std::make_tuple(rk, jk, int64_t(-1))];
      if (!w)
        w = loadWord(x, r, j, 0);
      return w;
    };
    for (int64_t r = 0; r < cfg.tileRows; ++r)
      for (int64_t j = 0; j < cfg.tileCols; ++j) {
        Value &acc = next[r * cfg.tileCols + j];
        acc = dot(acc, word(a, r, j), word(bOp, r, j));
      }
    return next;
  }
  for (int64_t r = 0; r < cfg.tileRows; ++r)
    for (int64_t kk = 0; kk < cfg.kStep; ++kk)
      for (int64_t j = 0; j < cfg.tileCols; ++j) {
        Value &acc = next[r * cfg.tileCols + j];
        Value product = arith::MulIOp::create(b, loc, fetch(a, r, kk, j),
                                              fetch(bOp, r, kk, j));
        acc = add(acc, product);
      }
  return next;
}

SmallVector<Value> KernelEmitter::emitLoops(unsigned level,
                                            SmallVector<Value> &ivs,
                                            ValueRange accs) {
  if (level == c.redDims.size())
    return emitStep(ivs, accs);
  bool innermost = level + 1 == c.redDims.size();
  if (innermost && cfg.stageWords)
    return emitStagedLoop(ivs, accs);
  int64_t step = innermost ? cfg.kStep : 1;
  SmallVector<Value> rowOffsets = a.rowOffset;
  if (innermost && c.pad)
    hoistPaddingChecks(ivs);
  auto loop = scf::ForOp::create(b, loc, index(0),
                                 index(c.sizes[c.redDims[level]]), index(step),
                                 accs);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  ivs.push_back(loop.getInductionVar());
  SmallVector<Value> results =
      emitLoops(level + 1, ivs, loop.getRegionIterArgs());
  ivs.pop_back();
  a.rowOffset = rowOffsets;
  hoistedOk.clear();
  safeAddresses = false;
  scf::YieldOp::create(b, loc, results);
  return loop.getResults();
}

void KernelEmitter::emitEpilogue(Value acc, int64_t r, int64_t j) {
  // Output dim d's index of this element.
  auto dimIndex = [&](unsigned d) {
    return d == c.colDim ? colIdx[j] : rowIdx[r].lookup(d);
  };
  if (!c.epilogue) {
    SmallVector<Value> indices;
    for (AffineExpr e : c.outMap.getResults())
      indices.push_back(dimIndex(cast<AffineDimExpr>(e).getPosition()));
    memref::StoreOp::create(b, loc, acc, c.out, indices);
    return;
  }
  // The element's position in the accumulator buffer; each fused stage
  // finds its loop indices from its (dense, identity-layout) view of the
  // buffer it chains from, computes on the register value, and hands its
  // result to the next stage by its position in its own output buffer.
  SmallVector<Value> outIndices;
  for (AffineExpr e : c.outMap.getResults())
    outIndices.push_back(dimIndex(cast<AffineDimExpr>(e).getPosition()));
  Value flat = flatPosition(cast<MemRefType>(c.out.getType()), outIndices);
  SmallVector<Contraction::ChainedStage> stages = {
      {c.epilogue, c.epilogueInput}};
  stages.append(c.chained.begin(), c.chained.end());
  Value value = acc;
  for (auto [i, stage] : llvm::enumerate(stages)) {
    bool last = i + 1 == stages.size();
    SmallVector<Value> indices;
    value = emitStage(stage.op, stage.input, flat, value, indices);
    OpOperand *init = stage.op.getDpsInitOperand(0);
    if (last)
      memref::StoreOp::create(b, loc, value, init->get(), indices);
    else
      flat = flatPosition(cast<MemRefType>(init->get().getType()), indices);
  }
}

Value KernelEmitter::flatPosition(MemRefType type, ValueRange indices) {
  SmallVector<int64_t> strides;
  int64_t offset;
  (void)type.getStridesAndOffset(strides, offset);
  Value flat = index(offset);
  for (auto [v, s] : llvm::zip(indices, strides))
    flat = add(flat, mul(v, s));
  return flat;
}

Value KernelEmitter::emitStage(linalg::GenericOp consumer, unsigned input,
                               Value flat, Value value,
                               SmallVector<Value> &initIndices) {
  // The position `flat` in the consumer's view of the buffer, then the
  // consumer's loop indices through its permutation map.
  OpOperand *chained = &consumer->getOpOperand(input);
  ArrayRef<int64_t> viewShape =
      cast<MemRefType>(chained->get().getType()).getShape();
  SmallVector<Value> viewIndices(viewShape.size());
  int64_t inner = 1;
  for (int64_t i = viewShape.size() - 1; i >= 0; --i) {
    Value q = inner == 1 ? flat
                         : arith::DivUIOp::create(b, loc, flat, index(inner));
    viewIndices[i] = i == 0 ? q
                            : arith::RemUIOp::create(b, loc, q,
                                                     index(viewShape[i]));
    inner *= viewShape[i];
  }
  AffineMap chainedMap = consumer.getMatchingIndexingMap(chained);
  SmallVector<Value> loops(consumer.getNumLoops());
  for (auto [e, v] : llvm::zip(chainedMap.getResults(), viewIndices))
    loops[cast<AffineDimExpr>(e).getPosition()] = v;
  auto indicesOf = [&](AffineMap map) {
    SmallVector<Value> indices;
    for (AffineExpr e : map.getResults()) {
      if (auto dim = dyn_cast<AffineDimExpr>(e))
        indices.push_back(loops[dim.getPosition()]);
      else
        indices.push_back(affine::AffineApplyOp::create(
            b, loc, AffineMap::get(map.getNumDims(), 0, e), loops));
    }
    return indices;
  };
  // The other operands (a bias, per-channel multipliers, the skip input of a
  // residual add) are read per element.
  Block &body = consumer.getRegion().front();
  IRMapping mapping;
  for (OpOperand &operand : consumer->getOpOperands()) {
    BlockArgument arg = body.getArgument(operand.getOperandNumber());
    if (&operand == chained) {
      mapping.map(arg, value);
      continue;
    }
    if (arg.use_empty())
      continue;
    mapping.map(arg, memref::LoadOp::create(
                         b, loc, operand.get(),
                         indicesOf(consumer.getMatchingIndexingMap(&operand))));
  }
  for (Operation &op : body.without_terminator())
    b.clone(op, mapping);
  initIndices = indicesOf(
      consumer.getMatchingIndexingMap(consumer.getDpsInitOperand(0)));
  return mapping.lookupOrDefault(body.getTerminator()->getOperand(0));
}

void KernelEmitter::emitStores(ValueRange accs) {
  int64_t rows = c.rows(), cols = c.cols();
  for (int64_t r = 0; r < cfg.tileRows; ++r) {
    Value row = add(rowBase, index(r));
    Value rowOk = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row,
                                        index(rows));
    for (int64_t j = 0; j < cfg.tileCols; ++j) {
      Value col = add(colBase, index(j));
      Value colOk = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                          col, index(cols));
      Value ok = arith::AndIOp::create(b, loc, rowOk, colOk);
      auto guard = scf::IfOp::create(b, loc, ok, /*withElseRegion=*/false);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(guard.thenBlock());
      emitEpilogue(accs[r * cfg.tileCols + j], r, j);
    }
  }
}

gpu::LaunchOp KernelEmitter::createLaunch(StringRef name) {
  int64_t rows = c.rows(), cols = c.cols();
  int64_t gridX = (cols + cfg.workgroupCols() - 1) / cfg.workgroupCols();
  int64_t gridY = (rows + cfg.workgroupRows() - 1) / cfg.workgroupRows();
  Value one = index(1);
  auto launch = gpu::LaunchOp::create(
      b, loc, index(gridX), index(gridY), one, index(cfg.workgroupX),
      index(cfg.workgroupY), one, nullptr, nullptr, {}, {}, {}, nullptr,
      nullptr, nullptr, nullptr, FlatSymbolRefAttr::get(b.getContext(), name));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&launch.getBody().front());

  blockX = launch.getBlockIds().x;
  blockY = launch.getBlockIds().y;
  threadX = launch.getThreadIds().x;
  threadY = launch.getThreadIds().y;
  Value colGroup = add(
      arith::MulIOp::create(b, loc, blockX, index(cfg.workgroupX)), threadX);
  colBase = mul(colGroup, cfg.tileCols);
  Value rowGroup = add(
      arith::MulIOp::create(b, loc, blockY, index(cfg.workgroupY)), threadY);
  rowBase = mul(rowGroup, cfg.tileRows);

  // Out-of-range rows and columns compute on the last one (no branches in
  // the reduction loop) and are not stored.
  auto clamp = [&](Value v, int64_t last) {
    return arith::MinUIOp::create(b, loc, v, index(last));
  };
  rowIdx.resize(cfg.tileRows);
  for (Operand *x : {&a, &bOp})
    x->rowOffset.clear();
  for (int64_t r = 0; r < cfg.tileRows; ++r) {
    Value row = clamp(add(rowBase, index(r)), rows - 1);
    SmallVector<Value> values = rowIndices(row);
    for (auto [d, v] : llvm::zip(c.rowDims, values))
      rowIdx[r][d] = v;
    for (Operand *x : {&a, &bOp})
      if (r == 0 || dependsOnRows(*x->access))
        x->rowOffset.push_back(linear(x->access->coef, c.rowDims, values,
                                      index(x->access->offset)));
    if (c.pad) {
      boundRow.emplace_back();
      for (const PaddedInput::Bound &bound : c.pad->bounds)
        boundRow.back().push_back(
            linear(bound.coef, c.rowDims, values, index(bound.offset)));
    }
  }
  for (int64_t j = 0; j < cfg.tileCols; ++j)
    colIdx.push_back(clamp(add(colBase, index(j)), cols - 1));
  if (cols >= 4)
    for (int64_t j = 0; j < cfg.tileCols; j += 4)
      colWord.push_back(clamp(add(colBase, index(j)), cols - 4));

  if (cfg.stageWords)
    prepareStaging();
  TypedValue<Type> init = c.fill.getInputs()[0];
  SmallVector<Value> accs(cfg.tileRows * cfg.tileCols, init);
  SmallVector<Value> ivs;
  SmallVector<Value> results = cfg.broadcastRows
                                   ? emitBroadcastOrLoads(accs)
                                   : emitLoops(0, ivs, accs);
  emitStores(results);
  gpu::TerminatorOp::create(b, loc);
  return launch;
}

