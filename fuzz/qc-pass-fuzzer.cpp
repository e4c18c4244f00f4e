//===- qc-pass-fuzzer.cpp - fuzz each qc pass on parsed input -------------===//
//
// Input: a first line naming one of the pass pipelines below (any other
// line selects one by its hash), then MLIR text. The pipelines are every qc
// pass, with the option sets the lit tests use, and the canonicalizer (qc's
// folders and canonicalization patterns). See FuzzSupport.h for the
// contracts checked.
//
//===----------------------------------------------------------------------===//
#include "FuzzSupport.h"

static const llvm::StringRef kPipelines[] = {
    "builtin.module(canonicalize)",
    "builtin.module(func.func(qc-fold-fake-quant))",
    "builtin.module(func.func(qc-fold-fake-quant{profile=single_round "
    "report=true}))",
    "builtin.module(func.func(qc-low-rank{rank=2}))",
    "builtin.module(func.func(qc-low-rank{energy=0.5}))",
    "builtin.module(func.func(qc-low-rank{max-rel-error=0.3}))",
    "builtin.module(qc-prune)",
    "builtin.module(qc-prune{pattern=2:4})",
    "builtin.module(qc-prune{pattern=channel sparsity=0.5})",
    "builtin.module(qc-prune{pattern=2x2 sparsity=0.5})",
    "builtin.module(qc-remove-zero-channels)",
    "builtin.module(qc-sparsify)",
    "builtin.module(qc-sparsify{nm-cost=1 ell-cost=1 nm-cost-gemv=0.5 "
    "ell-cost-gemv=0.5})",
    "builtin.module(qc-sparsify{target=gpu nm-cost=1 ell-cost=1 "
    "nm-cost-gemv=0.5 ell-cost-gemv=0.5})",
    "builtin.module(qc-lower-to-linalg)",
    "builtin.module(qc-lower-to-linalg{fold-constant-weights=false})",
    "builtin.module(qc-verify-integer-contract)",
    "builtin.module(func.func(qc-cpu-tile-and-vectorize))",
    "builtin.module(func.func(qc-cpu-tile-and-vectorize{cache-tile=8,32,64 "
    "register-tile=4,16,8 vector-width=8}))",
    "builtin.module(func.func(qc-cpu-vectorize-gathers))",
    "builtin.module(func.func(qc-cpu-hoist-vector-transfers))",
    "builtin.module(func.func(qc-cpu-lower-vectors))",
    "builtin.module(func.func(qc-cpu-contract-to-x86-vnni))",
    "builtin.module(qc-emit-c-interface)",
    "builtin.module(qc-record-entry-abi)",
    "builtin.module(qc-verify-cpu-contract)",
    "builtin.module(qc-verify-cpu-contract{integer-only=true})",
    "builtin.module(qc-promote-loop-accumulators)",
    "builtin.module(qc-reverse-parallel-dims)",
    "builtin.module(qc-attach-spirv-target-env)",
    "builtin.module(qc-set-entry-point-abi)",
    "builtin.module(qc-expand-rounding)",
    "builtin.module(qc-strided-copies-to-linalg)",
    "builtin.module(qc-verify-spirv-contract)",
    "builtin.module(qc-verify-spirv-contract{allow-float})",
};

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  qc::fuzz::listChoicesIfAsked(kPipelines);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return qc::fuzz::fuzzPassPipelines(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), kPipelines);
}
