//===- Passes.td - qc dialect transformation passes --------*- tablegen -*-===//
#ifndef QC_DIALECT_QC_TRANSFORMS_PASSES_TD
#define QC_DIALECT_QC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Pruning and sparsification (docs/Sparsity.md)
//===----------------------------------------------------------------------===//

def QCPrune : Pass<"qc-prune", "ModuleOp"> {
  let summary = "Magnitude pruning of constant matmul / convolution weights";
  let description = [{
    Sets the smallest-magnitude entries of constant weights to zero. Weights
    are the `[K, N]` operand of `linalg.matmul` / `qc.matmul`, the HWCF filter
    of `linalg.conv_2d_nhwc_hwcf` / `qc.conv2d` and the HWC filter of
    `linalg.depthwise_conv_2d_nhwc_hwc`, when it is an `arith.constant`
    (float, optionally through `qc.fake_quant`: prune, then quantize) or a
    `quant.scast` of an integer `arith.constant` whose zero points are all 0.

    Each weight is viewed as an `[R, F]` matrix: `F` output channels (the
    last dimension) and `R` reduction positions (the other dimensions, row
    major). Patterns: `unstructured`; `N:M` (keep the `N` largest of every
    `M` consecutive reduction positions; `M` must divide the innermost
    reduction dimension); `RxC` blocks of `R` reduction positions by `C`
    output channels; `channel` (whole output channels). Units are ranked by
    mean magnitude, ascending, ties broken by the lower index first, and
    pruned until `rint(sparsity * elements)` zeros are reached. `scope=global`
    ranks the units of all weights together (one threshold). A per-op
    attribute `qc.prune = {pattern = "2:4", sparsity = 0.5}` (or
    `pattern = "none"`) overrides the options for that op. A remark reports
    the achieved sparsity of every pruned weight.
  }];
  let options = [
    Option<"pattern", "pattern", "std::string", "\"unstructured\"",
           "unstructured | N:M (e.g. 2:4) | RxC (block) | channel">,
    Option<"sparsity", "sparsity", "double", "0.5",
           "target fraction of zeros in [0, 1) (N:M implies (M - N) / M)">,
    Option<"scope", "scope", "std::string", "\"layer\"",
           "layer: a target per weight; global: one threshold over all weights">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::quant::QuantDialect"];
}

#endif // QC_DIALECT_QC_TRANSFORMS_PASSES_TD
