//===- QCNonlinearOps.td - qc table, softmax, layer norm, batch matmul -*- tablegen -*-===//
//
// The integer forms of the nonlinear ops of real models (docs/Numerics.md,
// "Nonlinear ops"): a lookup table for any elementwise function, softmax and
// layer normalization in integers, and the batched matmul of two
// activations. Included by QC.td after QCOps.td (it uses its constraints).
//
//===----------------------------------------------------------------------===//
#ifndef QC_DIALECT_QC_IR_QCNONLINEAROPS_TD
#define QC_DIALECT_QC_IR_QCNONLINEAROPS_TD

include "qc/Dialect/QC/IR/QCOps.td"

def QC_TableOp : QC_Op<"table", [Pure]> {
  let summary = "Elementwise lookup table on storage codes";
  let description = [{
    `y = table[x - qmin_storage]` per element, where `qmin_storage` is the
    smallest value of the input's storage type (-128 for i8, 0 for u8,
    -32768 for i16): one entry per possible input code. The table holds the
    result's storage codes (as integers, whatever the result's signedness).

    `--qc-fold-fake-quant` builds it at compile time for an elementwise float
    function `f` between a dequantize and a quantize:

    ```
    table[i] = Q_out(f(D_in(i + qmin_storage)))
    D_in(q) = (q - z_in) * s_in                       (double)
    Q_out(v) = clamp(round(v / s_out) + z_out, qmin, qmax)   (double quotient,
                                                   the quantize's rounding)
    ```

    with `f` evaluated in double precision by interpreting the float body
    (docs/Numerics.md). Inputs of 8 or fewer bits take `2^bits` entries;
    16-bit inputs take the full 65536-entry table (exact, 64-128 KiB)
    instead of an interpolated one.

    Verifier rules: per-tensor input and result of the same shape and
    expressed type; input storage of at most 16 bits; `table` is a 1-D i32
    tensor with `2^w` entries for input storage width `w`; every entry
    inside the result's storage range.

    ```mlir
    %y = qc.table %x table dense<[...]> : tensor<256xi32>
        : tensor<4x!quant.uniform<i8:f32, 0.05:3>> -> tensor<4x!quant.uniform<i8:f32, 0.0039:-128>>
    ```
  }];
  let arguments = (ins QC_QuantTensor:$input, I32ElementsAttr:$table);
  let results = (outs QC_QuantTensor:$result);
  let assemblyFormat = "$input `table` $table attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def QC_SoftmaxOp : QC_Op<"softmax", [Pure]> {
  let summary = "Integer softmax along one axis (exp table, integer internals)";
  let description = [{
    For input codes `q` (per-tensor `s_in`, `z_in`, 2 to 16 bits) and an
    output type (`s_out`, `z_out`), along `axis` of size `N`:

    ```
    E[d]  = round_half_even(exp(-s_in * d) * 2^30),  d = 0 .. 2^bits - 1
            (compile-time i32 table; E[0] = 2^30)
    m     = max_j q_j                                     (over the axis)
    e_i   = E[m - q_i]                                    (i32, 0 .. 2^30)
    S     = sum_j e_j                                     (i64)
    r_i   = (e_i * 2^15 + S / 2) / S                      (i64, floor division:
            softmax in Q15 rounded half up, 0 .. 2^15)
    y_i   = sat(requant(r_i, 2^-15 / s_out) + z_out)      ($profile)
    ```

    The input zero point cancels in `m - q_i`. This replaces I-BERT's
    second-order polynomial for `exp` (Kim et al. 2021) by a table of
    `2^bits` entries (1 KiB for 8-bit inputs, 256 KiB for 16-bit ones,
    where `r_i` in Q15 limits a 16-bit result to steps of `2^-15`): every exponential is
    within `2^-31` of exact, so long rows of small values (a 3000-long row
    with one spike) keep their sum. No floating point at run time.

    Verifier rules: per-tensor input and result of the same shape and
    expressed type; storage of at most 16 bits (the rule of every qc
    tensor); `axis` inside the rank and static.

    ```mlir
    %y = qc.softmax %x axis 1 : tensor<2x16x!quant.uniform<i8:f32, 0.1:3>>
                              -> tensor<2x16x!quant.uniform<i8:f32, 0.00390625:-128>>
    ```
  }];
  let arguments = (ins QC_QuantTensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<QC_RequantProfileAttr,
                           "::mlir::qc::RequantProfile::DoubleRound">:$profile);
  let results = (outs QC_QuantTensor:$result);
  let assemblyFormat = [{
    $input `axis` $axis (`profile` $profile^)? attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def QC_LayerNormOp : QC_Op<"layer_norm", [Pure]> {
  let summary = "Integer layer normalization over the last axis";
  let description = [{
    For input codes `q` (per-tensor `s_in`, `z_in`, 2 to 16 bits) over the
    last axis of size `D`, real `gamma[j]`, `beta[j]` and `epsilon`, and an
    output type (`s_out`, `z_out`, any storage):

    ```
    x_i = q_i - z_in;   S = sum_i x_i;   c_i = D * x_i - S        (i32)
    Q   = sum_i x_i^2                     (i32 if D (2^bits-1)^2 < 2^31, else i64)
    W   = D * Q - S^2                     (= sum_i c_i^2 / D)     (i64)
    P   = D * W  (a = 1)  or  W  (a = 0)                          (i64)
    U   = P * 2^k + E                                             (i64)
    t   = max(0, (62 - bitlen(U)) / 2)    (U * 4^t < 2^62)
    r   = isqrt(U * 4^t)                  (floor; Newton, below)  (i64)
    n_i = round_half_away(c_i * 2^(24 + t + k/2) / r)             (i64)
    y_i = sat(z_out + floor((n_i * M_j + B_j + 2^(R-1)) / 2^R))   (i64)
    ```

    `S` and `Q` come from one pass over the row. The statistic `P` is
    `V = sum_i c_i^2 = D * W` (`a = 1`) when `V < 2^61` for every input,
    `ceil(D^3 (2^bits - 1)^2 / 4) < 2^61`: every input of at most 8 bits
    (`D <= 16384`) and 16-bit inputs up to `D = 1290`; otherwise (16-bit
    rows of 1291 to 16384) `W` itself (`a = 0`, `W <= D^2 (2^bits - 1)^2 /
    4 < 2^59`). The compile-time constants: `k`, the even shift that keeps
    `P * 2^k < 2^61` for every input, so that `epsilon` keeps its precision
    next to small variances, and `E`:

    ```
    k = max(0, 2 * floor((61 - bitlen(ceil(D^(2+a) (2^bits - 1)^2 / 4))) / 2))
    E = min(round_half_even(D^(2+a) * epsilon / s_in^2 * 2^k), 2^61)
    ```

    so that `n_i / 2^24 = (x_i - mean) / sqrt(D^a * (var + epsilon /
    s_in^2))` (`|n_i| <= 2^24` for `a = 1`, `<= 2^24 sqrt(D - 1) < 2^31` for
    `a = 0`) and `y_i / s_out ~ gamma_j * n_i sqrt(D^a) / 2^24 + beta_j`.
    The per-channel constants, computed at compile time in double:

    ```
    G   = max_j |gamma_j| * sqrt(D) / s_out,   Bm = max_j |beta_j| / s_out
    e(v) = ceil(log2(v)) for v > 0, e(0) = 0
    R   = clamp(min(54 - e(G), 61 - e(max(Bm, 1))), 1, 62)
    M_j = round_half_even(gamma_j * sqrt(D)^a / s_out * 2^(R - 24))   (|M_j| < 2^31)
    B_j = clamp(round_half_even(beta_j / s_out * 2^R), -2^61, 2^61)
    ```

    (`|n_i M_j| <= G 2^R <= 2^54` either way.) `isqrt(U)`: `x =
    2^ceil(bitlen(U) / 2)` (at least sqrt(U)), then 8 iterations of `x =
    min(x, (x + U / x) / 2)` (floor division), which reaches
    `floor(sqrt(U))` from above and stays there. `bitlen` is a branch-free
    binary search over shifts. All arithmetic is integer; the mean is never
    rounded (I-BERT rounds it), and the single final rounding keeps the
    error within half an output step of the exact layer norm plus 2^-24
    relative (docs/Numerics.md).

    Verifier rules: per-tensor input and result of the same shape and
    expressed type; storage of at most 16 bits (the rule of every qc
    tensor); `gamma` and `beta` with one finite entry per element of the
    last axis; `epsilon` finite and `>= 0`; the last axis at most 16384 (so
    that `c_i` fits in i32 and `D * Q` in i64 for 16-bit codes).

    ```mlir
    %y = qc.layer_norm %x gamma [1.0, 0.5] beta [0.0, 0.1] epsilon 1.0e-05
        : tensor<4x2x!quant.uniform<i8:f32, 0.1:3>> -> tensor<4x2x!quant.uniform<i8:f32, 0.05:-1>>
    ```
  }];
  let arguments = (ins QC_QuantTensor:$input, DenseF64ArrayAttr:$gamma,
                       DenseF64ArrayAttr:$beta, F64Attr:$epsilon);
  let results = (outs QC_QuantTensor:$result);
  let assemblyFormat = [{
    $input `gamma` $gamma `beta` $beta `epsilon` $epsilon attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def QC_BatchMatmulOp : QC_RequantizingOp<"batch_matmul"> {
  let summary = "Quantized batched matrix product of two activations";
  let description = [{
    For `lhs : [B, M, K]` and `rhs : [B, K, N]`, both per-tensor (either or
    both run-time values, e.g. attention's `Q K^T` and `P V`):

    ```
    acc[b, m, n] = sum_k (a[b, m, k] - z_a) * (c[b, k, n] - z_c)        (i32)
    y = sat(clamp(requant(acc, s_a * s_c / s_y) + z_y))
    ```

    Both operands are usually run-time values, so no zero-point term folds
    at compile time: the lowering subtracts the zero points before each
    product. Arithmetic is i32 and exact (the verifier rules out overflow).

    Verifier rules: rank 3 for all; equal batch; `K` and `N` agree; all
    per-tensor with equal expressed types;
    `K * max|a - z_a| * max|c - z_c| <= 2^31 - 1`; clamp inside the result
    storage range.

    ```mlir
    %y = qc.batch_matmul %q, %k : tensor<2x4x8x!quant.uniform<i8:f32, 0.1:3>>,
        tensor<2x8x4x!quant.uniform<i8:f32, 0.2:-1>> -> tensor<2x4x4x!quant.uniform<i8:f32, 0.5:2>>
    ```
  }];
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

def QC_FloatIslandOp : QC_Op<"float_island", [SingleBlock, RecursiveMemoryEffects]> {
  let summary = "A float computation left inside a quantized region on request";
  let description = [{
    Holds ops that stay in floating point between a dequantize and a
    quantize because they have no integer form, when the user allowed it
    (`--qc-fold-fake-quant` with `allow-float=true`, the default; with
    `allow-float=false` such an op is an error instead). The island makes
    the exception explicit and named in the IR and in the fold's report;
    it computes exactly what its ops compute. Values from above are used
    directly; the results are the `qc.yield` operands.
    `--qc-lower-to-linalg` inlines the body, and an integer-only pipeline
    then rejects its float ops like any other.

    Verifier rules: a non-empty name; the body ends in a `qc.yield` whose
    operand types are the result types.

    ```mlir
    %y = qc.float_island "main.float0" -> tensor<4xf32> {
      %t = math.log %x : tensor<4xf32>
      qc.yield %t : tensor<4xf32>
    }
    ```
  }];
  let arguments = (ins StrAttr:$name);
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$name (`->` type($results)^)? attr-dict-with-keyword $body";
  let hasVerifier = 1;
}

def QC_YieldOp : QC_Op<"yield", [Pure, Terminator,
                                 HasParent<"FloatIslandOp">]> {
  let summary = "The results of a qc.float_island";
  let description = [{
    Ends a `qc.float_island` body; its operands are the island's results.

    ```mlir
    qc.yield %t : tensor<4xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$results);
  let assemblyFormat = "attr-dict ($results^ `:` type($results))?";
}

#endif // QC_DIALECT_QC_IR_QCNONLINEAROPS_TD
