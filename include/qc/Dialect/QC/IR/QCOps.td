//===- QCOps.td - qc operations ----------------------------*- tablegen -*-===//
#ifndef QC_DIALECT_QC_IR_QCOPS_TD
#define QC_DIALECT_QC_IR_QCOPS_TD

include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "qc/Dialect/QC/IR/QCAttrs.td"
include "qc/Dialect/QC/IR/QCDialect.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def QC_QuantElement : Type<
    CPred<"::llvm::isa<::mlir::quant::UniformQuantizedType, "
          "::mlir::quant::UniformQuantizedPerAxisType>($_self)">,
    "uniform quantized element (!quant.uniform)">;

def QC_QuantTensor : RankedTensorOf<[QC_QuantElement]> {
  let summary = "ranked tensor of !quant.uniform elements";
}
def QC_FloatTensor : RankedTensorOf<[F16, BF16, F32, F64]>;

def QC_ClampAttr : ConfinedAttr<DenseI64ArrayAttr, [DenseArrayCount<2>]>;

//===----------------------------------------------------------------------===//
// Shared classes
//===----------------------------------------------------------------------===//

// Ops whose integer result is produced by a fixed-point requantization of an
// i32 value followed by the output zero point, an optional clamp and
// saturation to the storage range of the result type.
class QC_RequantizingOp<string mnemonic, list<Trait> traits = []>
    : QC_Op<mnemonic, !listconcat(traits, [Pure])> {
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Fake quantization and boundaries
//===----------------------------------------------------------------------===//

def QC_FakeQuantOp : QC_Op<"fake_quant", [Pure, SameOperandsAndResultType]> {
  let summary = "Quantize and dequantize in float (QAT fake quantization)";
  let description = [{
    Rounds each element to the grid of a uniform quantized type and back:

    ```
    q = clamp(round(x / s) + z, qmin, qmax)      // round = $rounding
    y = (q - z) * s
    ```

    The parameters come in one of two forms:

    * `to !quant.uniform<...>`: scale and zero point per tensor or per axis;
      the storage type gives the bit width (2..16), signedness and an
      optional narrow range (`i8<-127:127>`).
    * `min`/`max` (one value, or one per slice of `axis`) with `num_bits`,
      `is_unsigned` and `narrow_range`: TensorFlow's `FakeQuantWithMinMax`
      semantics. The range is first nudged so that 0.0 is exactly
      representable (`docs/Numerics.md`); canonicalization rewrites this
      form into the equivalent `to !quant.uniform` form.

    The op is not removed by canonicalization: `--qc-fold-fake-quant` turns it
    into integer computation.

    Verifier rules: exactly one of the two forms; scales finite and > 0;
    zero points inside the storage range; `min <= 0 <= max` after nudging is
    not required but `min < max`; bit width in [2, 16]; a per-axis axis
    inside the rank with one parameter per slice; the expressed type equal to
    the element type of the operand.

    ```mlir
    %0 = qc.fake_quant %x to !quant.uniform<i8:f32, 0.05:-3> : tensor<4x8xf32>
    %1 = qc.fake_quant %w to !quant.uniform<i8<-127:127>:f32:1, {0.1, 0.2}> : tensor<8x2xf32>
    %2 = qc.fake_quant %x {min = array<f64: -1.0>, max = array<f64: 2.0>, num_bits = 8 : i64} : tensor<4xf32>
    ```
  }];
  let arguments = (ins QC_FloatTensor:$input,
                       OptionalAttr<TypeAttr>:$qtype,
                       OptionalAttr<DenseF64ArrayAttr>:$min,
                       OptionalAttr<DenseF64ArrayAttr>:$max,
                       OptionalAttr<I64Attr>:$axis,
                       DefaultValuedAttr<I64Attr, "8">:$num_bits,
                       UnitAttr:$is_unsigned,
                       UnitAttr:$narrow_range,
                       DefaultValuedAttr<QC_RoundingModeAttr,
                                         "::mlir::qc::RoundingMode::HalfEven">:$rounding);
  let results = (outs QC_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`to` $qtype^)? (`rounding` $rounding^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    /// The quantized element type this op rounds to; for the min/max form the
    /// nudged equivalent. Null if the op is invalid.
    ::mlir::quant::QuantizedType getQuantizedType();
  }];
}

def QC_QuantizeOp : QC_Op<"quantize", [Pure]> {
  let summary = "Convert float values to a quantized type";
  let description = [{
    `q = clamp(round(x / s) + z, qmin, qmax)` per element, with `s`/`z` of the
    result element type (per tensor or per axis), `round` given by
    `$rounding` and the quotient computed in the expressed float type.

    Verifier rules: same shape; the result's expressed type equals the
    operand's element type; per-axis parameters match the axis size.

    ```mlir
    %q = qc.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.1:2>>
    ```
  }];
  let arguments = (ins QC_FloatTensor:$input,
                       DefaultValuedAttr<QC_RoundingModeAttr,
                                         "::mlir::qc::RoundingMode::HalfEven">:$rounding);
  let results = (outs QC_QuantTensor:$result);
  let assemblyFormat = [{
    $input (`rounding` $rounding^)? attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def QC_DequantizeOp : QC_Op<"dequantize", [Pure]> {
  let summary = "Convert quantized values to float";
  let description = [{
    `x = (q - z) * s` per element, computed in the expressed type. Exact for
    every storage value (no rounding beyond the float multiply).

    Verifier rules: same shape; result element type equals the operand's
    expressed type.

    ```mlir
    %x = qc.dequantize %q : tensor<4x!quant.uniform<i8:f32, 0.1:2>> -> tensor<4xf32>
    ```
  }];
  let arguments = (ins QC_QuantTensor:$input);
  let results = (outs QC_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  }

def QC_RequantizeOp : QC_RequantizingOp<"requantize"> {
  let summary = "Change the quantization parameters of a tensor in integers";
  let description = [{
    `y = sat(requant(q - z_in, s_in / s_out) + z_out)` per element, where
    `requant` applies the compile-time fixed-point multiplier of `$profile`
    (`docs/Numerics.md`). Per-axis inputs requantize per slice; the result may
    be per-tensor or per-axis on the same axis. An optional `clamp [lo, hi]`
    (storage codes of the result) narrows the saturation range.

    Verifier rules: same shape; same expressed type; clamp inside the storage
    range with lo <= hi.

    ```mlir
    %r = qc.requantize %q : tensor<4x!quant.uniform<i8:f32, 0.1:2>> -> tensor<4x!quant.uniform<i8:f32, 0.3:-1>>
    ```
  }];
  let arguments = (ins QC_QuantTensor:$input,
                       DefaultValuedAttr<QC_RequantProfileAttr,
                           "::mlir::qc::RequantProfile::DoubleRound">:$profile,
                       OptionalAttr<QC_ClampAttr>:$clamp);
  let results = (outs QC_QuantTensor:$result);
  let assemblyFormat = [{
    $input (`profile` $profile^)? (`clamp` $clamp^)? attr-dict `:` type($input) `->` type($result)
  }];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Integer compute ops
//===----------------------------------------------------------------------===//

def QC_MatmulOp : QC_RequantizingOp<"matmul"> {
  let summary = "Quantized matrix multiplication / fully connected layer";
  let description = [{
    For `lhs : [M, K]` (per-tensor `s_a`, `z_a`), `rhs : [K, N]` (per-tensor or
    per-axis on axis 1: `s_b[n]`, `z_b[n]`) and an optional `bias : [N]` with
    i32 storage and scale `s_a * s_b[n]` (zero point 0):

    ```
    acc[m, n] = sum_k (a[m, k] - z_a) * (b[k, n] - z_b[n]) + bias[n]     (i32)
    y[m, n]   = sat(clamp(requant(acc[m, n], s_a * s_b[n] / s_y) + z_y))
    ```

    `requant` is the fixed-point multiply of `$profile`; `clamp [lo, hi]`
    (storage codes of the result, e.g. a fused ReLU) narrows the saturation
    range. All arithmetic is integer; i32 sums wrap modulo 2^32 (the result is
    exact whenever the true sum fits in i32, which the verifier guarantees).

    Verifier rules: ranks 2/2/1; `K` static; `K` and `N` agree; lhs and result per-tensor;
    rhs per-tensor or per-axis on axis 1 with `N` parameters; bias storage
    i32 with zero point 0 and scale `s_a * s_b[n]` (relative error <= 1e-6);
    expressed types agree; `K * max|a - z_a| * max|b - z_b| <= 2^31 - 1` (no
    possible i32 accumulator overflow); clamp inside the result storage range.

    ```mlir
    %y = qc.matmul %a, %b bias %bias clamp [0, 127]
        : tensor<4x16x!quant.uniform<i8:f32, 0.1:3>>,
          tensor<16x8x!quant.uniform<i8:f32, 0.02>>,
          tensor<8x!quant.uniform<i32:f32, 0.002>>
        -> tensor<4x8x!quant.uniform<i8:f32, 0.25:-5>>
    ```
  }];
  let arguments = (ins QC_QuantTensor:$lhs, QC_QuantTensor:$rhs,
                       Optional<QC_QuantTensor>:$bias,
                       DefaultValuedAttr<QC_RequantProfileAttr,
                           "::mlir::qc::RequantProfile::DoubleRound">:$profile,
                       OptionalAttr<QC_ClampAttr>:$clamp);
  let results = (outs QC_QuantTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`bias` $bias^)? (`profile` $profile^)? (`clamp` $clamp^)? attr-dict
    `:` type($lhs) `,` type($rhs) (`,` type($bias)^)? `->` type($result)
  }];
}

def QC_Conv2DOp : QC_RequantizingOp<"conv2d"> {
  let summary = "Quantized 2-D convolution (NHWC input, HWCF filter, groups)";
  let description = [{
    Layout: input `[N, H, W, C]`, filter `[KH, KW, C / groups, F]`, bias
    `[F]`, result `[N, OH, OW, F]`; output channel `f` belongs to group
    `g = f / (F / groups)`. Depthwise convolution is `groups = C` (channel
    multiplier `F / C`). `padding = [top, bottom, left, right]`; padded input
    positions hold the input zero point, i.e. the real value 0.

    ```
    acc[n, oh, ow, f] = bias[f] + sum_{kh, kw, c}
        (x[n, oh*sh + kh*dh - pt, ow*sw + kw*dw - pl, g*C/groups + c] - z_x)
      * (w[kh, kw, c, f] - z_w[f])
    y = sat(clamp(requant(acc, s_x * s_w[f] / s_y) + z_y))
    OH = (H + pt + pb - dh*(KH-1) - 1) / sh + 1   (same for OW)
    ```

    Verifier rules: ranks 4/4/1; strides and dilations positive, padding
    non-negative; `groups` divides `C` and `F`; filter depth `C / groups`;
    result shape as above; filter per-tensor or per-axis on axis 3; bias i32
    with scale `s_x * s_w[f]`; no possible i32 accumulator overflow for
    `KH*KW*C/groups` products; clamp inside the result storage range.

    ```mlir
    %y = qc.conv2d %x, %w bias %b {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}
        : tensor<1x8x8x3x!quant.uniform<i8:f32, 0.1>>, tensor<3x3x3x4x!quant.uniform<i8:f32, 0.05>>,
          tensor<4x!quant.uniform<i32:f32, 0.005>> -> tensor<1x4x4x4x!quant.uniform<i8:f32, 0.2:1>>
    ```
  }];
  let arguments = (ins QC_QuantTensor:$input, QC_QuantTensor:$filter,
                       Optional<QC_QuantTensor>:$bias,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$groups,
                       DefaultValuedAttr<QC_RequantProfileAttr,
                           "::mlir::qc::RequantProfile::DoubleRound">:$profile,
                       OptionalAttr<QC_ClampAttr>:$clamp);
  let results = (outs QC_QuantTensor:$result);
  let assemblyFormat = [{
    $input `,` $filter (`bias` $bias^)? (`profile` $profile^)? (`clamp` $clamp^)? attr-dict
    `:` type($input) `,` type($filter) (`,` type($bias)^)? `->` type($result)
  }];
}

class QC_ElementwiseBinaryOp<string mnemonic>
    : QC_RequantizingOp<mnemonic, [Commutative]> {
  let arguments = (ins QC_QuantTensor:$lhs, QC_QuantTensor:$rhs,
                       DefaultValuedAttr<QC_RequantProfileAttr,
                           "::mlir::qc::RequantProfile::DoubleRound">:$profile,
                       OptionalAttr<QC_ClampAttr>:$clamp);
  let results = (outs QC_QuantTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`profile` $profile^)? (`clamp` $clamp^)? attr-dict
    `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
}

def QC_AddOp : QC_ElementwiseBinaryOp<"add"> {
  let summary = "Quantized elementwise addition";
  let description = [{
    TFLite's integer addition: both inputs are brought to a common scale
    `2 * max(s_a, s_b)` with `L` extra bits of headroom (`L = 20` for 8-bit and
    4-bit storage, `L = 15` for 16-bit), added, then requantized:

    ```
    a' = requant((a - z_a) << L, s_a / (2 max(s_a, s_b)))
    b' = requant((b - z_b) << L, s_b / (2 max(s_a, s_b)))
    y  = sat(clamp(requant(a' + b', 2 max(s_a, s_b) / (2^L s_y)) + z_y))
    ```

    Operands broadcast like numpy with equal ranks: an operand dimension of
    size 1 is read at index 0 for every index of the result's dimension
    (e.g. a `[N, 1, 1, C]` squeeze-excite scale of an `[N, H, W, C]` tensor).

    Verifier rules: per-tensor quantized types with equal expressed types;
    operands of the result's rank whose dimensions equal the result's or
    are 1; clamp inside the result storage range.

    ```mlir
    %y = qc.add %a, %b : tensor<4x!quant.uniform<i8:f32, 0.1>>, tensor<4x!quant.uniform<i8:f32, 0.2:1>>
                      -> tensor<4x!quant.uniform<i8:f32, 0.3:-2>>
    ```
  }];
}

def QC_MulOp : QC_ElementwiseBinaryOp<"mul"> {
  let summary = "Quantized elementwise multiplication";
  let description = [{
    ```
    y = sat(clamp(requant((a - z_a) * (b - z_b), s_a * s_b / s_y) + z_y))
    ```

    Operands broadcast as for `qc.add`.

    Verifier rules: per-tensor quantized types with equal expressed types;
    operands of the result's rank whose dimensions equal the result's or
    are 1; clamp inside the result storage range.

    ```mlir
    %y = qc.mul %a, %b : tensor<4x!quant.uniform<i8:f32, 0.1>>, tensor<4x!quant.uniform<i8:f32, 0.2:1>>
                      -> tensor<4x!quant.uniform<i8:f32, 0.05>>
    ```
  }];
}

def QC_ClampOp : QC_Op<"clamp", [Pure, SameOperandsAndResultType]> {
  let summary = "Clamp storage codes (ReLU / ReLU6 in the quantized domain)";
  let description = [{
    `y = min(max(q, lo), hi)` on storage codes with `$clamp = [lo, hi]`;
    parameters unchanged. ReLU is `[z, qmax]`, ReLU6 `[z, z + round(6 / s)]`.

    The bounds are the same `clamp` attribute (`[lo, hi]`, storage codes) that
    the requantizing ops (`qc.matmul`, `qc.conv2d`, `qc.add`, ...) carry as
    their optional output clamp, with the same verifier rule. It is printed
    without the `clamp` keyword those ops need to mark the optional attribute:
    here the op name already says what the array is (as `qc.transpose %x [1, 0]`
    prints its permutation), so `qc.clamp %x [0, 127]` reads like the
    `clamp [0, 127]` tail of `qc.matmul ... clamp [0, 127]`.

    Verifier rules: `lo <= hi`, both inside the storage range; per-tensor
    or per-axis types are both allowed.

    ```mlir
    %y = qc.clamp %x [3, 127] : tensor<4x!quant.uniform<i8:f32, 0.1:3>>
    ```
  }];
  let arguments = (ins QC_QuantTensor:$input, QC_ClampAttr:$clamp);
  let results = (outs QC_QuantTensor:$result);
  let assemblyFormat = "$input $clamp attr-dict `:` type($input)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Rotation (docs/Hadamard.md)
//===----------------------------------------------------------------------===//

def QC_HadamardOp : QC_Op<"hadamard", [Pure]> {
  let summary = "Blockwise randomized Walsh-Hadamard transform of the last dimension";
  let description = [{
    Rotates every vector along the last dimension (size `n`) by the
    orthogonal matrix `Q = (I_(n/b) (x) H_b / sqrt(b)) D`: `D` multiplies
    element `i` by -1 where `negate[i]` is true (no sign flips without
    `negate`), and `H_b` is a Hadamard matrix of size `b = $block` dividing
    `n`, applied to each of the `n/b` contiguous blocks. `b` is a power of
    two (Sylvester: `H_b[i, j] = (-1)^popcount(i & j)`) or `m * 2^k` with a
    Paley order `m` (12 <= m <= 256: `m = q + 1`, `q` a prime = 3 mod 4,
    Paley I; or `m = 2 (q + 1)`, `q` a prime = 1 mod 4, Paley II; Paley I
    first where both give a block; `HadamardMatrix.h`), where `H_b = H_m (x) H_(2^k)`:

    ```
    u[i]      = (negate[i] ? -1 : 1) * x[i]
    y[jb + i] = 1/sqrt(b) * sum_t H_b[i, t] * u[jb + t]
    ```

    computed by the fast Walsh-Hadamard transform on each chunk of `2^k`
    (k butterfly stages `(p, q) -> (p + q, p - q)`) and, for `m > 1`, one
    dense `m x m` stage with the +-1 Paley matrix `H_m`.

    * Float tensors: the stages in the element type, then one multiply by
      `1/sqrt(b)` (rounded to the element type): equal to the exact rotation
      up to rounding.
    * Quantized tensors (per tensor, input `(s_x, z_x)`, result
      `(s_y, z_y)`): the stages on the centered codes in i32, exact; then
      the output stage of every requantizing op with the real multiplier
      `s_x / (sqrt(b) * s_y)`:

      ```
      t[jb + i] = sum_t H_b[i, t] * sign[jb + t] * (x[jb + t] - z_x)     (i32, exact)
      y = sat(clamp(requant(t, s_x / (sqrt(b) * s_y)) + z_y))
      ```

    Verifier rules: equal static shapes of rank >= 1; `block` a supported
    Hadamard order (above) dividing `n`; `negate` (if present) has `n` entries; operand and
    result both float of one type, or both per-tensor quantized with one
    expressed type; `b * max|x - z_x| <= 2^31 - 1` (the i32 sums are exact);
    clamp inside the result storage range.

    ```mlir
    %r = qc.hadamard %x block 64 : tensor<4x64xf32> -> tensor<4x64xf32>
    %q = qc.hadamard %a block 4 negate [true, false, false, true]
        : tensor<2x4x!quant.uniform<i16:f32, 0.001>> -> tensor<2x4x!quant.uniform<i8:f32, 0.05:1>>
    ```
  }];
  let arguments = (ins AnyTypeOf<[QC_QuantTensor, QC_FloatTensor]>:$input,
                       I64Attr:$block,
                       OptionalAttr<DenseBoolArrayAttr>:$negate,
                       DefaultValuedAttr<QC_RequantProfileAttr,
                           "::mlir::qc::RequantProfile::DoubleRound">:$profile,
                       OptionalAttr<QC_ClampAttr>:$clamp);
  let results = (outs AnyTypeOf<[QC_QuantTensor, QC_FloatTensor]>:$result);
  let assemblyFormat = [{
    $input `block` $block (`negate` $negate^)? (`profile` $profile^)? (`clamp` $clamp^)?
    attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

// The result type is inferred (shape as for `qc.conv2d`, the operand's element
// type); a result with dynamic dimensions where the inferred ones are static
// is compatible.
class QC_Pool2DOp<string mnemonic, dag extraArgs = (ins)>
    : QC_Op<mnemonic, [Pure, InferTypeOpAdaptorWithIsCompatible]> {
  let arguments = !con((ins QC_QuantTensor:$input,
                       ConfinedAttr<DenseI64ArrayAttr, [DenseArrayCount<2>]>:$kernel,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding),
                       extraArgs);
  let results = (outs QC_QuantTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def QC_MaxPool2DOp : QC_Pool2DOp<"max_pool2d"> {
  let summary = "Quantized 2-D max pooling (NHWC)";
  let description = [{
    `y[n, oh, ow, c] = max over the window of x`, padded positions ignored.
    Output shape as for `qc.conv2d` with dilation 1. Parameters are unchanged
    (max commutes with the monotone dequantization).

    The result type is inferred: `[N, OH, OW, C]` with the operand's
    per-tensor type; a written result type must be compatible with it.

    Verifier rules: rank 4; kernel and strides positive, padding non-negative
    and smaller than the kernel, window not larger than the padded input;
    per-tensor operand.

    ```mlir
    %y = qc.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
        : tensor<1x4x4x8x!quant.uniform<i8:f32, 0.1>> -> tensor<1x2x2x8x!quant.uniform<i8:f32, 0.1>>
    ```
  }];
}

def QC_AvgPool2DOp : QC_Pool2DOp<"avg_pool2d", (ins UnitAttr:$count_include_pad,
    DefaultValuedAttr<QC_RoundingModeAttr, "::mlir::qc::RoundingMode::HalfAway">:$rounding)> {
  let summary = "Quantized 2-D average pooling (NHWC)";
  let description = [{
    The integer average of the codes of the valid (non-padded) window
    elements: their sum `s` divided by their count `n`, rounded to the
    nearest integer, ties as `$rounding` says:

    ```
    s = sum x[...]   (i32);   q = floor(s / n),  r = s - q * n   (0 <= r < n)
    y = q + (2r > n  or  2r == n and tie_up)
      half_away (default, TFLite):   tie_up = s >= 0      (away from zero in code space)
      half_even (ONNX Runtime):      tie_up = q - z odd   (the mean relative to z to even)
    ```

    Parameters are unchanged. With `count_include_pad`, padded positions
    hold the zero point (the real value 0) and count: `s` adds `z` for each
    of them and `n = KH * KW` everywhere. The division is exact: `y` is the
    integer nearest to the mean of the codes; only exact ties (`2r == n`,
    possible for even `n`) depend on the mode. `half_even` rounds the real
    average `s_x * (mean - z)` to even on the grid, as ONNX Runtime's
    QLinearAveragePool / QLinearGlobalAveragePool do; `half_away` is TFLite's
    rule on the codes. The ONNX importer marks its average pools
    `half_even`, the PyTorch importer keeps `half_away` (docs/Numerics.md).

    Verifier rules: as for `qc.max_pool2d`; `rounding` is `half_away` or
    `half_even`.

    ```mlir
    %y = qc.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
        : tensor<1x4x4x8x!quant.uniform<i8:f32, 0.1:4>> -> tensor<1x2x2x8x!quant.uniform<i8:f32, 0.1:4>>
    %z = qc.avg_pool2d %x rounding <half_even> {kernel = array<i64: 2, 2>}
        : tensor<1x4x4x8x!quant.uniform<i8:f32, 0.1:4>> -> tensor<1x3x3x8x!quant.uniform<i8:f32, 0.1:4>>
    ```
  }];
  let assemblyFormat = [{
    $input (`rounding` $rounding^)? attr-dict `:` type($input) `->` type($result)
  }];
}

//===----------------------------------------------------------------------===//
// Shape ops that keep the quantization parameters
//===----------------------------------------------------------------------===//

def QC_ReshapeOp : QC_Op<"reshape", [Pure]> {
  let summary = "Reshape a quantized tensor, keeping its parameters";
  let description = [{
    Row-major reshape of a statically shaped per-tensor quantized tensor.

    Verifier rules: static shapes with equal element counts; identical
    per-tensor element types.

    ```mlir
    %y = qc.reshape %x : tensor<2x8x!quant.uniform<i8:f32, 0.1>> -> tensor<16x!quant.uniform<i8:f32, 0.1>>
    ```
  }];
  let arguments = (ins QC_QuantTensor:$input);
  let results = (outs QC_QuantTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def QC_TransposeOp : QC_Op<"transpose", [Pure, InferTypeOpAdaptor]> {
  let summary = "Permute the dimensions of a quantized tensor";
  let description = [{
    `y[j_0, ..., j_(r-1)] = x[i_0, ..., i_(r-1)]` with `j_d = i_permutation[d]`: result dim
    `d` is operand dim `permutation[d]`. A per-axis axis moves with its
    dimension.

    The result type is inferred: the permuted shape with the operand's
    parameters (a per-axis axis permuted); a written result type must equal it.

    Verifier rules: `permutation` is a permutation of the rank.

    ```mlir
    %y = qc.transpose %x [1, 0] : tensor<2x8x!quant.uniform<i8:f32, 0.1>> -> tensor<8x2x!quant.uniform<i8:f32, 0.1>>
    ```
  }];
  let arguments = (ins QC_QuantTensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs QC_QuantTensor:$result);
  let assemblyFormat = "$input $permutation attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def QC_ConcatOp : QC_Op<"concat", [Pure, InferTypeOpAdaptorWithIsCompatible]> {
  let summary = "Concatenate quantized tensors with identical parameters";
  let description = [{
    Concatenation along `axis`. All operands and the result share one
    per-tensor quantized element type (`--qc-fold-fake-quant` inserts
    `qc.requantize` where producers disagree).

    The result type is inferred: the operands' shape with dimension `axis`
    their sum (dynamic if any is) and their element type; a written result
    type must be compatible with it (it may leave static dimensions dynamic).

    Verifier rules: at least one operand; equal ranks; `axis` in range; other
    dimensions equal; identical per-tensor element types.

    ```mlir
    %y = qc.concat %a, %b axis 1 : (tensor<2x3x!quant.uniform<i8:f32, 0.1>>, tensor<2x5x!quant.uniform<i8:f32, 0.1>>)
                                 -> tensor<2x8x!quant.uniform<i8:f32, 0.1>>
    ```
  }];
  let arguments = (ins Variadic<QC_QuantTensor>:$inputs, I64Attr:$axis);
  let results = (outs QC_QuantTensor:$result);
  let assemblyFormat = "$inputs `axis` $axis attr-dict `:` functional-type($inputs, $result)";
  let hasVerifier = 1;
}

#endif // QC_DIALECT_QC_IR_QCOPS_TD
