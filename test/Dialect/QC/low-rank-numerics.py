# Numeric check of --qc-low-rank against numpy's optimal truncated SVD.
#
# For random and structured (exact low rank plus noise) weights, with every
# rank rule, the script runs qc-opt, then checks that
#   * the chosen rank is the one the rule gives on numpy's singular values,
#   * the relative error in the remark and the error ||W - A B||_F / ||W||_F
#     recomputed from the factor constants of the output IR both equal the
#     optimal (Eckart-Young) error to 1e-4 relative,
#   * for a quantized qc.matmul, the error of the quantized factors read back
#     from the IR (codes x per-channel scales) equals the remark's, and the
#     integer graph evaluated with python/qc/reference.py shows the documented
#     intermediate choice: the worst-case input drives the intermediate to its
#     bound without saturating, a zero input reproduces the original bias, and
#     random inputs stay within two output codes of the float factorized layer.
#
# RUN: %python %s
import re
import subprocess
import sys

import numpy as np

from qc import reference as ref

REL_TOL = 1e-4


def hex_dense(array, dtype):
    return '"0x' + np.ascontiguousarray(array, dtype=dtype).tobytes().hex().upper() + '"'


def run_qc_opt(source, options):
    proc = subprocess.run(
        ["qc-opt", f"--qc-low-rank={options}",
         "--mlir-print-elementsattrs-with-hex-if-larger=1",
         "--mlir-print-op-on-diagnostic=false"],
        input=source, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"qc-opt --qc-low-rank={options} failed:\n{proc.stderr}")
    return proc.stdout, proc.stderr


REMARK = re.compile(r"rank (\d+) of (\d+), relative error ([-+.e\d]+) "
                    r"\(optimal ([-+.e\d]+)\)(?:, with quantized factors ([-+.e\d]+))?")
CONSTANT = re.compile(r'(%\w+) = arith\.constant dense<"0x([0-9A-F]+)"> : tensor<([\dx]+)x(f32|i8|i32)>')
SCAST = re.compile(r"(%\w+) = quant\.scast (%\w+) : [^ ]+ to tensor<[\dx]+x!quant\.uniform<[^{]*\{([^}]*)\}>>")


def parse_remark(stderr):
    matches = REMARK.findall(stderr)
    if len(matches) != 1:
        sys.exit(f"expected one low-rank remark, got:\n{stderr}")
    rank, full, err, opt, qerr = matches[0]
    return int(rank), float(err), float(opt), float(qerr) if qerr else None


def constants(ir):
    result = {}
    for name, data, shape, dtype in CONSTANT.findall(ir):
        dims = [int(d) for d in shape.split("x")]
        np_type = {"f32": np.float32, "i8": np.int8, "i32": np.int32}[dtype]
        result[name] = np.frombuffer(bytes.fromhex(data), dtype=np_type).reshape(dims)
    return result


def optimal(w, rule, value):
    s = np.linalg.svd(w.astype(np.float64), compute_uv=False)
    energy = s ** 2
    total = energy.sum()
    if rule == "rank":
        rank = int(value)
    elif rule == "energy":
        rank = int(np.argmax(np.cumsum(energy) >= value * total)) + 1
    else:
        tails = np.sqrt(np.array([energy[r:].sum() for r in range(1, len(s) + 1)]) / total)
        rank = int(np.argmax(tails <= value)) + 1
    return rank, float(np.sqrt(energy[rank:].sum() / total))


def rel_error(w, a, b):
    return float(np.linalg.norm(w - a @ b) / np.linalg.norm(w))


def close(x, y):
    return abs(x - y) <= REL_TOL * abs(y)


def check_float_matmul(name, w, rule, value):
    k, n = w.shape
    source = f"""
func.func @f(%x: tensor<4x{k}xf32>, %init: tensor<4x{n}xf32>) -> tensor<4x{n}xf32> {{
  %w = arith.constant dense<{hex_dense(w, np.float32)}> : tensor<{k}x{n}xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x{k}xf32>, tensor<{k}x{n}xf32>) outs(%init : tensor<4x{n}xf32>) -> tensor<4x{n}xf32>
  return %y : tensor<4x{n}xf32>
}}"""
    ir, stderr = run_qc_opt(source, f"{rule}={value} min-flop-reduction=0")
    rank, err, opt, _ = parse_remark(stderr)
    matmuls = re.findall(r"linalg\.matmul ins\((%\w+), (%\w+) :", ir)
    if len(matmuls) != 2:
        sys.exit(f"{name}: expected two matmuls:\n{ir}")
    consts = constants(ir)
    a, b = consts[matmuls[0][1]].astype(np.float64), consts[matmuls[1][1]].astype(np.float64)
    return report(name, w.astype(np.float64), rule, value, rank, err, opt,
                  rel_error(w.astype(np.float64), a, b))


def check_float_lhs_matmul(name, w, rule, value):
    m, k = w.shape
    source = f"""
func.func @f(%x: tensor<{k}x3xf32>, %init: tensor<{m}x3xf32>) -> tensor<{m}x3xf32> {{
  %w = arith.constant dense<{hex_dense(w, np.float32)}> : tensor<{m}x{k}xf32>
  %y = linalg.matmul ins(%w, %x : tensor<{m}x{k}xf32>, tensor<{k}x3xf32>) outs(%init : tensor<{m}x3xf32>) -> tensor<{m}x3xf32>
  return %y : tensor<{m}x3xf32>
}}"""
    ir, stderr = run_qc_opt(source, f"{rule}={value} min-flop-reduction=0")
    rank, err, opt, _ = parse_remark(stderr)
    matmuls = re.findall(r"linalg\.matmul ins\((%\w+), (%\w+) :", ir)
    if len(matmuls) != 2:
        sys.exit(f"{name}: expected two matmuls:\n{ir}")
    consts = constants(ir)
    # y = B^T (A^T x): the factors are the left operands.
    a_t = consts[matmuls[0][0]].astype(np.float64)
    b_t = consts[matmuls[1][0]].astype(np.float64)
    return report(name, w.astype(np.float64).T, rule, value, rank, err, opt,
                  rel_error(w.astype(np.float64), b_t, a_t))


def check_float_conv(name, w, rule, value):
    kh, kw, c, f = w.shape
    source = f"""
func.func @f(%x: tensor<1x8x8x{c}xf32>, %init: tensor<1x6x6x{f}xf32>) -> tensor<1x6x6x{f}xf32> {{
  %w = arith.constant dense<{hex_dense(w, np.float32)}> : tensor<{kh}x{kw}x{c}x{f}xf32>
  %y = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x8x8x{c}xf32>, tensor<{kh}x{kw}x{c}x{f}xf32>) outs(%init : tensor<1x6x6x{f}xf32>) -> tensor<1x6x6x{f}xf32>
  return %y : tensor<1x6x6x{f}xf32>
}}"""
    ir, stderr = run_qc_opt(source, f"{rule}={value} min-flop-reduction=0")
    rank, err, opt, _ = parse_remark(stderr)
    convs = re.findall(r"linalg\.conv_2d_nhwc_hwcf \{[^}]*\} ins\((%\w+), (%\w+) :", ir)
    if len(convs) != 2:
        sys.exit(f"{name}: expected two convolutions:\n{ir}")
    consts = constants(ir)
    a = consts[convs[0][1]].astype(np.float64)
    b = consts[convs[1][1]].astype(np.float64)
    if a.shape != (kh, kw, c, rank) or b.shape != (1, 1, rank, f):
        sys.exit(f"{name}: factor shapes {a.shape} {b.shape}")
    # The documented factorization: the filter as the [KH*KW*C, F] matrix.
    matrix = w.astype(np.float64).reshape(kh * kw * c, f)
    return report(name, matrix, rule, value, rank, err, opt,
                  rel_error(matrix, a.reshape(-1, rank), b.reshape(rank, f)))


X_SCALE, X_ZP, Y_ZP = 0.05, 3, -2


def check_quantized_matmul(name, w, rule, value, rng):
    k, n = w.shape
    scales = np.abs(w).max(axis=0) / 127.0
    codes = np.clip(np.rint(w / scales), -127, 127).astype(np.int8)
    scale_list = ", ".join(repr(float(s)) for s in scales)
    bias_real = rng.uniform(-1.0, 1.0, n)
    bias_scales = X_SCALE * scales
    bias_codes = np.rint(bias_real / bias_scales).astype(np.int32)
    bias_list = ", ".join(repr(float(s)) for s in bias_scales)
    # Output scale from the float range of the layer on full-range inputs.
    y_scale = float(np.abs(w).sum(axis=0).max() * X_SCALE * 128 / 127 / 8)
    source = f"""
!x = !quant.uniform<i8:f32, {X_SCALE}:{X_ZP}>
!w = !quant.uniform<i8<-127:127>:f32:1, {{{scale_list}}}>
!b = !quant.uniform<i32:f32:0, {{{bias_list}}}>
!y = !quant.uniform<i8:f32, {y_scale!r}:{Y_ZP}>
func.func @f(%x: tensor<4x{k}x!x>) -> tensor<4x{n}x!y> {{
  %wc = arith.constant dense<{hex_dense(codes, np.int8)}> : tensor<{k}x{n}xi8>
  %w = quant.scast %wc : tensor<{k}x{n}xi8> to tensor<{k}x{n}x!w>
  %bc = arith.constant dense<{hex_dense(bias_codes, np.int32)}> : tensor<{n}xi32>
  %b = quant.scast %bc : tensor<{n}xi32> to tensor<{n}x!b>
  %y = qc.matmul %x, %w bias %b : tensor<4x{k}x!x>, tensor<{k}x{n}x!w>, tensor<{n}x!b> -> tensor<4x{n}x!y>
  return %y : tensor<4x{n}x!y>
}}"""
    ir, stderr = run_qc_opt(source, f"{rule}={value} min-flop-reduction=0")
    rank, err, opt, qerr = parse_remark(stderr)
    consts = constants(ir)
    casts = {res: (src, np.array([float(s) for s in sc.split(",")]))
             for res, src, sc in SCAST.findall(ir)}
    matmuls = re.findall(r"qc\.matmul (%\w+), (%\w+)(?: bias (%\w+))?", ir)
    if len(matmuls) != 2:
        sys.exit(f"{name}: expected two qc.matmul:\n{ir}")

    def dequantized(value_name):
        src, sc = casts[value_name]
        return consts[src].astype(np.float64) * sc

    weight = codes.astype(np.float64) * scales
    a, b = dequantized(matmuls[0][1]), dequantized(matmuls[1][1])
    measured_q = rel_error(weight, a, b)
    if qerr is None or not close(measured_q, qerr):
        sys.exit(f"{name}: quantized factors give {measured_q}, remark says {qerr}")
    # Quantizing the factors cannot beat the optimal rank-r error.
    if measured_q < opt * (1 - 1e-9):
        sys.exit(f"{name}: quantized error {measured_q} below the optimum {opt}")

    intermediate = re.search(r"i16<-(\d+):(\d+)>:f32, ([-+.eE\d]+)>", ir)
    q_t, t_scale = int(intermediate.group(2)), float(intermediate.group(3))
    a_codes, a_scales = consts[casts[matmuls[0][1]][0]], casts[matmuls[0][1]][1]
    b_codes, b_scales = consts[casts[matmuls[1][1]][0]], casts[matmuls[1][1]][1]
    new_bias = consts[casts[matmuls[1][2]][0]].astype(np.int64)
    qmin, qmax = -128, 127

    def original(xq):
        acc = ref.matmul(xq, X_ZP, codes, 0, bias_codes)
        return ref.output_stage(acc, X_SCALE * scales / y_scale, Y_ZP, qmin, qmax)

    def factorized(xq):
        t = ref.output_stage(ref.matmul(xq, X_ZP, a_codes, 0),
                             X_SCALE * a_scales / t_scale, 0, -q_t, q_t)
        acc = ref.matmul(t, 0, b_codes, 0, new_bias)
        return t, ref.output_stage(acc, t_scale * b_scales / y_scale, Y_ZP, qmin, qmax)

    # Worst case of intermediate channel j: every input at the end of the
    # range that has the sign of A[:, j]. The scale is the symmetric bound
    # max|x| * ||A[:, j]||_1; with x's zero point 3 the range is [-131, 124]
    # codes, so this input reaches the bound to within 124/131.
    j = int(np.argmax(np.abs(a_codes.astype(np.int64) * a_scales).sum(axis=0)))
    worst = np.where(a_codes[:, j] >= 0, qmin, qmax)[None, :]
    t, _ = factorized(np.repeat(worst, 4, axis=0))
    t_exact = ((worst - X_ZP) * X_SCALE) @ (a_codes[:, j] * a_scales[j]) / t_scale
    if not (np.abs(t[:, j] - np.rint(t_exact)).max() <= 1 and
            0.94 * q_t <= np.abs(t[:, j]).max() <= q_t):
        sys.exit(f"{name}: worst-case intermediate {t[:, j].max()} (exact {t_exact}) "
                 f"vs bound {q_t}")
    # A real-zero input leaves only the bias: the rescaled bias must give the
    # original output codes (up to one code of rounding).
    zero = np.full((4, k), X_ZP)
    if np.abs(factorized(zero)[1] - original(zero)).max() > 1:
        sys.exit(f"{name}: rescaled bias changes the output")
    # Random inputs: the integer graph follows the float factorized layer.
    xq = rng.integers(qmin, qmax + 1, (4, k))
    x_real = (xq - X_ZP) * X_SCALE
    y_float = x_real @ (a_codes * a_scales) @ (b_codes * b_scales) + bias_codes * bias_scales
    expected = np.clip(np.rint(y_float / y_scale) + Y_ZP, qmin, qmax)
    deviation = np.abs(factorized(xq)[1] - expected).max()
    if deviation > 2:
        sys.exit(f"{name}: integer graph is {deviation} codes from the float factorized layer")
    return report(name, weight, rule, value, rank, err, opt, None)


def report(name, w, rule, value, rank, err, opt, measured):
    want_rank, want_err = optimal(w, rule, value)
    problems = []
    if rank != want_rank:
        problems.append(f"rank {rank}, numpy's rule gives {want_rank}")
    if not close(err, want_err):
        problems.append(f"remark error {err} vs numpy optimum {want_err}")
    if not close(opt, want_err):
        problems.append(f"remark optimum {opt} vs numpy optimum {want_err}")
    if measured is not None and not close(measured, want_err):
        problems.append(f"IR factors give {measured} vs numpy optimum {want_err}")
    status = "FAIL" if problems else "ok"
    print(f"{status} {name} {rule}={value}: rank {rank}, error {err:.6e}, "
          f"numpy {want_err:.6e}" + ("; " + "; ".join(problems) if problems else ""))
    return not problems


def main():
    rng = np.random.default_rng(20261122)
    random_w = rng.standard_normal((96, 64)).astype(np.float32)
    # Exact rank 6 plus noise about 2% of the signal in Frobenius norm.
    low = rng.standard_normal((96, 6)) @ rng.standard_normal((6, 64))
    noise = rng.standard_normal((96, 64))
    structured_w = (low + 0.02 * np.linalg.norm(low) / np.linalg.norm(noise) * noise
                    ).astype(np.float32)
    # A decaying spectrum, like trained layers.
    u, _ = np.linalg.qr(rng.standard_normal((80, 48)))
    v, _ = np.linalg.qr(rng.standard_normal((48, 48)))
    decaying_w = ((u * (0.85 ** np.arange(48))) @ v.T).astype(np.float32)
    conv_w = (rng.standard_normal((3, 3, 8, 4)) @ rng.standard_normal((4, 24))
              + 0.05 * rng.standard_normal((3, 3, 8, 24))).astype(np.float32)

    results = [
        check_float_matmul("random", random_w, "rank", 16),
        check_float_matmul("random", random_w, "energy", 0.8),
        check_float_matmul("random", random_w, "max-rel-error", 0.45),
        check_float_matmul("structured", structured_w, "rank", 6),
        check_float_matmul("structured", structured_w, "energy", 0.99),
        check_float_matmul("structured", structured_w, "max-rel-error", 0.05),
        check_float_matmul("decaying", decaying_w, "energy", 0.95),
        check_float_matmul("decaying", decaying_w, "max-rel-error", 0.1),
        check_float_lhs_matmul("lhs-structured", structured_w.T.copy(), "energy", 0.99),
        check_float_lhs_matmul("lhs-decaying", decaying_w, "rank", 9),
        check_float_conv("conv3x3", conv_w, "max-rel-error", 0.1),
        check_float_conv("conv3x3", conv_w, "rank", 4),
        check_quantized_matmul("quantized-structured", structured_w, "max-rel-error", 0.05, rng),
        check_quantized_matmul("quantized-decaying", decaying_w, "rank", 12, rng),
    ]
    if len(results) != 14 or not all(results):
        sys.exit(1)


if __name__ == "__main__":
    main()
