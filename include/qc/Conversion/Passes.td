//===- Passes.td - qc conversion passes --------------------*- tablegen -*-===//
#ifndef QC_CONVERSION_PASSES_TD
#define QC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def QCLowerToLinalg : Pass<"qc-lower-to-linalg", "ModuleOp"> {
  let summary = "Lower qc ops on !quant.uniform tensors to integer linalg";
  let description = [{
    Rewrites every qc op into linalg, tensor and arith ops on the signless
    storage types (`tensor<...x!quant.uniform<i8:...>>` becomes
    `tensor<...xi8>`, `u8` storage becomes `i8` read with `arith.extui`).
    Function signatures, calls and returns are converted; `quant.scast`
    becomes the identity on storage.

    Numerics (`docs/Numerics.md`, bit-exact with `python/qc/reference.py`):

    * contractions (`qc.matmul`, `qc.conv2d`) remove zero points by
      decomposition: a plain integer contraction of the storage codes, the
      activation-side sums (only when the weight zero point is not 0) and one
      i32 vector per output channel holding
      `bias - z_a * sum(w) + K * z_a * z_w` (folded at compile time when the
      weights are constants);
    * every requantizing op ends in one `linalg.generic` that applies the
      compile-time fixed-point multiplier (`#qc.profile`), clamps, adds the
      output zero point and truncates to the storage type;
    * `qc.quantize` / `qc.dequantize` compute in floating point by nature;
      their `linalg.generic` carries the unit attribute `qc.float_boundary`
      so that `--qc-verify-integer-contract` accepts them.

    The conversion is full: an op that still carries a quantized type
    afterwards (or a qc/quant op that cannot be lowered) is an error.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
  let options = [
    Option<"foldConstantWeights", "fold-constant-weights", "bool",
           /*default=*/"true",
           "Fold the weight-side zero-point terms (sum of the weights, bias, "
           "K * z_a * z_w) of contractions with constant weights into one "
           "constant per output channel; when false they are computed at run "
           "time as for non-constant weights">,
    Option<"splitRowReductions", "split-row-reductions", "bool",
           /*default=*/"false",
           "Reduce the rows of qc.layer_norm and of qc.softmax along the last "
           "axis in lanes: the axis split into [D / L, L] (L = 16, 8, 4 or 2) "
           "with L partial results per row, combined after, which the CPU "
           "vectorizes as one vector of L accumulators (bit-identical: "
           "integer sums and maxima). qc-cpu-pipeline sets it; the GPU "
           "mapping wants the reduction innermost, which the plain form has">,
    Option<"wideDivision", "wide-division", "bool", /*default=*/"true",
           "The target divides i64. When false (qc-spirv-pipeline's portable "
           "mode: i64 emulated in pairs of i32, no division) the per-row "
           "divisions of qc.softmax and qc.layer_norm (reciprocal, magic "
           "number, integer root) are restoring long divisions (shift, "
           "compare, subtract), bit-identical">,
  ];
}

def QCTestMagicDivision : Pass<"qc-test-magic-division", "ModuleOp"> {
  let summary = "Test only: rewrite marked i64 arith.divui into the "
                "divisions by multiplication of qc.softmax and qc.layer_norm";
  let description = [{
    Every `arith.divui` on i64 that carries the integer attribute
    `qc.test_max_divisor_bits = B` (1 <= B <= 62) becomes the division that
    `--qc-lower-to-linalg` builds for qc.softmax and qc.layer_norm
    (lib/Conversion/QCToLinalg/Division.cpp): the magic number of the
    divisor (`buildDivisionMagic` with the divisor bound 2^B) and the
    quotient by multiplications (`buildMagicQuotient`). Both are exact for
    a dividend 0 <= n < 2^63 and a divisor 1 <= d <= 2^B. With constant
    operands `--canonicalize` folds the result to a constant, so a test can
    compare it with n // d for any (n, d), including those no softmax or
    layer norm reaches (test/Conversion/QCToLinalg/magic-division.py).
    With `qc.test_short_bounds = array<i64: N, d_min>` instead, it becomes
    the short quotient (`buildShortReciprocal`, `buildShortQuotient`), exact
    for 0 <= n < N and d_min <= d <= 2^61 where `getShortQuotientShift`
    admits the bounds (`array<i64: N, d_min, d_max>`: the divisor bound
    d_max too, which picks the i32 form of the portable reciprocal). With
    the unit attribute `qc.test_no_wide_division` as well, the forms
    without i64 division of `wide-division=false` (SPIR-V portable mode:
    restoring long division for the reciprocal and the magic number). A
    marked op of another type, or bounds the short quotient does not admit,
    is reported.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def QCVerifyIntegerContract : Pass<"qc-verify-integer-contract", "ModuleOp"> {
  let summary = "Check that lowered code computes with integers only";
  let description = [{
    The contract at the end of `--qc-lower-to-linalg`: no qc op remains, no
    value keeps a `!quant` element type, and no op computes on floating-point
    values (arith or math ops with float operands or results, linalg and
    vector ops on float element types), except inside or as an operand of an
    op marked with the unit attribute `qc.float_boundary` (the float
    `qc.quantize` / `qc.dequantize` boundaries). Float constants are accepted
    only when every use is such a marked op. Each violation is reported at
    the offending op and the pass fails.
  }];
}

def QCWidenNarrowIntegers : Pass<"qc-widen-narrow-integers", "ModuleOp"> {
  let summary = "Store i4, i12 and other odd-width integers in i8/i16/i32/i64";
  let description = [{
    Rewrites every integer type whose width is not 1, 8, 16, 32 or 64 (the
    storage of `i4`/`u4`/`i2` codes, 12-bit weights) into the next of i8,
    i16, i32, i64, on integer linalg on tensors (after
    `--qc-lower-to-linalg`; both pipelines run it there). A tensor of iN
    holds the sign extension of each N-bit value. Scalar ops are rewritten to
    compute in the wider type exactly what they computed in iN: `addi`,
    `subi`, `muli` sign-extend their low N bits; `extui`, `uitofp`, unsigned
    `cmpi`, `maxui` and `minui` read the low N bits as unsigned; `trunci` to
    iN sign-extends from bit N - 1; `extsi`, `sitofp`, `maxsi`, `minsi`,
    `andi`, `ori`, `xori`, `select` and signed `cmpi` are unchanged. Named
    linalg ops on narrow types are generalized first. Constants are
    sign-extended; functions, calls, returns, tensor ops and scf ops change
    types only.

    Why: LLVM stores `vector<N x i4>` bit-packed but addresses a scalar `i4`
    as one byte (so vectorized and scalar code disagreed on the CPU), and
    SPIR-V has no narrow types (upstream emulates narrow scalars as i32
    without wrapping at N bits). An op that keeps a narrow type and has no
    rewrite here (e.g. `arith.divsi` on i4) is reported.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
  ];
}

#endif // QC_CONVERSION_PASSES_TD
