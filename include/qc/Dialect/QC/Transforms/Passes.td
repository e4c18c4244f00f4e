//===- Passes.td - qc dialect transformation passes --------*- tablegen -*-===//
#ifndef QC_DIALECT_QC_TRANSFORMS_PASSES_TD
#define QC_DIALECT_QC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FoldFakeQuant : Pass<"qc-fold-fake-quant", "func::FuncOp"> {
  let summary = "Fold fake quantization (QAT) and QDQ pairs into qc integer ops";
  let description = [{
    Turns the float graphs that quantization-aware training and QDQ exporters
    produce into integer computation on `!quant.uniform` tensors:

    1. `qc.fake_quant`, `quant.qcast` and `quant.dcast` become
       `qc.quantize` / `qc.dequantize` boundaries; constants under a
       quantize are quantized at compile time into an `arith.constant` of the
       storage type followed by `quant.scast` (rounding of the op).
    2. `qc.quantize(float op(qc.dequantize ...))` chains become qc integer
       ops: `linalg.matmul`, `linalg.batch_matmul` and `tosa.matmul` with a
       batch of 1 (with a bias add or a broadcast bias as init, quantized to
       i32 with scale `s_in * s_w`), `linalg.conv_2d_nhwc_hwcf`,
       `linalg.conv_2d_nhwc_fhwc`, `linalg.conv_2d_nchw_fchw` (between
       qc.transpose ops), `linalg.depthwise_conv_2d_nhwc_hwc` and
       `linalg.depthwise_conv_2d_nchw_chw`, `tosa.conv2d`
       and `tosa.depthwise_conv2d` (a zero `tensor.pad` of the input becomes
       the padding attribute), elementwise add/mul (linalg, arith, tosa),
       average pooling, and ReLU/ReLU6/clamp, which fuse into the producer's
       output clamp.
    3. `qc.dequantize` moves below reshape, transpose, concat and max-pool,
       which keep the parameters; `quantize(dequantize(x))` with other
       parameters becomes `qc.requantize` and requantize chains merge.

    Whatever has no integer form stays in float between a dequantize and a
    quantize and is named by a remark. With `report=true` every requantizing
    op gets a remark with its real multiplier(s) and the compile-time
    (multiplier, shift) pairs, and each function a summary remark.
    See docs/FoldFakeQuant.md.
  }];
  let options = [
    Option<"profile", "profile", "::mlir::qc::RequantProfile",
           /*default=*/"::mlir::qc::RequantProfile::DoubleRound",
           "Requantization profile of the created integer ops",
           [{::llvm::cl::values(
             clEnumValN(::mlir::qc::RequantProfile::DoubleRound, "double_round",
                        "gemmlowp / TFLite reference (default)"),
             clEnumValN(::mlir::qc::RequantProfile::SingleRound, "single_round",
                        "TOSA apply_scale_32 without double rounding"))}]>,
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark per integer op (multipliers and shifts) and a "
           "summary per function">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::quant::QuantDialect",
    "::mlir::qc::QCDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // QC_DIALECT_QC_TRANSFORMS_PASSES_TD
