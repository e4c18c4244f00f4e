//===- Passes.td - CPU code generation passes ---------------*- tablegen -*-===//
#ifndef QC_CODEGEN_CPU_PASSES_TD
#define QC_CODEGEN_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def QCCPUTileAndVectorize
    : Pass<"qc-cpu-tile-and-vectorize", "func::FuncOp"> {
  let summary = "Tile linalg ops on tensors and vectorize the tiles";
  let description = [{
    Works on linalg ops with static shapes on tensors, before bufferization.
    Contractions (matmul, batch_matmul, and generics that infer as
    contractions) are tiled twice: a cache tile over (m, n, k) and inside it
    a register tile whose (m, n) accumulator stays in vector registers while
    the k loop runs; the register tile is vectorized into one
    `vector.contract`. Other linalg ops are tiled to one row and a vector of
    `vector-width` elements along the innermost loop and vectorized; a 2-D
    `linalg.transpose` gets square `vector-width` tiles instead, each one
    register transpose rather than a strided read per element.
    Remainder tiles are vectorized with masks, so no shape is rejected for
    not dividing a tile size. An op the vectorizer does not support is left
    as it is (it becomes scalar loops later), which is never wrong.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect", "::mlir::vector::VectorDialect",
    "::mlir::affine::AffineDialect"
  ];
  let options = [
    ListOption<"cacheTile", "cache-tile", "int64_t",
               "Contraction cache tile sizes (m, n, k), default 64,256,256; "
               "0 leaves a loop untiled">,
    ListOption<"registerTile", "register-tile", "int64_t",
               "Contraction register tile sizes (m, n, k), default 8,32,16">,
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "Elements per vector along the innermost loop of other ops">
  ];
}

def QCCPUVectorizeGathers
    : Pass<"qc-cpu-vectorize-gathers", "func::FuncOp"> {
  let summary = "Vectorize --qc-sparsify's gather kernels along the rows";
  let description = [{
    Works on linalg on tensors, before `qc-cpu-tile-and-vectorize`. Matches
    a `linalg.generic` over `(m, n, j)` (parallel, parallel, reduction)
    writing `[M, N]`, whose inputs are indexed by `(n, j)` and whose body
    reads a tensor from outside with `tensor.extract %a[m, k]`, `k`
    independent of `m`: the N:M and ELL kernels of `--qc-sparsify`. The
    linalg vectorizer can only turn that read into a gather.

    The kernel is rewritten with the activations transposed to `[K, M]`:

    ```
    for n, for each block of B rows m0:
      acc = out^T[n, m0 .. m0+B]
      for j: acc = body(a^T[k(n, j), m0 .. m0+B], inputs[n, j], acc)
      out^T[n, m0 .. m0+B] = acc
    ```

    The body's ops that depend on `m` (elementwise only) work on
    `vector<B x ...>`, the others stay scalar and are broadcast, so each
    stored entry costs one contiguous load and one vector multiply-add per
    B rows. `B` is the smaller of `block-rows` and the rows rounded up to
    16; a last partial block is masked. When the body yields
    `acc + x * ext(w)` with `w` read from a constant, the `j` loop of each
    column stops after its last non-zero `w` (the padding of an ELL column
    adds nothing). Kernels with fewer than `min-rows` rows (a
    matrix-vector product) are left to the scalar loops. The arithmetic is
    the body's own, so results are bit-exact.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect"
  ];
  let options = [
    Option<"minRows", "min-rows", "int64_t", /*default=*/"4",
           "Fewest rows (M) for which a kernel is vectorized">,
    Option<"blockRows", "block-rows", "int64_t", /*default=*/"128",
           "Rows per accumulator vector, a multiple of 16">
  ];
}

def QCCPUFoldReshapesIntoEpilogues
    : Pass<"qc-cpu-fold-reshapes-into-epilogues", "func::FuncOp"> {
  let summary = "Let elementwise consumers read a contraction's result "
                "across reshapes, so the int8 kernels fuse them";
  let description = [{
    Runs on linalg on tensors before the int8 kernels are grouped. An
    elementwise `linalg.generic` (every loop parallel) that reads, through
    `tensor.collapse_shape` + `tensor.expand_shape` (qc.reshape's lowering)
    or one `tensor.expand_shape` that only splits dimensions, the
    single-use result of a linalg op (an int8 contraction's epilogue) is
    rewritten to iterate over the reshape's source shape: its other operands
    are collapsed, its result expanded (upstream's fold-by-collapsing
    patterns). A transformer's residual add after the output projection
    ([B*S, D] -> [B, S, D]) then fuses into the projection's kernel
    epilogue (`qc-cpu-int8-kernels`). Only views change; the values are the
    same.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def QCCPUInt8Kernels : Pass<"qc-cpu-int8-kernels", "func::FuncOp"> {
  let summary = "Int8 matmuls and convolutions as register-tile kernels "
                "with packed weights and the epilogue fused";
  let description = [{
    Works on linalg on tensors, before `qc-cpu-tile-and-vectorize`. An int8
    x int8 -> i32 contraction (matmul, conv_2d_nhwc_hwcf, the grouped
    convolution generic with one group, depthwise convolution; static
    shapes, signed filter, accumulator a constant fill) becomes an
    `scf.forall` over tiles of `rows x 16*vectors` outputs. Output pixels
    are rows, so a convolution is a matrix product whose reduction runs over
    contiguous bytes of the padded NHWC input (no im2col copy).

    - The filter goes through `linalg.pack` into vpdpbusd's operand layout
      `[F/16, segments, R/4, 16, 4]` (16 channels x 4 reduction bytes per
      64-byte vector); packs of constants are folded here, at compile time.
    - vpdpbusd multiplies unsigned by signed bytes: a signed input is offset
      once by 128 (`x ^ 0x80`) and `128 * sum(w)` (a compile-time constant
      for constant weights) is taken off the accumulator's start value.
    - The accumulators stay in registers for the whole reduction; then the
      chain of elementwise consumers (requantization, and whatever follows
      it elementwise) runs on them, op by op on vectors, and only the
      narrowed result is stored. A tile of several rows runs it as one loop
      over its rows per accumulator column, marked
      `llvm.loop_annotation<unroll = <disable = true>>` so that LLVM keeps
      it rolled.
    - Depthwise convolutions accumulate 16 channels per vector over the
      taps with widening multiplies.

    - Large inputs (more than `row-block-bytes`, several column panels) are
      cut into row blocks: the forall is `(blocks, panels, row tiles of a
      block)`, so each block of input rows is read from L2 for every panel
      and a static split among threads gives each thread its own rows
      (its own input block in its own L2) instead of its own panels (every
      thread streaming the whole input).

    With `amx`, GEMM-shaped contractions (matmul, 1x1 convolution without
    stride or padding) instead run on AMX tiles: up to 16 rows x 4 blocks of
    16 columns of i32 accumulator tiles per `scf.forall` iteration, 64
    reduction bytes per `amx.tile_muli` (tdpbusd / tdpbssd) with B tiles
    read straight from the packed filter; after the reduction the tiles go
    through a stack scratch (`amx.tile_store`) and the same fused epilogue
    runs on them as vectors (Int8AMX.cpp).

    The four-byte dot products are written with portable vector ops (widen,
    multiply, reduce groups of 4 lanes), which `qc-cpu-contract-to-x86-vnni`
    turns into `vpdpbusd` after bufferization. Results are bit-exact: every
    sum is the i32 sum of the same products.

    With `int16-kernels`, the contractions of mixed-precision layers with one
    16-bit side get the same register tiles (Int16Kernels.cpp): i8/u8
    activations by constant i16 weights, and i16 activations by constant
    8- or 16-bit weights. Both sides are read as signed 16-bit pairs: the
    weights packed at compile time into `[F/16, segments, R/2, 16, 2]` i16
    (one 64-byte vector per 16 channels and 2 reduction steps), 8-bit
    activations widened to i16 once per call, and each step is one
    `vpdpwssd` per accumulator (written portably as widen, multiply,
    reduce groups of 2 lanes; `qc-cpu-contract-to-x86-vnni` emits it). No
    offset or correction: every code fits in s16.
  }];
  let dependentDialects = [
    "::mlir::amx::AMXDialect", "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect"
  ];
  let options = [
    Option<"tileRows", "tile-rows", "int64_t", /*default=*/"8",
           "Most output rows (pixels) per register tile">,
    Option<"tileVectors", "tile-vectors", "int64_t", /*default=*/"3",
           "Most 16-channel accumulator vectors per row of a register tile">,
    Option<"fuseEpilogue", "fuse-epilogue", "bool", /*default=*/"true",
           "Compute the elementwise consumers on the accumulators">,
    Option<"rowBlockBytes", "row-block-bytes", "int64_t", /*default=*/"524288",
           "A dense kernel whose input is larger than this and that has "
           "several column panels runs its row tiles in blocks of about "
           "this many input bytes, each block through every panel before "
           "the next (the block stays in L2, and threads split blocks, not "
           "panels); 0: no blocks">,
    Option<"amx", "amx", "bool", /*default=*/"false",
           "Compute GEMM-shaped contractions (matmuls, 1x1 convolutions "
           "without stride or padding, 8-bit weights) on AMX tiles "
           "(amx.tile_load / tile_muli / tile_store); the code then needs a "
           "CPU with amx-int8 and amx-tile">,
    Option<"int16Kernels", "int16-kernels", "bool", /*default=*/"false",
           "Also compute contractions with one 16-bit side (i8/u8 x constant "
           "i16 weights, i16 x constant i8/u8/i16 weights) as register tiles "
           "of vpdpwssd pairs (qc-cpu-pipeline sets it with x86-vnni; "
           "without it they take the generic path)">
  ];
}

def QCCPURequantizeOnLanes
    : Pass<"qc-cpu-requantize-on-lanes", "func::FuncOp"> {
  let summary = "Vectorized requantizations on i32 lanes instead of i64 vectors";
  let description = [{
    Runs after tiling and vectorization. The fixed-point multiplies that
    `qc-lower-to-linalg` writes for a requantization (RequantizeBuilder.cpp:
    sign-extend to i64, multiply, gemmlowp's rounding or TOSA's
    `apply_scale_32`, shift, `trunci` to i32), once vectorized, compute on
    vectors of i64: two registers of 8 lanes per 16 outputs. This pass
    matches that sequence on vectors and rebuilds it on the i32 lanes the
    kernel epilogues use (docs/CPUKernels.md, "Requantization on 32-bit
    lanes"): the products of the even and of the odd lanes, both roundings
    of `double_round` in one add and shift per half, one shuffle back.
    Bit-exact; plain arith and vector ops (LLVM selects `vpmuldq`). Vectors
    of an odd number of lanes are left as they are.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::vector::VectorDialect"
  ];
}

def QCCPUHoistVectorTransfers
    : Pass<"qc-cpu-hoist-vector-transfers", "func::FuncOp"> {
  let summary = "Keep loop-carried vectors in registers across loops";
  let description = [{
    After bufferization, a vectorized contraction reads and writes its
    accumulator tile from memory in every iteration of the reduction loop.
    This pass hoists such matching `vector.transfer_read`/`transfer_write`
    pairs out of the loops (upstream `linalg::hoistRedundantVectorTransfers`)
    so that the accumulator becomes a loop-carried value that LLVM keeps in
    registers. Only pairs on the same buffer and indices that no other op in
    the loop may touch are hoisted.
  }];
}

def QCCPULowerVectors : Pass<"qc-cpu-lower-vectors", "func::FuncOp"> {
  let summary = "Lower n-D vector ops to 1-D ops LLVM selects well";
  let description = [{
    Runs on memrefs after bufferization. `vector.contract` becomes one
    broadcast-multiply-add (`vector.outerproduct`, then `vector.fma` or
    `arith.muli`/`arith.addi`) per reduction step, so that the (m, n)
    accumulator of a register tile stays as whole vectors and no horizontal
    reduction is needed; transposes become one flat shuffle (LLVM selects
    permute instructions; element by element they cost several instructions
    per element); multi-reductions, masks, broadcasts,
    shape casts and transfers are unrolled to 1-D vectors. What is left is
    what `convert-vector-to-llvm` translates one to one.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

def QCCPUTableLookupX86VBMI
    : Pass<"qc-cpu-table-lookup-x86-vbmi", "func::FuncOp"> {
  let summary = "256-entry byte tables (qc.table) with AVX512-VBMI vpermi2b";
  let description = [{
    Works after bufferization. `qc.table` on 8-bit codes lowers to a gather
    from a constant `memref<256xi8>` global at `ext(code) - storage_min`,
    which the linalg vectorizer makes a `vector.gather` and LLVM scalarizes
    (x86 has no byte gather). This pass rewrites such a gather of up to 64
    lanes into `index = code - storage_min` (mod 256), two
    `llvm.x86.avx512.vpermi2var.qi.512` lookups (each selects one of 128
    bytes held in two zmm registers by the index's low 7 bits) and a select
    on bit 7; masked-off lanes keep the pass-through value. Bit-exact with
    the gather. Only run it when the target has AVX512-VBMI: the pipeline
    enables it with `x86-vbmi`, which qc-run sets from the host.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def QCCPUContractToX86VNNI
    : Pass<"qc-cpu-contract-to-x86-vnni", "func::FuncOp"> {
  let summary = "Lower int8 vector.contract tiles to AVX-512 VNNI vpdpbusd";
  let description = [{
    Rewrites an unmasked `vector.contract` of the matmul form
    `(m, k) x (k, n) -> (m, n)` with `i8` operands and an `i32` accumulator,
    `k` a multiple of 4 and `n` a multiple of 16, into calls of
    `llvm.x86.avx512.vpdpbusd.512` (16 lanes, each the sum of 4 u8 x s8
    products). vpdpbusd takes unsigned bytes on one side, so the signed lhs
    is offset by 128 (`a ^ 0x80` is `a + 128` as u8) and the extra
    `128 * sum_k b[k, n]` is removed with one more vpdpbusd per 4 rows of
    the rhs tile, shared by every row of the lhs:

    ```
    acc[m, n] += sum_k (a[m, k] + 128) * b[k, n] - sum_k 128 * b[k, n]
    ```

    The rhs rows are interleaved in registers into the 4-bytes-per-lane
    layout vpdpbusd reads. The result is bit-exact (i32 arithmetic wraps
    like arith.addi). Only run this when the target has AVX512-VNNI: the
    pipeline enables it with `x86-vnni`, which qc-run sets from the host.
    Contractions of other forms are left for qc-cpu-lower-vectors.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::vector::VectorDialect",
    "::mlir::LLVM::LLVMDialect"
  ];
}

def QCCPUSplitStridedCopies
    : Pass<"qc-cpu-split-strided-copies", "func::FuncOp"> {
  let summary = "Copy strided memrefs as loops of contiguous runs";
  let description = [{
    Upstream lowers a `memref.copy` whose source or target is not
    contiguous (the interior of a padded buffer, which every padded
    convolution's `tensor.pad` bufferizes to) to a call of the runtime's
    generic `memrefCopy`, which copies element by element: in
    mobilenet_v2 at batch 8 it took longer than all the convolutions.
    This pass rewrites such a copy of static shape into `scf.for` loops
    over the leading dimensions and one `memref.copy` of the trailing
    dimensions that are contiguous in both source and target, which the
    LLVM lowering turns into a `memcpy` of a constant size. Copies whose
    innermost dimension is strided, or of dynamic shape, are left alone.
  }];
  let dependentDialects = [
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::arith::ArithDialect",
  ];
}

def QCCPUSerializeSmallForalls
    : Pass<"qc-cpu-serialize-small-foralls", "func::FuncOp"> {
  let summary = "Run scf.forall loops with little work as sequential loops";
  let description = [{
    Runs on bufferized functions (foralls without results) before
    `scf.forall` becomes `scf.parallel` and then an OpenMP region. Each
    parallel region costs a fork and a join of the thread team (microseconds,
    much more on a loaded machine), which the small layers of a batch-1
    model do not earn back: a forall of one iteration, or whose estimated
    work is below `min-work`, becomes nested `scf.for` loops (upstream
    `forallToForLoop`). The estimate counts the operations the loop runs:
    the ops of a body, those of a nested `scf.for` of constant bounds times
    its trip count; a copy, fill or other linalg op on static memrefs is
    memory bound and counts 16 per 64-byte cache line it reads or writes.
    The values are the same either way. `--mlir-pass-statistics` reports
    the estimated work left parallel and the serial rest of each function
    (everything outside the parallel loops), summed over the functions.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
  let options = [
    Option<"minWork", "min-work", "int64_t", /*default=*/"200000",
           "Estimated operations below which a forall runs sequentially">
  ];
  let statistics = [
    Statistic<"numParallelLoops", "parallel-loops", "Foralls left parallel">,
    Statistic<"numSerializedLoops", "serialized-loops", "Foralls made sequential">,
    Statistic<"parallelWork", "parallel-work",
              "Estimated work in the parallel foralls">,
    Statistic<"serialWork", "serial-work",
              "Estimated work outside them (runs on the calling thread)">
  ];
}

def QCCPUPackInt4Activations : Pass<"qc-cpu-pack-int4-activations", "func::FuncOp"> {
  let summary = "Store 4-bit activations two codes per byte between int8 "
                "kernels";
  let description = [{
    Runs on linalg on tensors after `qc-widen-narrow-integers` (which
    stores i4/u4 codes one per byte, sign-extended) and before
    `qc-cpu-int8-kernels`. An int8 kernel (contraction and fused epilogue,
    as `qc-cpu-int8-kernels` matches it) whose result is a 4-bit code
    (the epilogue ends in the widened store `(x << 4) >>s 4` on i8) and
    whose every consumer is a dense 1x1 convolution or matrix product with
    constant weights reading it as its input (through reshapes that keep
    the channels innermost) gets its result packed: a generic marked
    `qc.pack_nibbles` stores channel 2k in the low nibble and 2k + 1 in the
    high nibble of byte k of each row (`ceil(C/2)` bytes per row, 4 zero
    bytes after the last row), and each consumer reads it through a
    generic marked `qc.unpack_nibbles` (sign-extending the nibble, so the
    bytes are the same as before). Both are exact linalg on their own;
    `qc-cpu-int8-kernels` fuses the packing into the producer's epilogue
    (two codes per byte stored from registers) and the unpacking into the
    consumer's reduction (one 4-byte broadcast holds 8 codes, unpacked by a
    mask and a shift). Any other consumer (pooling, elementwise, a
    convolution with padding or a larger window, the zero-point row sums
    of weights with zero points != 0, a result of the function) keeps the
    activation one code per byte.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def QCCPUOutlineKernels : Pass<"qc-cpu-outline-kernels", "ModuleOp"> {
  let summary = "Outline each kernel of a function into a private function";
  let description = [{
    Runs on tensors, before bufferization. Every top-level op of a
    function's body that has regions (a tiled loop nest, a linalg op, a
    `tensor.pad`), with the producers whose every user is in it (its empty
    tensor, fill, elementwise chain), moves into a new private function
    `<function>_kernel<i>` and is replaced by a `func.call`. Constants are
    cloned into each kernel that uses them; other values become arguments.
    A kernel marked `qc.kernel` is `noinline` with internal linkage in LLVM.

    MLIR's pass manager then runs function passes on the kernels in
    parallel, one-shot bufferization analyzes small functions instead of one
    large one, and LLVM optimizes each kernel alone. Ops with memory effects
    or memref values, and kernels with a result of dynamic shape (the
    out-parameter the caller allocates needs a static shape), stay where
    they are.

    With `before-tiling`, it runs on linalg ops before `qc-cpu-int8-kernels`
    and tiling: a kernel is then a chain of elementwise `linalg.generic`s
    (and `collapse_shape`s) together with the first other linalg op above
    it (a contraction and the epilogue the int8 kernels fuse into its
    register tiles), so that the decisions of the tiling stage, which now
    runs per kernel in parallel, stay those of the one function. Chains of
    pure ops on constants (a reshaped weight) and empty tensors are cloned
    into every kernel that uses them, so that a kernel still sees its
    weights as constants.
  }];
  let options = [
    Option<"beforeTiling", "before-tiling", "bool", /*default=*/"false",
           "Group linalg ops as the int8 kernels fuse them (run before tiling)">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::LLVM::LLVMDialect"];
}

def QCCPUDedupeKernels : Pass<"qc-cpu-dedupe-kernels", "ModuleOp"> {
  let summary = "Merge outlined kernels that differ only in their weights";
  let description = [{
    Runs on tensors, after `qc-cpu-outline-kernels`. Kernels (private
    functions marked `qc.kernel`) whose bodies are equal up to their large
    constants become one function: each such constant (an `arith.constant`
    tensor of distinct values that only `vector.transfer_read`s read: packed
    weights, bias and zero-point correction vectors) becomes a trailing
    argument, every call passes its kernel's constant, and the calls of the
    kernels that turned out equal go to the first of them. Splats, scalars
    and tables read by gathers stay in the kernel, and kernels that have no
    equal stay as they are.

    A model's equal layers (an MLP's layers of one width) are then compiled
    once by the rest of the pipeline and by LLVM; the values computed are
    the same, the weights are read through the argument instead of the
    global's address.
  }];
  let statistics = [
    Statistic<"numMerged", "merged-kernels",
              "Kernels replaced by an equal one">,
    Statistic<"numLifted", "lifted-constants",
              "Constants made arguments of kernels that have an equal">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::func::FuncDialect"];
}

def QCEmitCInterface : Pass<"qc-emit-c-interface", "ModuleOp"> {
  let summary = "Request C-callable wrappers for public functions";
  let description = [{
    Sets `llvm.emit_c_interface` on every public `func.func` with a body, so
    that the lowering to LLVM emits `_mlir_ciface_<name>` wrappers taking
    pointers to memref descriptors: the entry points qc-run and users of
    `qc-translate --mlir-to-obj` call.
  }];
}

def QCRecordEntryABI : Pass<"qc-record-entry-abi", "ModuleOp"> {
  let summary = "Record the tensor signature of public functions";
  let description = [{
    Attaches `qc.abi.inputs` and `qc.abi.results` (arrays of the original
    argument and result types, quantized element types included) to every
    public `func.func`, so that tools given lowered IR (the LLVM dialect, in
    which memrefs are flattened and signedness is gone) can still tell the
    element kind and shape of each argument. The attributes survive the
    lowering to `llvm.func`. It must run before anything rewrites the
    signature (the front of the CPU pipeline).
  }];
}

def QCVerifyCPUInput : Pass<"qc-verify-cpu-input", "ModuleOp"> {
  let summary = "Reject input the CPU pipeline cannot lower";
  let description = [{
    The first check of `qc-cpu-pipeline`: a value of unranked tensor or
    memref type anywhere in a function (its signature included) is an error
    at the op that has it. Upstream's lowering to LLVM crashes on them
    (MLIR 22: `tensor.reshape` to `tensor<*xf32>`, returned or cast back);
    the SPIR-V pipeline rejects them by itself.
  }];
}

def QCCopyRepeatedResults : Pass<"qc-copy-repeated-results", "func::FuncOp"> {
  let summary = "Give every returned buffer its own allocation";
  let description = [{
    Runs on bufferized functions before `buffer-results-to-out-params`
    (the bufferization stage that `qc-cpu-pipeline` and `qc-spirv-pipeline`
    share): a `func.return` that returns one memref more than once returns
    a copy (`memref.alloc` + `memref.copy`) for each repetition, so that each
    out-parameter gets its own buffer. Upstream's
    `promoteBufferResultsToOutParams` crashes on `return %r, %r` (MLIR 22).
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
  let statistics = [
    Statistic<"numCopied", "copied-results",
              "Returned buffers replaced by a copy of their own">
  ];
}

def QCMaterializeConstantGlobals
    : Pass<"qc-materialize-constant-globals", "ModuleOp"> {
  let summary = "Create the memref.globals of tensor constants in IR order";
  let description = [{
    Runs just before `one-shot-bufferize` (the bufferization stage that
    `qc-cpu-pipeline` and `qc-spirv-pipeline` share). Upstream's module
    bufferization visits functions in callee-first order taken from a
    `DenseMap` keyed by `func.func` pointers (MLIR 22,
    `getFuncOpsOrderedByCalls`), so the order in which it creates the
    `memref.global` of each tensor `arith.constant`, and thereby the
    globals' order and their `__constant_<type>_<n>` suffixes, changed from
    run to run with the heap addresses. This pass creates those globals
    itself, walking the module in IR order, with the same helper
    (`bufferization::getGlobalFor`) and alignment that the bufferization
    uses; the bufferization then finds and reuses them. The constants
    themselves are left alone.
  }];
  let options = [
    Option<"alignment", "alignment", "uint64_t", "64",
           "Alignment of the globals: one-shot-bufferize's buffer-alignment">
  ];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
  let statistics = [
    Statistic<"numGlobals", "globals", "Constant globals created">
  ];
}

def QCCPUForwardOutParams : Pass<"qc-cpu-forward-out-params", "func::FuncOp"> {
  let summary = "Let the last writer of a result write into the out-parameter";
  let description = [{
    Runs after `buffer-results-to-out-params` in `qc-cpu-pipeline`. With
    outlined kernels a function's result is written by a call into a
    `memref.alloc`, which the promotion then copies into the function's
    out-parameter. When the out-parameter has no other use and the
    allocation none after the copy (both in the function's entry block, same
    type), the allocation is replaced by the out-parameter and the copy
    removed: the kernel writes the caller's buffer, saving a pass over the
    result. Out-parameters must not alias the inputs (the calling convention
    already requires it: a kernel that is not outlined writes its
    out-parameter while it reads the inputs).
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
  let statistics = [
    Statistic<"numForwarded", "forwarded-out-params",
              "Result allocations replaced by the out-parameter they were copied to">
  ];
}

def QCVerifyCPUContract : Pass<"qc-verify-cpu-contract", "ModuleOp"> {
  let summary = "Check that a module is ready for LLVM IR translation";
  let description = [{
    The last pass of `qc-cpu-pipeline`: every op must be in the LLVM dialect
    (or `builtin.module`, or the OpenMP dialect of threaded code, which the
    LLVM IR translation lowers to libomp calls), and with `integer-only` no function may contain
    a floating-point type or operation. Failing here names the first
    offending op instead of failing later in translation or silently
    running float code in a model meant to be integer-only.
  }];
  let options = [
    Option<"integerOnly", "integer-only", "bool", /*default=*/"false",
           "Reject any floating-point type or operation">
  ];
}

#endif // QC_CODEGEN_CPU_PASSES_TD
