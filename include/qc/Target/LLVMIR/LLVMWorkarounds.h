//===- LLVMWorkarounds.h - Rewrites around LLVM code generator bugs -*- C++ -*-===//
#ifndef QC_TARGET_LLVMIR_LLVMWORKAROUNDS_H
#define QC_TARGET_LLVMIR_LLVMWORKAROUNDS_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <functional>

namespace llvm {
class Module;
} // namespace llvm

namespace mlir::qc {

/// Replaces every `llvm.masked.store` whose mask is a constant with exactly
/// one lane set by a scalar store of that lane. LLVM 22's X86 back end
/// (AVX-512) turns such a store of a truncated vector (`trunc <16 x i32> to
/// <16 x i8>`, the requantized row tail of a kernel whose N is 16k+1) into
/// one 4-byte `vmovss`: three bytes past the lane are overwritten, the next
/// row's first outputs (`llc -mcpu=znver4` or `skylake-avx512` on
///   %t = trunc <16 x i32> %v to <16 x i8>
///   call void @llvm.masked.store.v16i8.p0(<16 x i8> %t, ptr align 1 %p,
///                                         <16 x i1> <i1 true, i1 false, ...>)
/// gives `vmovss %xmm0, (%rdi)`). Runs after LLVM's optimizations (they make masks
/// constant) and before code generation. Returns the stores rewritten.
unsigned scalarizeSingleLaneMaskedStores(llvm::Module &module);

/// `optimize` followed by the rewrites above: the LLVM IR transformer every
/// qc code path (JIT and objects) hands its modules to.
std::function<llvm::Error(llvm::Module *)>
withCodegenWorkarounds(std::function<llvm::Error(llvm::Module *)> optimize);

} // namespace mlir::qc

#endif // QC_TARGET_LLVMIR_LLVMWORKAROUNDS_H
