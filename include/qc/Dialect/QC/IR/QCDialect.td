//===- QCDialect.td - qc dialect definition ----------------*- tablegen -*-===//
#ifndef QC_DIALECT_QC_IR_QCDIALECT_TD
#define QC_DIALECT_QC_IR_QCDIALECT_TD

include "mlir/IR/OpBase.td"

def QC_Dialect : Dialect {
  let name = "qc";
  let cppNamespace = "::mlir::qc";
  let summary = "Integer-only quantized computation";
  let description = [{
    The `qc` dialect describes quantized neural-network computation with exact,
    documented integer semantics. Quantized values use the upstream
    `!quant.uniform` element types (per-tensor and per-axis, 4/8/16-bit storage,
    signed or unsigned, optionally narrow range), so IR interoperates with TOSA
    and other upstream tooling.

    Three groups of ops:

    * `qc.fake_quant`: the float-to-float op of quantization-aware training.
      It is never folded away by canonicalization.
    * Boundaries: `qc.quantize`, `qc.dequantize`, `qc.requantize`. Every op
      that rounds names its rounding (`#qc.rounding`) or its fixed-point
      requantization profile (`#qc.profile`); saturation to the storage range is
      always part of the result.
    * Integer compute ops on quantized tensors (`qc.matmul`, `qc.conv2d`,
      `qc.add`, `qc.mul`, `qc.clamp`, pooling and shape ops). Their results are
      defined by integer arithmetic only; `docs/Numerics.md` gives the formulas.
  }];
  let dependentDialects = ["::mlir::quant::QuantDialect"];
  let useDefaultAttributePrinterParser = 1;
  // `qc.rounding` on a float average pool's divisor (docs/FoldFakeQuant.md).
  let hasOperationAttrVerify = 1;
}

class QC_Op<string mnemonic, list<Trait> traits = []>
    : Op<QC_Dialect, mnemonic, traits>;

#endif // QC_DIALECT_QC_IR_QCDIALECT_TD
