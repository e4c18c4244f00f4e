//===- ContractionKernels.cpp - register-tiled integer contraction kernels ===//
//
// Applies the tiling that qc/GPU/ContractionStrategy.h chose to the
// contractions ContractionAnalysis.h recognized: one gpu.launch each, with
// the accumulator tile in registers, word loads, optional workgroup-memory
// stages and the fill and elementwise consumers fused (the requantization,
// then e.g. a residual add reading the skip input per output element).
//
//===----------------------------------------------------------------------===//
#include "ContractionEmitter.h"
#include "qc/GPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCSPIRVCONTRACTIONKERNELS
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;
using namespace mlir::qc;

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
    limits.subgroupBroadcast = subgroupBroadcast;
    limits.wideLoads = wideLoads;
    limits.int64Loads = int64Loads;
    limits.subgroupExtendedTypes = subgroupExtendedTypes;
    limits.subgroupShuffle = subgroupShuffle;
    limits.testMarkBroadcast = testMarkBroadcast;
    ModuleOp module = getOperation();
    SmallVector<NamedAttribute> configs;
    if (auto existing =
            module->getAttrOfType<DictionaryAttr>("qc.kernel_configs"))
      configs.assign(existing.begin(), existing.end());
    llvm::StringMap<Value> packed;
    for (auto func : module.getOps<func::FuncOp>()) {
      packed.clear();
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
        OpBuilder b(op);
        if (!classifyFourBitWeights(*c, b, packed))
          continue;
        LinearAccess unpadded = c->a;
        bool filterRows = false;
        // A narrow convolution's filter rows gathered for wide loads
        // (lavapipe's: not with dot products or stages, which GPUs get).
        if (limits.wideLoads && !limits.integerDotProduct &&
            !limits.sharedMemoryTiles && gatherFilterRows(*c, b, packed)) {
          unpadded = c->a;
          filterRows = true;
        } else if (!padReductionToWords(*c, b, packed, limits.integerDotProduct))
          fusePaddedInput(*c);
        if (limits.integerDotProduct)
          packWeightsForDot(*c, b, packed);
        // 4-bit weights are read two codes per byte, not in 16-byte quads.
        else if (limits.wideLoads && c->fourBit == FourBitWeights::None)
          prepareQuadWords(*c, b, packed, limits.int64Loads ? 32 : 16);
        packNibbles(*c, b, packed);
        llvm::Expected<ContractionConfig> cfg =
            chooseContractionConfig(c->shape(), limits);
        // Workgroup-memory stages copy A without the padding's bounds: the
        // padded copy stays.
        if (cfg && cfg->stageWords && c->pad) {
          c->a = unpadded;
          c->pad.reset();
          cfg = chooseContractionConfig(c->shape(), limits);
        }
        if (!cfg) {
          op->emitError("no tiling of this contraction fits the device: ")
              << llvm::toString(cfg.takeError());
          return signalPassFailure();
        }
        std::string name =
            (func.getSymName() + "_contraction_" + Twine(count++)).str();
        erased.insert(c->fill);
        if (c->pad)
          erased.insert(c->pad->producers.begin(), c->pad->producers.end());
        if (c->epilogue)
          erased.insert(c->epilogue);
        for (const Contraction::ChainedStage &stage : c->chained)
          erased.insert(stage.op);
        emit(*c, *cfg, name);
        configs.push_back(NamedAttribute(
            StringAttr::get(&getContext(), name),
            StringAttr::get(&getContext(), cfg->describe() + nibbles(*c, *cfg) +
                                                  (filterRows ? ", filter rows"
                                                              : ""))));
      }
    }
    if (!configs.empty())
      module->setAttr("qc.kernel_configs",
                      DictionaryAttr::get(&getContext(), configs));
  }

  /// The manifest's note on 4-bit weights stored two codes per byte.
  static std::string nibbles(const Contraction &c,
                             const ContractionConfig &cfg) {
    if (c.nibbleElements)
      return c.fourBit == FourBitWeights::I4 ? ", weights i4x2 (elements)"
                                             : ", weights u4x2 (elements)";
    if (!c.nibblePairWords)
      return "";
    std::string s = c.fourBit == FourBitWeights::I4 ? ", weights i4x2"
                                                    : ", weights u4x2";
    if (c.nibblePairedSteps && cfg.kStep % 2 == 0 && !cfg.stageWords)
      s += " (k pairs)";
    if (c.nibblePairedCols && !cfg.stageWords)
      s += " (column pairs)";
    return s;
  }

  void emit(Contraction &c, const ContractionConfig &cfg,
            StringRef name) {
    OpBuilder b(c.kernelPosition());
    KernelEmitter emitter(b, c.op.getLoc(), c, cfg);
    emitter.createViews();
    emitter.createLaunch(name);
    Value accRoot = viewRoot(c.out);
    // The results of all fused stages but the last are dead too.
    SmallVector<Value> intermediates;
    if (!c.chained.empty()) {
      intermediates.push_back(viewRoot(c.epilogue.getDpsInits()[0]));
      for (Contraction::ChainedStage stage : llvm::drop_end(c.chained))
        intermediates.push_back(viewRoot(stage.op.getDpsInits()[0]));
    }
    for (const Contraction::ChainedStage &stage : llvm::reverse(c.chained))
      stage.op->erase();
    if (c.epilogue)
      c.epilogue->erase();
    c.op->erase();
    c.fill->erase();
    if (c.pad) {
      for (Operation *op : c.pad->producers)
        op->erase();
      eraseDeadBuffer(c.pad->padded);
    }
    if (c.epilogue)
      eraseDeadBuffer(accRoot);
    for (Value root : intermediates)
      eraseDeadBuffer(root);
  }

  /// Erases a buffer whose only users left are views and deallocs.
  static void eraseDeadBuffer(Value root) {
    SmallVector<Operation *> dead;
    SmallVector<Value> worklist = {root};
    while (!worklist.empty())
      for (Operation *user : worklist.pop_back_val().getUsers()) {
        dead.push_back(user);
        if (user->getNumResults() == 1)
          worklist.push_back(user->getResult(0));
      }
    for (Operation *op : llvm::reverse(dead))
      op->erase();
    root.getDefiningOp()->erase();
  }
};

} // namespace
