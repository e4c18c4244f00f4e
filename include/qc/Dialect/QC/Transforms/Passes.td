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

def QCSparsify : Pass<"qc-sparsify", "ModuleOp"> {
  let summary = "Choose sparse or shrunk representations for zero weights";
  let description = [{
    Finds zeros in constant weights (from `--qc-prune` or from training) and
    picks a representation by the cost model of docs/Sparsity.md. Works at
    two levels, so it runs before and after `--qc-lower-to-linalg`:

    * `qc.matmul` / `qc.conv2d` (groups 1) whose constant weight has whole
      output channels equal to the zero point: the channels are removed from
      the weight, bias and per-axis parameters, and from every consumer
      (`qc.matmul` K rows, `qc.conv2d` input channels). The removed channel's
      output is a constant; its contribution to the consumer is folded into
      the consumer's i32 bias, exactly. Producers with a consumer that cannot
      absorb it are kept with a remark.
    * `linalg.matmul` of i8 activations by a constant i8 `[K, N]` weight
      into i32 (the raw contraction left by the lowering): an N:M weight
      becomes compressed values plus in-group offsets, other sparse weights a
      padded per-column list (ELL) of values and row indices; both run as a
      `linalg.generic` that gathers activations by index. The cheapest of
      dense, N:M and ELL by `(stored entries per column) * cost` wins; below
      `min-sparsity` the weight stays dense. On `target=gpu` the unstructured
      (ELL) form is not used.

    Every decision is reported as a remark on the op.
  }];
  let options = [
    Option<"minSparsity", "min-sparsity", "double", "0.5",
           "weights with a smaller fraction of zeros stay dense">,
    Option<"target", "target", "std::string", "\"cpu\"",
           "cpu | gpu: gpu never picks the unstructured (ELL) kernel">,
    Option<"nmCost", "nm-cost", "double", "1.0",
           "cost of one stored N:M entry relative to one dense multiply-add">,
    Option<"ellCost", "ell-cost", "double", "1.0",
           "cost of one stored ELL entry relative to one dense multiply-add">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::quant::QuantDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // QC_DIALECT_QC_TRANSFORMS_PASSES_TD
