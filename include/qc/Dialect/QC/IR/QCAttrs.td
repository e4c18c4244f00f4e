//===- QCAttrs.td - qc attributes --------------------------*- tablegen -*-===//
#ifndef QC_DIALECT_QC_IR_QCATTRS_TD
#define QC_DIALECT_QC_IR_QCATTRS_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "qc/Dialect/QC/IR/QCDialect.td"

def QC_RoundingMode : I32EnumAttr<"RoundingMode",
    "how a real value is rounded to an integer", [
      I32EnumAttrCase<"HalfEven", 0, "half_even">,
      I32EnumAttrCase<"HalfAway", 1, "half_away">,
      I32EnumAttrCase<"HalfUp", 2, "half_up">
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::qc";
}

def QC_RoundingModeAttr : EnumAttr<QC_Dialect, QC_RoundingMode, "rounding"> {
  let summary = "Rounding of real values to integers";
  let description = [{
    `half_even` rounds ties to the even integer (IEEE default, numpy, PyTorch),
    `half_away` rounds ties away from zero (C `round`, TFLite reference),
    `half_up` rounds ties toward +infinity (`floor(x + 0.5)`).
  }];
  let assemblyFormat = "`<` $value `>`";
}

def QC_RequantProfile : I32EnumAttr<"RequantProfile",
    "fixed-point requantization profile", [
      I32EnumAttrCase<"DoubleRound", 0, "double_round">,
      I32EnumAttrCase<"SingleRound", 1, "single_round">
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::qc";
}

def QC_RequantProfileAttr : EnumAttr<QC_Dialect, QC_RequantProfile, "profile"> {
  let summary = "Integer requantization profile";
  let description = [{
    The real multiplier `M` of a requantization is represented at compile time
    as an i32 multiplier `m` in [2^30, 2^31) and an exponent `e` with
    `M ~= m * 2^(e - 31)`.

    * `double_round` (default): gemmlowp / TFLite reference kernels,
      `RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x << max(e,0), m), max(-e,0))`.
    * `single_round`: TOSA `apply_scale_32` with `double_round = false`,
      `(x * m + 2^(r-1)) >> r` with `r = 31 - e`, computed in 64 bits.
  }];
  let assemblyFormat = "`<` $value `>`";
}

#endif // QC_DIALECT_QC_IR_QCATTRS_TD
