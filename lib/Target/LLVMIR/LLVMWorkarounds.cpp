//===- LLVMWorkarounds.cpp - Rewrites around LLVM code generator bugs -----===//
//
// Each rewrite here keeps LLVM IR semantics and only avoids a pattern the
// code generator of the LLVM qc is built against gets wrong. They run on the
// optimized module, right before instruction selection; tests:
// test/Integration/CPU/single-lane-tail-store.test.
//
//===----------------------------------------------------------------------===//
#include "qc/Target/LLVMIR/LLVMWorkarounds.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"

using namespace mlir;

/// The one set lane of a constant mask, or -1 (several lanes, none, or a
/// mask that is not a constant).
static int singleSetLane(llvm::Value *mask) {
  auto *constant = llvm::dyn_cast<llvm::Constant>(mask);
  auto *type = llvm::dyn_cast<llvm::FixedVectorType>(mask->getType());
  if (!constant || !type)
    return -1;
  int lane = -1;
  for (unsigned i = 0, e = type->getNumElements(); i < e; ++i) {
    llvm::Constant *element = constant->getAggregateElement(i);
    if (!element)
      return -1;
    if (element->isNullValue())
      continue;
    if (!element->isOneValue() || lane != -1)
      return -1;
    lane = static_cast<int>(i);
  }
  return lane;
}

unsigned qc::scalarizeSingleLaneMaskedStores(llvm::Module &module) {
  llvm::SmallVector<llvm::IntrinsicInst *> stores;
  for (llvm::Function &function : module)
    for (llvm::Instruction &instruction : llvm::instructions(function))
      if (auto *call = llvm::dyn_cast<llvm::IntrinsicInst>(&instruction))
        if (call->getIntrinsicID() == llvm::Intrinsic::masked_store &&
            singleSetLane(call->getArgOperand(2)) >= 0)
          stores.push_back(call);
  for (llvm::IntrinsicInst *store : stores) {
    // llvm.masked.store(value, ptr, mask) since LLVM 21 (the alignment is
    // the pointer argument's attribute).
    llvm::Value *value = store->getArgOperand(0);
    llvm::Value *pointer = store->getArgOperand(1);
    unsigned lane = singleSetLane(store->getArgOperand(2));
    auto *vectorType = llvm::cast<llvm::FixedVectorType>(value->getType());
    llvm::Type *elementType = vectorType->getElementType();
    const llvm::DataLayout &layout = module.getDataLayout();
    llvm::Align align = store->getParamAlign(1).valueOrOne();
    llvm::Align laneAlign = llvm::commonAlignment(
        align, lane * layout.getTypeStoreSize(elementType).getFixedValue());
    llvm::IRBuilder<> builder(store);
    llvm::Value *element = builder.CreateExtractElement(value, lane);
    llvm::Value *address =
        builder.CreateConstInBoundsGEP1_64(elementType, pointer, lane);
    builder.CreateAlignedStore(element, address, laneAlign);
    store->eraseFromParent();
  }
  return stores.size();
}

std::function<llvm::Error(llvm::Module *)> qc::withCodegenWorkarounds(
    std::function<llvm::Error(llvm::Module *)> optimize) {
  return [optimize = std::move(optimize)](llvm::Module *module) -> llvm::Error {
    if (llvm::Error err = optimize(module))
      return err;
    scalarizeSingleLaneMaskedStores(*module);
    return llvm::Error::success();
  };
}
