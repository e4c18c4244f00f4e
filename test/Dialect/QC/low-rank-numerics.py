# Numeric check of --qc-low-rank against numpy's optimal truncated SVD.
#
# For random and structured (exact low rank plus noise) weights, with every
# rank rule, the script runs qc-opt, then checks that
#   * the chosen rank is the one the rule gives on numpy's singular values,
#   * the relative error in the remark and the error ||W - A B||_F / ||W||_F
#     recomputed from the factor constants of the output IR both equal the
#     optimal (Eckart-Young) error to 1e-4 relative,
#   * for a quantized qc.matmul, the error of the quantized factors read back
#     from the IR (codes x per-channel scales) equals the remark's.
#
# RUN: %python %s
import re
import subprocess
import sys

import numpy as np

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
CONSTANT = re.compile(r'(%\w+) = arith\.constant dense<"0x([0-9A-F]+)"> : tensor<([\dx]+)x(f32|i8)>')
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
        np_type = np.float32 if dtype == "f32" else np.int8
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


def check_quantized_matmul(name, w, rule, value):
    k, n = w.shape
    scales = np.abs(w).max(axis=0) / 127.0
    codes = np.clip(np.rint(w / scales), -127, 127).astype(np.int8)
    scale_list = ", ".join(repr(float(s)) for s in scales)
    source = f"""
!x = !quant.uniform<i8:f32, 0.05:3>
!w = !quant.uniform<i8<-127:127>:f32:1, {{{scale_list}}}>
!y = !quant.uniform<i8:f32, 0.3:-2>
func.func @f(%x: tensor<4x{k}x!x>) -> tensor<4x{n}x!y> {{
  %wc = arith.constant dense<{hex_dense(codes, np.int8)}> : tensor<{k}x{n}xi8>
  %w = quant.scast %wc : tensor<{k}x{n}xi8> to tensor<{k}x{n}x!w>
  %y = qc.matmul %x, %w : tensor<4x{k}x!x>, tensor<{k}x{n}x!w> -> tensor<4x{n}x!y>
  return %y : tensor<4x{n}x!y>
}}"""
    ir, stderr = run_qc_opt(source, f"{rule}={value} min-flop-reduction=0")
    rank, err, opt, qerr = parse_remark(stderr)
    consts = constants(ir)
    casts = {res: (src, np.array([float(s) for s in sc.split(",")]))
             for res, src, sc in SCAST.findall(ir)}
    matmuls = re.findall(r"qc\.matmul (%\w+), (%\w+)", ir)
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
        check_float_conv("conv3x3", conv_w, "max-rel-error", 0.1),
        check_float_conv("conv3x3", conv_w, "rank", 4),
        check_quantized_matmul("quantized-structured", structured_w, "max-rel-error", 0.05),
        check_quantized_matmul("quantized-decaying", decaying_w, "rank", 12),
    ]
    if len(results) != 12 or not all(results):
        sys.exit(1)


if __name__ == "__main__":
    main()
