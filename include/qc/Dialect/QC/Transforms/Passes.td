//===- Passes.td - qc dialect transformation passes --------*- tablegen -*-===//
#ifndef QC_DIALECT_QC_TRANSFORMS_PASSES_TD
#define QC_DIALECT_QC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def QCFoldFakeQuant : Pass<"qc-fold-fake-quant", "func::FuncOp"> {
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
    quantize; with `allow-float=false` each such op is an error that names
    it and the reason. With `report=true` each of them gets a remark with
    the reason, every requantizing op a remark with its real multiplier(s)
    and the compile-time (multiplier, shift) pairs, and each function a
    summary remark.
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
           "Emit a remark per integer op (multipliers and shifts), per op "
           "that stays in float (with the reason) and a summary per function">,
    Option<"allowFloat", "allow-float", "bool", /*default=*/"true",
           "Leave ops without an integer form in float between a dequantize "
           "and a quantize; allow-float=false (the integer-only flows) makes "
           "each such op an error naming it and the reason">
  ];
  let statistics = [
    Statistic<"numFolded", "folded-ops",
              "Number of qc integer ops the fold created">,
    Statistic<"numKeptFloat", "kept-float-ops",
              "Number of float ops left in quantized regions">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::quant::QuantDialect",
    "::mlir::qc::QCDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def QCNormalizeFloat : Pass<"qc-normalize-float", "func::FuncOp"> {
  let summary = "Bring the float spellings of one computation into the form the fold matches";
  let description = [{
    Rewrites float IR (before or between quantization boundaries) into the
    canonical forms `--qc-fold-fake-quant` matches (docs/Design.md):

    * an elementwise `arith` / `math` op on whole tensors with one operand
      that is not a splat constant (`math.tanh %x`, `arith.mulf %x, %c`)
      becomes a one-input `linalg.generic` with the constants as scalars;
    * average pooling: `linalg.pooling_nhwc_sum` / `pooling_nchw_sum`
      followed by a division by a scalar constant, or a product with one
      (on tensors or in an elementwise `linalg.generic`), becomes the sum
      pool followed by the divisor generic `sum[n, h, w, c] / counts[h, w]`
      with a constant `counts` tensor (the form `python/qc/graph.py` emits,
      which also expresses padding and `count_include_pad`);
    * chains of elementwise `linalg.generic` ops that together compute a
      function of one quantized value (its `qc.dequantize`, `qc.fake_quant`
      or `quant.dcast`) and scalar constants fuse into one generic (upstream
      elementwise fusion under a control function; duplicate operands are
      merged), which the fold turns into a `qc.table`. Other generics (a
      bias add after a contraction, binary ops of two values) are left as
      they are;
    * an elementwise generic (bias add, clamp) reading the
      `tensor.expand_shape` of a `linalg.matmul` / `linalg.batch_matmul` on
      collapsed batch dimensions (graph.py's N-D matmul) runs on the
      collapsed shape, and the `expand_shape` moves after it (upstream
      reshape folding by collapsing under a control function), so the
      contraction, bias and clamp form one chain.

    The pass never folds ops (upstream folds `quant.dcast(quant.qcast(x))`
    to `x`). `--qc-fold-fake-quant` applies the same patterns itself after
    its boundary step, so running this pass first is optional; it exists
    to test and inspect the canonical form.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def QCLowRank : Pass<"qc-low-rank", "func::FuncOp"> {
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
  let statistics = [
    Statistic<"numConsidered", "considered-ops",
              "Contractions with a constant weight that were considered">,
    Statistic<"numFactorized", "factorized-ops",
              "Contractions rewritten as two through a rank-r intermediate">,
    Statistic<"rankSum", "rank-sum",
              "Sum of the chosen ranks (divide by factorized-ops for the mean)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::quant::QuantDialect",
    "::mlir::qc::QCDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

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
  let statistics = [
    Statistic<"numPrunedWeights", "pruned-weights", "Constant weights pruned">,
    Statistic<"numWeightElements", "weight-elements",
              "Elements of the pruned weights">,
    Statistic<"numZeroElements", "zero-elements",
              "Elements of the pruned weights that are zero afterwards">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::quant::QuantDialect"];
}

def QCRemoveZeroChannels : Pass<"qc-remove-zero-channels", "ModuleOp"> {
  let summary = "Remove all-zero output channels of qc.matmul / qc.conv2d";
  let description = [{
    Finds `qc.matmul` / `qc.conv2d` (groups 1) whose constant weight has
    whole output channels equal to the zero point (from `--qc-prune` with
    `pattern=channel` or from training) and removes them from the weight,
    bias and per-axis parameters, and from every consumer (`qc.matmul` K
    rows, `qc.conv2d` input channels). The removed channel's output is a
    constant; its contribution to the consumer is folded into the consumer's
    i32 bias, exactly. Producers with a consumer that cannot absorb it are
    kept with a remark. Runs on `qc` ops, i.e. before
    `--qc-lower-to-linalg`; `--qc-sparsify` handles the remaining zeros after
    it (docs/Sparsity.md).

    Every decision is reported as a remark on the op.
  }];
  let statistics = [
    Statistic<"numRemovedChannels", "removed-channels",
              "Zero output channels removed from qc.matmul / qc.conv2d">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::quant::QuantDialect"];
}

def QCSparsify : Pass<"qc-sparsify", "ModuleOp"> {
  let summary = "Encode sparse int8 weights as N:M or ELL gather kernels";
  let description = [{
    Finds zeros in constant weights of the raw int8 contractions left by
    `--qc-lower-to-linalg` (so it runs after the lowering; whole zero
    channels of `qc` ops are removed before it by
    `--qc-remove-zero-channels`) and picks a representation by the cost
    model of docs/Sparsity.md:

    * `linalg.matmul` of i8 activations by a constant i8 `[K, N]` weight
      into i32: an N:M weight
      becomes compressed values plus in-group offsets, other sparse weights a
      padded per-column list (ELL) of values and row indices; both run as a
      `linalg.generic` that gathers activations by index. The cheapest of
      dense, N:M and ELL by `(stored entries per column) * cost(M)` wins
      (for ELL the longest column below 4 rows, the mean one from 4 on),
      `cost(M) = cost-gemv * M` for M < 4 rows (scalar kernel) and
      `cost * align(M, 16) / M` from 4 rows on (row-vectorized kernel); below
      `min-sparsity` the weight stays dense. On `target=gpu` the unstructured
      (ELL) form is not used.
    * `linalg.conv_2d_nhwc_hwcf` with a constant i8 filter `[KH, KW, C, F]`:
      the same encodings of the filter read as `[KH*KW*C, F]` (N:M only when
      M divides C), gathering the input window by the decoded reduction
      index; costed as a matmul with `N*OH*OW` rows. Depthwise, grouped and
      unsigned-code convolutions stay dense.

    Every decision is reported as a remark on the op.
  }];
  let options = [
    Option<"minSparsity", "min-sparsity", "double", "0.5",
           "weights with a smaller fraction of zeros stay dense">,
    Option<"target", "target", "std::string", "\"cpu\"",
           "cpu | gpu: gpu never picks the unstructured (ELL) kernel">,
    Option<"nmCost", "nm-cost", "double", "8.0",
           "cost of one stored N:M entry per row when the kernel runs on "
           "16-row vectors (4 rows or more), in dense multiply-adds "
           "(measured, docs/Sparsity.md)">,
    Option<"ellCost", "ell-cost", "double", "9.0",
           "the same for an ELL entry">,
    Option<"nmCostGemv", "nm-cost-gemv", "double", "5.0",
           "cost of one stored N:M entry of the scalar kernel of a "
           "matrix-vector product, in dense multiply-adds (measured)">,
    Option<"ellCostGemv", "ell-cost-gemv", "double", "7.0",
           "the same for an ELL entry">
  ];
  let statistics = [
    Statistic<"numNMWeights", "nm-weights",
              "Constant weights encoded as N:M (values + in-group offsets)">,
    Statistic<"numELLWeights", "ell-weights",
              "Constant weights encoded as ELL (values + row indices)">,
    Statistic<"numDenseWeights", "dense-weights",
              "Constant weights the cost model kept dense">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::quant::QuantDialect",
                           "::mlir::tensor::TensorDialect"];
}

//===----------------------------------------------------------------------===//
// Weight sharing and packed 4-bit weights (docs/WeightSharing.md)
//===----------------------------------------------------------------------===//

def QCWeightSharing : Pass<"qc-weight-sharing", "ModuleOp"> {
  let summary = "Cluster constant contraction weights by k-means (weight sharing)";
  let description = [{
    Replaces every constant weight of `linalg.matmul`, `linalg.conv_2d_nhwc_hwcf`,
    `linalg.depthwise_conv_2d_nhwc_hwc`, `qc.matmul` and `qc.conv2d` (the
    operands `--qc-prune` handles) by its k-means clustering: each element
    becomes the centroid of its cluster, with at most `clusters` centroids
    per tensor or per output channel (last dimension). k-means++ seeding
    (greedy, scikit-learn's) with a fixed `seed`, Lloyd iterations to
    convergence, the best of `restarts` seedings.

    * Float weights (directly or through `qc.fake_quant`, i.e. before
      `--qc-fold-fake-quant`) get float centroids.
    * Quantized weights (`quant.scast` of integer codes) are clustered in
      the quantized domain: the codes, weighted by `scale^2` so that the
      error is the real one, with centroids rounded to codes. The op keeps its
      integer numerics for the new codes; after `--qc-lower-to-linalg`,
      `--qc-pack-weights` stores them as 4-bit indices into a codebook.

    A per-op dictionary `qc.weight_sharing = {clusters = 8, granularity =
    "channel"}` (or `{disable}`) overrides the options. Every clustered weight
    gets a remark with the bytes before and after (indices + codebooks), the
    inertia (sum of squared errors) and its relative value.
  }];
  let options = [
    Option<"clusters", "clusters", "int64_t", "16",
           "centroids per codebook, in [2, 256] (u4 indices up to 16, u8 up to 256)">,
    Option<"granularity", "granularity", "std::string", "\"tensor\"",
           "tensor: one codebook per weight; channel: one per output channel">,
    Option<"seed", "seed", "uint64_t", "0", "seed of the k-means++ seeding">,
    Option<"restarts", "restarts", "int64_t", "10",
           "k-means++ seedings tried (the lowest inertia wins)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::quant::QuantDialect"];
  let statistics = [
    Statistic<"numClustered", "clustered-weights",
              "Constant weights replaced by their clustering">,
    Statistic<"numUnchanged", "unchanged-weights",
              "Weights left alone: already at most `clusters` values">,
    Statistic<"numCentroids", "codebook-entries",
              "Centroids of the clustered weights' codebooks, in total">,
    Statistic<"numBytesSaved", "bytes-saved",
              "Bytes the clustered weights save once stored as indices + "
              "codebooks (rounded down)">
  ];
}

def QCPackWeights : Pass<"qc-pack-weights", "func::FuncOp"> {
  let summary = "Store constant weights with few codes as packed 4-bit indices into a codebook";
  let description = [{
    Runs after `--qc-lower-to-linalg` on the raw contractions it leaves
    (`linalg.matmul` with default maps and `linalg.conv_2d_nhwc_hwcf` of
    integer codes into i32 with a constant weight):

    * an int4 (`i4`) weight is stored two codes per byte and extended in the
      kernel (by the matmul's cast);
    * a weight with at most 16 distinct codes per tensor (else per output
      channel), e.g. from `--qc-weight-sharing`, becomes u4 indices, two per
      byte, into a codebook of codes of the weight's type;
    * a 16-bit weight with at most 256 distinct codes per tensor (else per
      output channel) becomes u8 indices into a codebook.

    The weight, read as `[R, F]` (a filter `[KH, KW, C, F]` as
    `[KH*KW*C, F]`), is stored as `[F, ceil(R/2)]` bytes, entry `(r, f)` in
    the low nibble of byte `(f, r / 2)` for even `r` and the high nibble for
    odd `r` (`[F, R]` bytes for u8 indices). The contraction becomes one
    `linalg.generic` that looks each weight up (`tensor.extract`) while it
    multiplies: the integer results are unchanged. Every decision is a
    remark with the bytes before and after. See docs/WeightSharing.md.

    On the CPU, `qc-cpu-int8-kernels` matches these generics back into its
    VNNI kernel (the weight evaluated at compile time and stored in the
    kernel's layout: 4-bit codes two per byte, or u4 indices into a
    16-code codebook looked up with vpshufb).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
  let statistics = [
    Statistic<"numPacked", "packed-weights",
              "Weights stored as int4 pairs or indices into codebooks">,
    Statistic<"numKeptDense", "dense-weights",
              "Candidate weights kept dense (too many codes, or no smaller)">,
    Statistic<"numBytesSaved", "bytes-saved",
              "Bytes of weight storage saved by packing">
  ];
}

//===----------------------------------------------------------------------===//
// Rotation (docs/Hadamard.md)
//===----------------------------------------------------------------------===//

def QCHadamardRotate : Pass<"qc-hadamard-rotate", "ModuleOp"> {
  let summary = "Rotate linear layers by randomized Hadamard matrices (QuaRot)";
  let description = [{
    For each float `linalg.matmul` (default maps) and 1x1
    `linalg.conv_2d_nhwc_hwcf` with a constant weight `W` (`[K, N]`, a filter
    `[1, 1, C, F]` as `[C, F]`), picks the orthogonal matrix
    `Q = (I (x) H_b / sqrt(b)) D` of `qc.hadamard` (`H_b` on blocks of `b`:
    Sylvester, or `H_m (x) H_(2^k)` with a Paley `H_m`; random signs `D` from `seed` unless `randomize=false`) and
    rewrites `x W` as `(Q x)^T (Q W)`: the weight becomes `Q W` and the
    activation gets an online `qc.hadamard`, unless its producer is a
    `linalg.matmul` with a constant weight, a zero init and no other user
    (`fold-producers`), whose weight then becomes `W1 Q^T`. The float result
    is unchanged up to rounding; outlier channels of `x` are spread over
    their block before `x` is quantized, so rotate the float model before
    calibrating it. Quantized layers and layers whose
    weight or input is already fake-quantized are left alone with a remark.

    `block=0` (default) takes the largest supported Hadamard size dividing
    `K` (`K` itself for a power of two or `m * 2^k` with a Paley order `m`
    such as 12, 20, 24, 44; a `K` no supported size divides, e.g. an odd
    one, is zero-padded to the smallest supported size `K' >= K`:
    `x W = [x, 0] [W; 0]`, the weight becomes `[K', N]` and the input gets a
    `tensor.pad` before its `qc.hadamard`); an explicit `block` (option or per-op
    `qc.hadamard_rotate = {block = 64}`) must divide `K`, or the pass fails
    with an error naming the op and the option. `{disable}` opts an op out.
    Every decision is a remark.
  }];
  let options = [
    Option<"block", "block", "int64_t", "0",
           "Hadamard block (a power of two or m * 2^k with a Paley order m, "
           "dividing the dimension; 0: the largest such size)">,
    Option<"seed", "seed", "uint64_t", "0", "seed of the random signs">,
    Option<"randomize", "randomize", "bool", "true",
           "random sign flips D (false: the plain Hadamard matrix)">,
    Option<"foldProducers", "fold-producers", "bool", "true",
           "fold the rotation into a producing matmul when possible">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::qc::QCDialect",
                           "::mlir::tensor::TensorDialect"];
  let statistics = [
    Statistic<"numRotated", "rotated-layers",
              "Layers whose weight was rotated">,
    Statistic<"numOnline", "online-hadamards",
              "Online qc.hadamard ops inserted on layer inputs">,
    Statistic<"numFolded", "folded-rotations",
              "Rotations absorbed by a producing matmul's weight">,
    Statistic<"numSkipped", "skipped-layers",
              "Candidate layers left alone with a remark">
  ];
}

#endif // QC_DIALECT_QC_TRANSFORMS_PASSES_TD
