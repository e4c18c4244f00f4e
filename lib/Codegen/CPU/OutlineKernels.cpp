//===- OutlineKernels.cpp - one function per kernel -----------------------===//
//
// A model arrives as one function; after tiling it holds tens of thousands
// of ops. MLIR's pass manager runs function passes in parallel only across
// functions, one-shot bufferization's analysis grows faster than linearly
// with a function's size, and LLVM's -O3 works per function. Each kernel
// (a top-level op with regions: a tiled loop nest, a linalg op, a pad)
// becomes a private function together with the producers only it uses,
// called from where it was; the values are the same.
//
//===----------------------------------------------------------------------===//
#include "qc/Codegen/CPU/Passes.h"
#include "Int8Kernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/LLVMIR/LLVMAttrs.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

#include <queue>

namespace mlir::qc {
#define GEN_PASS_DEF_QCCPUOUTLINEKERNELS
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

bool isConstant(Operation *op) {
  return op->getNumOperands() == 0 && op->getNumRegions() == 0 &&
         op->hasTrait<OpTrait::ConstantLike>();
}

/// Whether a group reads a vector computed outside it (constants are
/// cloned, not passed): see isOutlinable.
bool takesVectorsFromOutside(const SetVector<Operation *> &group) {
  auto fromOutside = [&](Value v) {
    Operation *def = v.getDefiningOp();
    return isa<VectorType>(v.getType()) && !(def && isConstant(def)) &&
           !(def && group.contains(def));
  };
  for (Operation *op : group) {
    SetVector<Value> above;
    getUsedValuesDefinedAbove(op->getRegions(), above);
    if (llvm::any_of(op->getOperands(), fromOutside) ||
        llvm::any_of(above, fromOutside))
      return true;
  }
  return false;
}

/// A producer a kernel takes in: its empty tensors, fills, paddings and
/// straight-line ops (a remainder tile's epilogue), but not another
/// kernel's loop nest, or a chain of layers would become one kernel.
bool isClaimable(Operation *op) {
  return op->getNumRegions() == 0 || isa<linalg::FillOp, tensor::PadOp>(op);
}

/// Bufferization hands a kernel's results back through out-parameters the
/// caller allocates, which needs static shapes; memrefs would make the
/// order of the moved ops matter. A loop yielding vectors (the K loop of a
/// single register tile) stays with its epilogue: passing the accumulator
/// through a call would take it out of registers.
bool isOutlinable(Operation *op) {
  if (!isMemoryEffectFree(op) ||
      llvm::any_of(op->getResultTypes(), llvm::IsaPred<VectorType>))
    return false;
  WalkResult r = op->walk([](Operation *nested) {
    for (Type t : nested->getOperandTypes())
      if (isa<BaseMemRefType, UnrankedTensorType>(t))
        return WalkResult::interrupt();
    for (Type t : nested->getResultTypes())
      if (isa<BaseMemRefType, UnrankedTensorType>(t))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  if (r.wasInterrupted())
    return false;
  return llvm::all_of(op->getResultTypes(), [](Type t) {
    auto shaped = dyn_cast<ShapedType>(t);
    return !shaped || shaped.hasStaticShape();
  });
}

struct OutlineKernelsPass
    : qc::impl::QCCPUOutlineKernelsBase<OutlineKernelsPass> {
  using Base::Base;

  /// Cloned into each kernel instead of passed: constants and, before
  /// tiling, empty tensors and pure region-free ops of cloned values (a
  /// weight behind a reshape, which the int8 kernels pack at compile time
  /// only when they see the constant).
  DenseMap<Operation *, bool> cloneable;
  bool isCloneable(Operation *op) {
    if (isConstant(op))
      return true;
    if (!beforeTiling)
      return false;
    auto it = cloneable.find(op);
    if (it != cloneable.end())
      return it->second;
    bool result = op->getNumRegions() == 0 && op->getNumResults() > 0 &&
                  !op->hasTrait<OpTrait::IsTerminator>() &&
                  isMemoryEffectFree(op) &&
                  (isa<tensor::EmptyOp>(op) || op->getNumOperands() > 0) &&
                  llvm::all_of(op->getOperands(), [&](Value v) {
                    Operation *def = v.getDefiningOp();
                    return def && def->getBlock() == op->getBlock() &&
                           isCloneable(def);
                  });
    cloneable[op] = result;
    return result;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> funcs;
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isExternal() && func.getBody().hasOneBlock() &&
          !func->hasAttr(kKernelAttr))
        funcs.push_back(func);
    bool changed = false;
    for (func::FuncOp func : funcs) {
      changed |= outline(func, symbols);
      cloneable.clear();
    }
    if (!changed)
      markAllAnalysesPreserved();
  }

  static constexpr StringLiteral kKernelAttr = "qc.kernel";

  /// Whether `func` changed: the matchers' reshapes, made and erased again,
  /// leave it as it was.
  bool outline(func::FuncOp func, SymbolTable &symbols) {
    Block &body = func.getBody().front();
    // Consumers first: each kernel takes the producers whose every user is
    // in it (an empty tensor, a fill, a chain of elementwise ops).
    DenseSet<Operation *> claimed;
    SmallVector<SmallVector<Operation *>> groups;
    DenseMap<Operation *, SmallVector<Operation *>> chains = int8Chains(body);
    for (Operation &op : llvm::reverse(body)) {
      if (claimed.contains(&op) || op.getNumRegions() == 0 ||
          op.hasTrait<OpTrait::IsTerminator>())
        continue;
      SetVector<Operation *> group;
      // Before tiling, the last stage of an int8 kernel's chain brings the
      // whole chain: all of it moves, or none.
      auto chain = chains.find(&op);
      if (chain != chains.end())
        group.insert(chain->second.begin(), chain->second.end());
      else
        group.insert(&op);
      auto keepChain = [&] {
        if (chain != chains.end())
          claimed.insert(group.begin(), group.end());
      };
      if (!llvm::all_of(group, isOutlinable)) {
        keepChain();
        continue;
      }
      // The producers of the members, latest first, so that a producer is
      // looked at after all of its users in the block. (Scanning every op
      // above each kernel instead made outlining quadratic in the model.)
      auto before = [](Operation *a, Operation *b) {
        return a->isBeforeInBlock(b);
      };
      std::priority_queue<Operation *, SmallVector<Operation *>,
                          decltype(before)>
          candidates(before);
      DenseSet<Operation *> seen;
      auto addProducers = [&](Operation *member) {
        auto add = [&](Value v) {
          Operation *def = v.getDefiningOp();
          if (def && def->getBlock() == &body && seen.insert(def).second)
            candidates.push(def);
        };
        llvm::for_each(member->getOperands(), add);
        if (member->getNumRegions() != 0) {
          SetVector<Value> above;
          getUsedValuesDefinedAbove(member->getRegions(), above);
          llvm::for_each(above, add);
        }
      };
      llvm::for_each(group, addProducers);
      while (!candidates.empty()) {
        Operation *p = candidates.top();
        candidates.pop();
        if (claimed.contains(p) || group.contains(p) || isCloneable(p) ||
            p->use_empty() || !isClaimable(p) || !isMemoryEffectFree(p))
          continue;
        bool onlyGroup = llvm::all_of(p->getUsers(), [&](Operation *user) {
          Operation *top = body.findAncestorOpInBlock(*user);
          return top && group.contains(top);
        });
        if (onlyGroup) {
          group.insert(p);
          addProducers(p);
        }
      }
      if (takesVectorsFromOutside(group)) {
        keepChain();
        continue;
      }
      for (Operation *member : group)
        claimed.insert(member);
      SmallVector<Operation *> ordered(group.begin(), group.end());
      llvm::sort(ordered, [](Operation *a, Operation *b) {
        return a->isBeforeInBlock(b);
      });
      groups.push_back(std::move(ordered));
    }
    unsigned index = 0;
    // Outline in block order so that function names follow the model.
    for (auto &group : llvm::reverse(groups))
      outlineGroup(func, group, symbols, index);
    bool changed = !groups.empty();
    // Cloned chains no kernel left in the entry.
    if (beforeTiling)
      for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
        if (op.use_empty() && !isConstant(&op) && isCloneable(&op)) {
          op.erase();
          changed = true;
        }
    return changed;
  }

  /// Before tiling: for the last op of each int8 kernel, the contraction
  /// and the epilogue stages qc-cpu-int8-kernels will fuse into it, matched
  /// in the order that pass takes them (a stage goes to the first).
  DenseMap<Operation *, SmallVector<Operation *>> int8Chains(Block &body) {
    DenseMap<Operation *, SmallVector<Operation *>> chains;
    if (!beforeTiling)
      return chains;
    DenseSet<Operation *> taken;
    for (Operation &op : body) {
      auto linalgOp = dyn_cast<linalg::LinalgOp>(&op);
      if (!linalgOp || taken.contains(&op))
        continue;
      Operation *before = op.getPrevNode();
      FailureOr<qc::cpu::Int8Kernel> kernel =
          qc::cpu::matchInt8Kernel(linalgOp, /*fuseEpilogue=*/true, /*wide=*/true);
      // The matcher builds reshapes of the operands in front of the op for
      // its kernel builder; unused here, and extra users of the operands.
      while (op.getPrevNode() != before)
        op.getPrevNode()->erase();
      if (failed(kernel))
        continue;
      SmallVector<Operation *> members{&op};
      bool allStages = true;
      for (linalg::GenericOp stage : kernel->epilogue.stages) {
        if (taken.contains(stage) || stage->getBlock() != &body) {
          allStages = false;
          break;
        }
        members.push_back(stage);
      }
      // 4-bit activations two per byte: the unpacking in front and the
      // packing after go with the kernel that fuses them.
      for (Operation *extra : kernel->extraOps())
        if (extra->getBlock() == &body && !taken.contains(extra) &&
            (allStages || extra != kernel->epilogue.pack.getOperation()))
          members.push_back(extra);
      llvm::sort(members, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
      taken.insert(members.begin(), members.end());
      Operation *last = members.back();
      chains[last] = std::move(members);
    }
    return chains;
  }

  void outlineGroup(func::FuncOp func, ArrayRef<Operation *> group,
                    SymbolTable &symbols, unsigned &index) {
    Operation *anchor = group.back();
    DenseSet<Operation *> members(group.begin(), group.end());
    // Values from outside: constants are cloned (a kernel's loop bounds and
    // weights stay visible to its folders), the rest become arguments.
    SetVector<Value> inputs;
    SetVector<Operation *> constants;
    std::function<void(Operation *)> addCloned = [&](Operation *def) {
      if (!constants.insert(def))
        return;
      for (Value v : def->getOperands())
        addCloned(v.getDefiningOp());
    };
    auto addInput = [&](Value v) {
      Operation *def = v.getDefiningOp();
      if (def && members.contains(def))
        return;
      if (def && isCloneable(def))
        addCloned(def);
      else
        inputs.insert(v);
    };
    for (Operation *op : group) {
      for (Value v : op->getOperands())
        addInput(v);
      SetVector<Value> above;
      getUsedValuesDefinedAbove(op->getRegions(), above);
      for (Value v : above)
        addInput(v);
    }
    SmallVector<Value> outputs;
    for (Operation *op : group)
      for (Value r : op->getResults())
        if (llvm::any_of(r.getUsers(), [&](Operation *user) {
              Operation *top = func.getBody().front().findAncestorOpInBlock(*user);
              return !top || !members.contains(top);
            }))
          outputs.push_back(r);

    SmallVector<Operation *> cloned(constants.begin(), constants.end());
    if (beforeTiling)
      llvm::sort(cloned, [](Operation *a, Operation *b) {
        return a->isBeforeInBlock(b);
      });

    OpBuilder b(func);
    // Names follow the model; a name an earlier run took is skipped.
    std::string name;
    do
      name = (func.getName() + "_kernel" + Twine(index++)).str();
    while (symbols.lookup(name));
    auto type = b.getFunctionType(TypeRange(inputs.getArrayRef()),
                                  ValueRange(outputs).getTypes());
    auto kernel = func::FuncOp::create(
        b, anchor->getLoc(), name, type);
    kernel.setPrivate();
    // Not inlined back by LLVM (which would rebuild the one large function)
    // and not exported from an object file.
    kernel->setAttr(kKernelAttr, b.getUnitAttr());
    kernel->setAttr("passthrough", b.getArrayAttr({b.getStringAttr("noinline")}));
    kernel->setAttr("llvm.linkage", LLVM::LinkageAttr::get(
                                        b.getContext(), LLVM::Linkage::Internal));
    symbols.insert(kernel);

    Block *entry = kernel.addEntryBlock();
    IRMapping map;
    for (auto [v, arg] : llvm::zip(inputs, entry->getArguments()))
      map.map(v, arg);
    OpBuilder kb = OpBuilder::atBlockEnd(entry);
    for (Operation *c : cloned)
      kb.clone(*c, map);
    for (Operation *op : group)
      kb.clone(*op, map);
    SmallVector<Value> returned;
    for (Value v : outputs)
      returned.push_back(map.lookup(v));
    func::ReturnOp::create(kb, anchor->getLoc(), returned);

    OpBuilder cb(anchor);
    auto call = func::CallOp::create(cb, anchor->getLoc(), kernel,
                                     inputs.getArrayRef());
    for (auto [v, r] : llvm::zip(outputs, call.getResults()))
      v.replaceAllUsesWith(r);
    for (Operation *op : llvm::reverse(group))
      op->erase();
  }
};

} // namespace
