//===- DedupeKernels.cpp - one function for kernels equal but for weights -===//
//
// A model's equal layers (an MLP's N layers of one width, a network's
// repeated blocks) become outlined kernels that differ only in their
// constant weights and bias vectors. Such kernels are merged: their large
// constants become arguments that the callers pass, and all calls go to
// one of them, so that bufferization, the lowering to LLVM and LLVM's
// optimizer and code generator see one kernel instead of N.
//
//===----------------------------------------------------------------------===//
#include "qc/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/MapVector.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCCPUDEDUPEKERNELS
#include "qc/Codegen/CPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

constexpr StringLiteral kKernelAttr = "qc.kernel";

/// A constant the callers can pass instead: a tensor of distinct values
/// (weights, a bias vector) that the kernel only reads whole vectors of.
/// Splats and scalars stay, so that the folders still see them; so do
/// tables read by gathers, which qc-cpu-table-lookup-x86-vbmi loads into
/// registers only when it sees the constant.
bool isLiftable(Operation *op) {
  auto constant = dyn_cast<arith::ConstantOp>(op);
  if (!constant || !isa<RankedTensorType>(constant.getType()))
    return false;
  auto value = dyn_cast<ElementsAttr>(constant.getValue());
  if (!value || value.isSplat() || op->use_empty())
    return false;
  return llvm::all_of(op->getUses(), [](OpOperand &use) {
    auto read = dyn_cast<vector::TransferReadOp>(use.getOwner());
    return read && read.getBase() == use.get();
  });
}

/// A hash of the kernel's signature and body in which liftable constants
/// count by their type only: kernels that can become equal by lifting
/// hash alike. Values count by their order of definition.
llvm::hash_code hashKernel(func::FuncOp kernel) {
  DenseMap<Value, unsigned> numbers;
  auto number = [&](Value v) { numbers.try_emplace(v, numbers.size()); };
  llvm::hash_code hash = llvm::hash_combine(
      kernel.getFunctionType(), kernel.getArgAttrsAttr(),
      kernel.getResAttrsAttr(), kernel->getDiscardableAttrDictionary(),
      kernel.getBody().getBlocks().size());
  for (Block &block : kernel.getBody())
    for (BlockArgument arg : block.getArguments())
      number(arg);
  auto operandHash = [&](Value v) -> llvm::hash_code {
    auto it = numbers.find(v);
    return it == numbers.end() ? hash_value(v) : llvm::hash_value(it->second);
  };
  kernel.getBody().walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isLiftable(op))
      hash = llvm::hash_combine(hash, op->getName(), op->getResultTypes()[0]);
    else
      hash = llvm::hash_combine(
          hash, OperationEquivalence::computeHash(
                    op, operandHash, OperationEquivalence::ignoreHashValue,
                    OperationEquivalence::IgnoreLocations));
    for (Value result : op->getResults())
      number(result);
    for (Region &region : op->getRegions()) {
      hash = llvm::hash_combine(hash, region.getBlocks().size());
      for (Block &block : region)
        for (BlockArgument arg : block.getArguments()) {
          hash = llvm::hash_combine(hash, arg.getType());
          number(arg);
        }
    }
  });
  return hash;
}

bool sameKernel(func::FuncOp a, func::FuncOp b) {
  return a.getFunctionType() == b.getFunctionType() &&
         a.getArgAttrsAttr() == b.getArgAttrsAttr() &&
         a.getResAttrsAttr() == b.getResAttrsAttr() &&
         a->getDiscardableAttrDictionary() ==
             b->getDiscardableAttrDictionary() &&
         OperationEquivalence::isRegionEquivalentTo(
             &a.getBody(), &b.getBody(), OperationEquivalence::IgnoreLocations);
}

struct DedupeKernelsPass final
    : qc::impl::QCCPUDedupeKernelsBase<DedupeKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Kernels, in module order, and their calls; a kernel referenced other
    // than by a func.call stays as it is.
    SmallVector<func::FuncOp> kernels;
    for (auto func : module.getOps<func::FuncOp>())
      if (func->hasAttr(kKernelAttr) && func.isPrivate() && !func.isExternal())
        kernels.push_back(func);
    DenseMap<StringAttr, SmallVector<func::CallOp>> calls;
    DenseSet<StringAttr> otherUses;
    module.walk([&](Operation *op) {
      if (auto call = dyn_cast<func::CallOp>(op)) {
        calls[call.getCalleeAttr().getAttr()].push_back(call);
        return;
      }
      // Other references (func.constant, an attribute) keep a kernel as it
      // is; ops that name symbols implement SymbolUserOpInterface.
      auto keep = [&](SymbolRefAttr ref) {
        otherUses.insert(ref.getRootReference());
      };
      op->getDiscardableAttrDictionary().walk(keep);
      if (isa<SymbolUserOpInterface>(op))
        op->getAttrDictionary().walk(keep);
    });

    llvm::MapVector<llvm::hash_code, SmallVector<func::FuncOp>> buckets;
    for (func::FuncOp kernel : kernels)
      if (!otherUses.contains(kernel.getSymNameAttr()))
        buckets[hashKernel(kernel)].push_back(kernel);

    // Only buckets of two or more kernels are rewritten.
    bool changed = false;
    for (auto &[hash, bucket] : buckets) {
      if (bucket.size() < 2)
        continue;
      changed = true;
      for (func::FuncOp kernel : bucket)
        lift(kernel, calls[kernel.getSymNameAttr()]);
      // Almost always one class per bucket; a hash collision makes more.
      SmallVector<func::FuncOp> representatives;
      for (func::FuncOp kernel : bucket) {
        auto *same = llvm::find_if(representatives, [&](func::FuncOp rep) {
          return sameKernel(rep, kernel);
        });
        if (same == representatives.end()) {
          representatives.push_back(kernel);
          continue;
        }
        auto callee = FlatSymbolRefAttr::get(same->getSymNameAttr());
        for (func::CallOp call : calls[kernel.getSymNameAttr()])
          call.setCalleeAttr(callee);
        kernel.erase();
        ++numMerged;
      }
    }
    if (!changed)
      markAllAnalysesPreserved();
  }

  /// Makes each liftable constant of `kernel` a trailing argument, passed
  /// by every call (a copy of the constant in front of the call).
  void lift(func::FuncOp kernel, ArrayRef<func::CallOp> kernelCalls) {
    SmallVector<arith::ConstantOp> constants;
    kernel.getBody().walk([&](arith::ConstantOp constant) {
      if (isLiftable(constant))
        constants.push_back(constant);
    });
    for (arith::ConstantOp constant : constants) {
      unsigned index = kernel.getNumArguments();
      if (failed(kernel.insertArgument(index, constant.getType(),
                                       DictionaryAttr(), constant.getLoc())))
        return signalPassFailure();
      constant.getResult().replaceAllUsesWith(kernel.getArgument(index));
      for (func::CallOp call : kernelCalls) {
        OpBuilder b(call);
        Value copy = arith::ConstantOp::create(b, constant.getLoc(),
                                               constant.getValue());
        call->insertOperands(call->getNumOperands(), copy);
      }
      constant.erase();
      ++numLifted;
    }
  }
};

} // namespace
