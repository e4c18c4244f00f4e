//===- ContractionKernels.cpp - register-tiled integer contraction kernels ===//
//
// Applies the tiling that qc/GPU/ContractionStrategy.h chose to the
// contractions ContractionAnalysis.h recognized: one gpu.launch each, with
// the accumulator tile in registers, word loads, optional workgroup-memory
// stages and the fill and elementwise consumer fused.
//
//===----------------------------------------------------------------------===//
#include "ContractionAnalysis.h"
#include "qc/GPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCSPIRVCONTRACTIONKERNELS
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;
using namespace mlir::qc;

namespace {

/// Builds the body of one contraction kernel.
class KernelEmitter {
public:
  KernelEmitter(OpBuilder &b, Location loc, Contraction &c,
                const ContractionConfig &cfg)
      : b(b), loc(loc), c(c), cfg(cfg) {}

  /// Host side: 1-D views of A and B (i32 words where read as words).
  void createViews();
  /// The gpu.launch at the builder's insertion point.
  gpu::LaunchOp createLaunch(StringRef name);

private:
  struct Operand {
    const LinearAccess *access;
    bool isSigned;
    Value view;
    SmallVector<Value> rowOffset; // per tile row (or one if row-independent)
    Value redOffset;              // of the current reduction step
    DenseMap<std::tuple<int64_t, int64_t, int64_t>, Value> cache;
  };

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value i32(int64_t v) {
    return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, int64_t y) {
    if (y == 1)
      return x;
    return arith::MulIOp::create(b, loc, x, index(y));
  }
  Value linear(ArrayRef<int64_t> coef, ArrayRef<unsigned> dims,
               ArrayRef<Value> values, Value base);
  bool dependsOnRows(const LinearAccess &access) const;
  Value extractByte(Value word, int64_t byte, bool isSigned);
  Value fetch(Operand &x, int64_t r, int64_t kk, int64_t j);
  Value loadWord(Operand &x, int64_t r, int64_t j, int64_t kk);
  SmallVector<Value> emitLoops(unsigned level, SmallVector<Value> &ivs,
                               ValueRange accs);
  SmallVector<Value> emitStep(ArrayRef<Value> ivs, ValueRange accs);
  void emitStores(ValueRange accs);
  void emitEpilogue(Value acc, int64_t r, int64_t j);

  OpBuilder &b;
  Location loc;
  Contraction &c;
  const ContractionConfig &cfg;
  Operand a, bOp;
  Value rowBase, colBase;
  /// Row-dim indices per tile row (clamped to the last row), column index
  /// per tile column and first column of each column word (clamped).
  SmallVector<DenseMap<unsigned, Value>> rowIdx;
  SmallVector<Value> colIdx, colWord;
};

} // namespace

Value KernelEmitter::linear(ArrayRef<int64_t> coef, ArrayRef<unsigned> dims,
                            ArrayRef<Value> values, Value base) {
  Value sum = base;
  for (auto [d, v] : llvm::zip(dims, values))
    if (coef[d] != 0)
      sum = sum ? add(sum, mul(v, coef[d])) : mul(v, coef[d]);
  return sum ? sum : index(0);
}

bool KernelEmitter::dependsOnRows(const LinearAccess &access) const {
  return llvm::any_of(c.rowDims, [&](unsigned d) { return access.coef[d]; });
}

/// Flattens the operand's base buffer; views it as i32 words when read so.
static Value flatView(OpBuilder &b, Location loc, Value root, bool words) {
  auto type = cast<MemRefType>(root.getType());
  Value flat = root;
  if (type.getRank() != 1) {
    ReassociationIndices all;
    for (int64_t i = 0; i < type.getRank(); ++i)
      all.push_back(i);
    flat = memref::CollapseShapeOp::create(b, loc, root,
                                           ArrayRef<ReassociationIndices>{all});
  }
  if (!words)
    return flat;
  int64_t count = (type.getNumElements() + 3) / 4;
  auto wordType = MemRefType::get({count}, b.getI32Type());
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  return memref::ViewOp::create(b, loc, wordType, flat, zero, ValueRange{});
}

void KernelEmitter::createViews() {
  a.access = &c.a;
  a.isSigned = c.aSigned;
  bOp.access = &c.b;
  bOp.isSigned = c.bSigned;
  for (Operand *x : {&a, &bOp})
    x->view = flatView(b, loc, x->access->root,
                       x->access->mode != OperandAccess::Elements);
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
  return memref::LoadOp::create(b, loc, x.view, word);
}

/// Element (row r, reduction sub-step kk, column j) of the current step, as
/// an extended i32; loads are shared between the elements they hold.
Value KernelEmitter::fetch(Operand &x, int64_t r, int64_t kk, int64_t j) {
  const LinearAccess &acc = *x.access;
  int64_t rk = dependsOnRows(acc) ? r : -1;
  bool dependsOnCols = acc.coef[c.colDim] != 0;
  if (acc.mode == OperandAccess::ReductionWords) {
    int64_t jk = dependsOnCols ? j : -1;
    auto key = std::make_tuple(rk, jk, int64_t(-1));
    Value &word = x.cache[key];
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
    Value element = memref::LoadOp::create(b, loc, x.view, addr);
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
  SmallVector<Value> next(accs.begin(), accs.end());
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
  int64_t step = innermost ? cfg.kStep : 1;
  auto loop = scf::ForOp::create(b, loc, index(0),
                                 index(c.sizes[c.redDims[level]]), index(step),
                                 accs);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  ivs.push_back(loop.getInductionVar());
  SmallVector<Value> results =
      emitLoops(level + 1, ivs, loop.getRegionIterArgs());
  ivs.pop_back();
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
  // The element's position in the accumulator buffer, then in the
  // consumer's (dense, identity-layout) view of it, then the consumer's
  // loop indices through its permutation map.
  linalg::GenericOp consumer = c.epilogue;
  AffineMap outMap = c.outMap;
  SmallVector<Value> outIndices;
  for (AffineExpr e : outMap.getResults())
    outIndices.push_back(dimIndex(cast<AffineDimExpr>(e).getPosition()));
  auto outType = cast<MemRefType>(c.out.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  (void)outType.getStridesAndOffset(strides, offset);
  Value flat = index(offset);
  for (auto [v, s] : llvm::zip(outIndices, strides))
    flat = add(flat, mul(v, s));
  OpOperand *accOperand = &consumer->getOpOperand(c.epilogueInput);
  ArrayRef<int64_t> viewShape =
      cast<MemRefType>(accOperand->get().getType()).getShape();
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
  AffineMap accMap = consumer.getMatchingIndexingMap(accOperand);
  SmallVector<Value> loops(consumer.getNumLoops());
  for (auto [e, v] : llvm::zip(accMap.getResults(), viewIndices))
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
  Block &body = consumer.getRegion().front();
  IRMapping mapping;
  for (OpOperand &operand : consumer->getOpOperands()) {
    BlockArgument arg = body.getArgument(operand.getOperandNumber());
    if (&operand == accOperand) {
      mapping.map(arg, acc);
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
  OpOperand *init = consumer.getDpsInitOperand(0);
  Value result = mapping.lookupOrDefault(body.getTerminator()->getOperand(0));
  memref::StoreOp::create(b, loc, result, init->get(),
                          indicesOf(consumer.getMatchingIndexingMap(init)));
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

  Value colGroup = add(arith::MulIOp::create(b, loc, launch.getBlockIds().x,
                                             index(cfg.workgroupX)),
                       launch.getThreadIds().x);
  colBase = mul(colGroup, cfg.tileCols);
  Value rowGroup = add(arith::MulIOp::create(b, loc, launch.getBlockIds().y,
                                             index(cfg.workgroupY)),
                       launch.getThreadIds().y);
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
    SmallVector<Value> values;
    int64_t inner = rows;
    for (unsigned d : c.rowDims) {
      inner /= c.sizes[d];
      Value q = inner == 1 ? row
                           : arith::DivUIOp::create(b, loc, row, index(inner));
      Value idx = d == c.rowDims.front()
                      ? q
                      : arith::RemUIOp::create(b, loc, q, index(c.sizes[d]));
      rowIdx[r][d] = idx;
      values.push_back(idx);
    }
    for (Operand *x : {&a, &bOp})
      if (r == 0 || dependsOnRows(*x->access))
        x->rowOffset.push_back(linear(x->access->coef, c.rowDims, values,
                                      index(x->access->offset)));
  }
  for (int64_t j = 0; j < cfg.tileCols; ++j)
    colIdx.push_back(clamp(add(colBase, index(j)), cols - 1));
  if (cols >= 4)
    for (int64_t j = 0; j < cfg.tileCols; j += 4)
      colWord.push_back(clamp(add(colBase, index(j)), cols - 4));

  TypedValue<Type> init = c.fill.getInputs()[0];
  SmallVector<Value> accs(cfg.tileRows * cfg.tileCols, init);
  SmallVector<Value> ivs;
  SmallVector<Value> results = emitLoops(0, ivs, accs);
  emitStores(results);
  gpu::TerminatorOp::create(b, loc);
  return launch;
}

namespace {

struct QCSPIRVContractionKernelsPass final
    : qc::impl::QCSPIRVContractionKernelsBase<QCSPIRVContractionKernelsPass> {
  using QCSPIRVContractionKernelsBase::QCSPIRVContractionKernelsBase;

  void runOnOperation() override {
    GPUDeviceLimits limits;
    limits.maxWorkgroupInvocations = maxWorkgroupInvocations;
    limits.maxSharedMemoryBytes = maxSharedMemoryBytes;
    limits.subgroupSize = subgroupSize;
    limits.integerDotProduct = integerDotProduct;
    limits.sharedMemoryTiles = sharedMemoryTiles;
    ModuleOp module = getOperation();
    SmallVector<NamedAttribute> configs;
    if (auto existing =
            module->getAttrOfType<DictionaryAttr>("qc.kernel_configs"))
      configs.assign(existing.begin(), existing.end());
    for (auto func : module.getOps<func::FuncOp>()) {
      SmallVector<linalg::LinalgOp> ops;
      func.walk([&](linalg::LinalgOp op) { ops.push_back(op); });
      unsigned count = 0;
      llvm::DenseSet<Operation *> erased;
      for (linalg::LinalgOp op : ops) {
        // A fused consumer of an earlier contraction is gone.
        if (erased.contains(op))
          continue;
        FailureOr<Contraction> c = analyzeContraction(op);
        if (failed(c) || c->redDims.empty() || c->rows() < 1)
          continue;
        llvm::Expected<ContractionConfig> cfg =
            chooseContractionConfig(c->shape(), limits);
        if (!cfg) {
          op->emitError("no tiling of this contraction fits the device: ")
              << llvm::toString(cfg.takeError());
          return signalPassFailure();
        }
        std::string name =
            (func.getSymName() + "_contraction_" + Twine(count++)).str();
        erased.insert(c->fill);
        if (c->epilogue)
          erased.insert(c->epilogue);
        emit(*c, *cfg, name);
        configs.push_back(NamedAttribute(
            StringAttr::get(&getContext(), name),
            StringAttr::get(&getContext(), cfg->describe())));
      }
    }
    if (!configs.empty())
      module->setAttr("qc.kernel_configs",
                      DictionaryAttr::get(&getContext(), configs));
  }

  void emit(Contraction &c, const ContractionConfig &cfg,
            StringRef name) {
    Operation *at = c.epilogue ? c.epilogue.getOperation() : c.op.getOperation();
    OpBuilder b(at);
    KernelEmitter emitter(b, c.op.getLoc(), c, cfg);
    emitter.createViews();
    emitter.createLaunch(name);
    Value accRoot = viewRoot(c.out);
    if (c.epilogue)
      c.epilogue->erase();
    c.op->erase();
    c.fill->erase();
    if (!c.epilogue)
      return;
    // The accumulator buffer is dead: only views and deallocs are left.
    SmallVector<Operation *> dead;
    SmallVector<Value> worklist = {accRoot};
    while (!worklist.empty())
      for (Operation *user : worklist.pop_back_val().getUsers()) {
        dead.push_back(user);
        if (user->getNumResults() == 1)
          worklist.push_back(user->getResult(0));
      }
    for (Operation *op : llvm::reverse(dead))
      op->erase();
    accRoot.getDefiningOp()->erase();
  }
};

} // namespace
