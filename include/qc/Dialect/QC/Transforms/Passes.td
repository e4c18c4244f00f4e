//===- Passes.td - qc dialect transformation passes --------*- tablegen -*-===//
#ifndef QC_DIALECT_QC_TRANSFORMS_PASSES_TD
#define QC_DIALECT_QC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def LowRank : Pass<"qc-low-rank", "func::FuncOp"> {
  let summary = "Factorize constant contraction weights by truncated SVD (W ~= A * B)";
  let description = [{
    Rewrites a contraction with a constant weight `W` into two contractions
    through a rank-`r` intermediate, `W ~= A * B` with `A = U_r sqrt(S_r)` and
    `B = sqrt(S_r) V_r^T` from a truncated SVD (Eigen):

    * `linalg.matmul`, `linalg.vecmat` and `linalg.matvec` with a constant
      weight (either operand of a matmul), directly or through a
      `qc.fake_quant` (the factors and the intermediate activation then get
      `qc.fake_quant` ops of their own);
    * `linalg.conv_2d_nhwc_hwcf` with a constant filter `[KH, KW, C, F]`,
      factorized as the matrix `[KH*KW*C, F]`: a `KH x KW` convolution with
      `r` filters followed by a `1 x 1` convolution;
    * `qc.matmul` and `qc.conv2d` (groups = 1) whose weight is a quantized
      constant: the weight is dequantized, factorized, each factor quantized
      per output channel (symmetric, narrow range) and the intermediate gets a
      per-tensor type whose scale comes from a worst-case bound, so that it
      never saturates and the i32 accumulators cannot overflow.

    The rank comes from exactly one of `rank`, `energy` (smallest rank whose
    kept `sum sigma^2 / sum sigma^2 >= energy`) or `max-rel-error` (smallest
    rank whose relative Frobenius error `||W - A B||_F / ||W||_F` is at most
    the budget). An op is rewritten only when its multiply-accumulate count
    and weight size both drop by at least `min-flop-reduction` (0 disables the
    check). A discardable `qc.low_rank` dictionary on an op overrides the
    options for that op (`{rank = 8}`, `{energy = 0.9}`,
    `{max_rel_error = 0.05}`, `{min_flop_reduction = 2.0}`, `{disable}`);
    without a pass-wide criterion only ops with such an attribute change.
    Every considered op gets a remark with the rank, the relative error and
    the FLOP saving. See docs/LowRank.md.
  }];
  let options = [
    Option<"rank", "rank", "int64_t", /*default=*/"0",
           "Explicit rank of the factorization (>= 1)">,
    Option<"energy", "energy", "double", /*default=*/"0.0",
           "Fraction of sum(sigma^2) to keep, in (0, 1]">,
    Option<"maxRelError", "max-rel-error", "double", /*default=*/"0.0",
           "Largest relative Frobenius error ||W - A B|| / ||W||, in [0, 1)">,
    Option<"minFlopReduction", "min-flop-reduction", "double",
           /*default=*/"1.5",
           "Rewrite only when FLOPs and weight size drop by this factor "
           "(0 disables the check)">,
    Option<"intermediateBits", "intermediate-bits", "int64_t",
           /*default=*/"16",
           "Storage bits (2..16) of the quantized intermediate activation">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::quant::QuantDialect",
    "::mlir::qc::QCDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // QC_DIALECT_QC_TRANSFORMS_PASSES_TD
