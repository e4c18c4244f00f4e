//===- Passes.td - qc passes on the GPU (SPIR-V) lowering path -*- tablegen -*-===//
#ifndef QC_GPU_PASSES_TD
#define QC_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def QCSplitWideBuffers : Pass<"qc-split-wide-buffers", "ModuleOp"> {
  let summary = "Store i64 buffers as pairs of i32 words (SPIR-V portable mode)";
  let description = [{
    Portable mode has no Int64 capability: `arith-emulate-wide-int` turns
    i64 arithmetic in the kernels into pairs of i32, but not i64 memory (a
    kernel storing an i64 into a `memref<...xi64>` fails to legalize, and
    SPIR-V would narrow such a buffer to i32 words). qc.softmax and
    qc.layer_norm keep per-row i64 values (row sums, reciprocals, magic
    numbers) and i64 constants (layer norm's multipliers) in buffers.

    This pass, on the loops from `convert-linalg-to-parallel-loops` (after
    `qc-split-long-reductions`, before they become kernels), gives every i64 `memref.alloc` / `memref.alloca`
    and every i64 `memref.global` (through its `memref.get_global`s) of a
    static shape and identity layout a trailing dim of 2 in i32 (the low
    word, then the high word: the bytes of the little-endian i64, so the
    buffer sizes and a constant's bytes do not change); `memref.load` reads
    both words and rebuilds the i64 (`extui`, `shli`, `ori`),
    `memref.store` writes `trunci` of the value and of its high half;
    `memref.expand_shape` / `collapse_shape` keep the extra dim apart and
    `memref.dealloc` follows. An `scf.for` whose iter_args include i64
    values (`qc-promote-loop-accumulators`' accumulators,
    `qc-split-long-reductions`' partials; the emulation does not convert
    loops) carries each as two i32 words, rebuilt at the top of the body and
    after the loop. Any other use of such a buffer (a copy, a
    call, a function argument or result in i64) is reported as an error, as
    is a dynamic shape. The arithmetic on the loaded values stays i64 for
    `arith-emulate-wide-int`.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect"];
}

def QCGuardWideShifts : Pass<"qc-guard-wide-shifts"> {
  let summary = "Select the unshifted value for wide logical shifts by zero "
                "(before arith-emulate-wide-int)";
  let description = [{
    `arith-emulate-wide-int` (MLIR 22) builds an i64 `arith.shrui` by a
    run-time amount `s` from the i32 halves as `(lo >> s) | (hi << (32 - s))`
    (`arith.shli` alike, mirrored), with other forms selected only for
    `s >= 32`. For `s = 0` the second term shifts an i32 by 32, which is
    poison in `arith` and in SPIR-V a value that drivers define by masking
    the amount (lavapipe: `hi << 0`), so the emulated shift ORs the other
    half into the result. Its `arith.shrsi` checks `s = 0` itself.

    This pass, run in portable mode right before the emulation, replaces the
    uses of every `arith.shrui` / `arith.shli` of integers wider than 32 bits
    (scalars or vectors) whose amount is not a non-zero constant by
    `arith.select(s == 0, x, shift)`. The shift itself stays, so the
    emulation still sees it; for `s = 0` its result is not used.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def QCPromoteLoopAccumulators : Pass<"qc-promote-loop-accumulators"> {
  let summary = "Keep a reduction loop's accumulator in a register (scf.for "
                "iter_arg) instead of a load/store of memory per iteration";
  let description = [{
    Bufferized contractions (matmul, conv) lowered to loops read and write the
    output element in every iteration of the reduction loop:

    ```mlir
    scf.for %k = %c0 to %cK step %c1 {
      %acc = memref.load %C[%i, %j] : memref<MxNxi32>
      ...
      memref.store %new, %C[%i, %j] : memref<MxNxi32>
    }
    ```

    On a GPU that is a round trip to global memory per k. This pass rewrites
    such a loop to load once before it, carry the value as an `iter_arg` and
    store once after it. Applied from the innermost loop outwards it lifts the
    accumulator out of every reduction loop of a convolution.

    Rules (the rewrite is skipped otherwise):
    - the load and the store are direct children of the loop body, the load
      comes first, both use the same memref and the same indices, all defined
      outside the loop;
    - no other operation inside the loop (nested regions included) touches
      that memref, and the store is the only memory write in the loop.

    Other memrefs read in the loop are assumed not to alias the accumulator's
    memref: bufferization never lets a linalg output alias an input it still
    reads, and qc's hosts pass distinct buffers to each kernel argument.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::memref::MemRefDialect"];
}

def QCFusePoolingWidening : Pass<"qc-fuse-pooling-widening"> {
  let summary = "A pool reading a widening cast of its input reads the "
                "narrow input and widens each element in its body";
  let description = [{
    `linalg.pooling_nhwc_sum` sign-extends its input, so a u8 average pool
    is lowered as a `linalg.generic` widening the codes to i32 (`arith.extui`)
    and a sum pool over the i32 tensor. Bufferized for the Vulkan target the
    cast is a kernel of its own writing four bytes per element, which the
    pool reads back. This pass (on tensors, after `qc-fuse-pooling-padding`)
    rewrites

    - a linalg pooling op whose input is such a cast into a `linalg.generic`
      with the pool's operands, maps, iterators and body reading the cast's
      input, the casts cloned at the start of the body;
    - a `tensor.extract` inside a `linalg.generic` body (a padded pool after
      `qc-fuse-pooling-padding`) from such a cast into an extract from the
      cast's input and the casts.

    The cast must be a `linalg.generic` on tensors with one input and one
    init, identity maps, parallel iterators, only `arith.extui`, `extsi` and
    `trunci` of the input element in its body, and no other user; it is
    erased. Each element read is the same value as before, so the results
    are the same bits.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect"];
}

def QCFoldInitFills : Pass<"qc-fold-init-fills"> {
  let summary = "Start a reduction loop from its output's fill value instead "
                "of a filled buffer: the fill kernel goes";
  let description = [{
    A pool (or a contraction on the generic loop path) lowered to loops is
    two kernels: a `linalg.fill` of the output with the reduction's identity,
    then the reduction, which loads each output element once, reduces into
    it in a register (`qc-promote-loop-accumulators`) and stores it:

    ```mlir
    scf.parallel (%i, %j) = (%c0, %c0) to (%c56, %c64) step (%c1, %c1) {
      memref.store %c0_i8, %out[%i, %j] : memref<56x64xi8>
    }
    scf.parallel (%i, %j) = (%c0, %c0) to (%c56, %c64) step (%c1, %c1) {
      %init = memref.load %out[%i, %j] : memref<56x64xi8>
      %r = scf.for ... iter_args(%acc = %init) -> (i8) { ... }
      memref.store %r, %out[%i, %j] : memref<56x64xi8>
    }
    ```

    The load then always returns the fill value: it is replaced by that
    value and the fill loop is erased (one dispatch and one pass over the
    output fewer). The same values are combined in the same order, so the
    results are the same bits.

    Rules (the pair is left alone otherwise):
    - the fill is a top-level `scf.parallel` whose body is one `memref.store`
      of a value defined outside it; the reader is the next op of the same
      block that uses the buffer, also a top-level `scf.parallel`;
    - each of the two stores every element of the (static) buffer exactly
      once: each index is a distinct induction variable running `0..size`
      step 1, or 0 in a unit dim;
    - the buffer is a `memref.alloc` with no use (no view) before the reader
      but the fill, or a function argument, and then no op between the
      fill and the reader writes memory (arguments may alias);
    - in the reader the buffer has one store and at most one load, both
      directly in the loop body, the load first and at the same indices.
      Without a load the fill is simply dead and erased.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::memref::MemRefDialect"];
}

def QCSPIRVContractionKernels
    : Pass<"qc-spirv-contraction-kernels", "mlir::ModuleOp"> {
  let summary = "Rewrite integer contractions on buffers into register-tiled "
                "gpu.launch kernels with their fill and elementwise consumer "
                "fused";
  let description = [{
    Recognizes linalg ops on buffers that multiply-accumulate i8 x i8 into
    i32 over affine operand maps (`linalg.matmul`, the convolutions and
    depthwise convolutions of any stride, dilation and grouping as named ops
    or `linalg.generic`, fully connected layers) and emits one `gpu.launch`
    per contraction instead of the generic loop lowering:

    - each invocation keeps a `tileRows x tileCols` tile of accumulators in
      registers (rows: the output dims but the innermost, flattened; columns:
      the innermost output dim that is not a unit dim);
    - operands are read as 32-bit words where the layout allows: four
      consecutive reduction elements (an NHWC input along C, a matmul A along
      K) or four consecutive columns (HWCF weights along F), so one load
      feeds four multiply-adds per accumulator row or column; the bytes are
      sign- or zero-extended as the op's body says;
    - with `shared-memory-tiles`, the words of a workgroup's rows and columns
      for a stage of the reduction are copied cooperatively to workgroup
      memory between two barriers and every invocation reads them there;
    - with `int-dot-product` and both operands read along the reduction
      (weights packed so), four products and their sum are one
      `spirv.SDotAccSat`/`SUDotAccSat`/`UDot` on packed words;
    - the `linalg.fill` that initializes the accumulator becomes the
      registers' initial value, and an elementwise `linalg.generic` that is
      the accumulator's only reader (bias, zero-point terms, requantization,
      clamp) runs on the registers before the only store, so the i32
      accumulator buffer disappears.

    Tile sizes come from `qc/GPU/ContractionStrategy.h` and the device limits
    given as options; each kernel's choice is recorded in the module
    attribute `qc.kernel_configs` (kernel name -> description), which the
    Vulkan bundle copies into its manifest. Contractions it does not
    recognize are left unchanged for the generic lowering.
  }];
  let options = [
    Option<"maxWorkgroupInvocations", "max-workgroup-invocations", "int64_t",
           /*default=*/"128", "maxComputeWorkGroupInvocations of the device">,
    Option<"maxSharedMemoryBytes", "max-shared-memory", "int64_t",
           /*default=*/"16384", "maxComputeSharedMemorySize of the device">,
    Option<"subgroupSize", "subgroup-size", "int64_t", /*default=*/"32",
           "Subgroup size of the device">,
    Option<"integerDotProduct", "int-dot-product", "bool", /*default=*/"false",
           "Use packed 4x8-bit integer dot products (shaderIntegerDotProduct)">,
    Option<"sharedMemoryTiles", "shared-memory-tiles", "bool",
           /*default=*/"true",
           "Stage operand tiles through workgroup memory">,
    Option<"subgroupBroadcast", "subgroup-broadcast", "bool",
           /*default=*/"false",
           "Each lane of a subgroup loads one tile row's A word and "
           "OpGroupNonUniformBroadcast hands them out (GroupNonUniformBallot; "
           "each kernel checks at run time that its subgroup shares the tile "
           "rows and loads them itself otherwise)">,
    Option<"wideLoads", "wide-loads", "bool", /*default=*/"false",
           "Read both operands in 16-byte quads (vector<4xi32>) where the "
           "reduction is a multiple of 16 and aligned, constant weights "
           "re-laid out with the reduction innermost (pays where loads are "
           "per-lane loops: lavapipe); a convolution whose channels are "
           "too few for that reads a copy of its input with each output "
           "column's filter row contiguous instead">,
    Option<"int64Loads", "int64-loads", "bool", /*default=*/"false",
           "With wide-loads, read 32 reduction elements per load "
           "(vector<4xi64>) where the reduction is a multiple of 32 and "
           "aligned (needs the Int64 capability)">,
    Option<"subgroupExtendedTypes", "subgroup-extended-types", "bool",
           /*default=*/"false",
           "The device has shaderSubgroupExtendedTypes: the row broadcast "
           "of a 32-byte load hands out its 64-bit components instead of "
           "32-bit words">,
    Option<"subgroupShuffle", "subgroup-shuffle", "bool",
           /*default=*/"false",
           "The device has the subgroup SHUFFLE operations: the row "
           "broadcast hands rows out with OpGroupNonUniformShuffle from a "
           "constant lane (GroupNonUniformShuffle) instead of "
           "OpGroupNonUniformBroadcast, which lavapipe runs as a loop over "
           "the lanes">,
    Option<"testMarkBroadcast", "test-mark-broadcast", "bool",
           /*default=*/"false",
           "Testing only: the row broadcast's loops add 1 to every "
           "accumulator, so that the output shows which branch of the "
           "run-time subgroup check a kernel took">,
  ];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::scf::SCFDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::affine::AffineDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::spirv::SPIRVDialect"];
}

def QCExpandRankZeroLinalg : Pass<"qc-expand-rank-zero-linalg"> {
  let summary = "Give linalg ops on rank-0 buffers a unit parallel dim so "
                "they become GPU kernels";
  let description = [{
    `convert-linalg-to-parallel-loops` puts an op's parallel dims in an
    `scf.parallel`, which the pipeline maps to a kernel's grid; an op
    without parallel dims (a reduction to a rank-0 result, a `linalg.fill`
    or an elementwise op on rank-0 buffers) has no `scf.parallel`, so its
    loops stayed on the host and `qc-verify-spirv-contract` rejected them.

    This pass rewrites every linalg op on buffers with no parallel dim and
    only rank-0 outputs (identity layout) into a `linalg.generic` with a
    leading parallel dim of size 1: each output is read and written through
    a `memref.expand_shape` to `memref<1xT>` with the map `(d0, ...) -> (d0)`,
    the input maps are shifted by one dim, the body is the op's own (a named
    op's generic body) with every `linalg.index` moved past the new dim. One
    invocation computes what the host loops did, in the same order, so the
    same bits. A long reduction then gets split by
    `qc-split-long-reductions` like any other.

    ```mlir
    linalg.generic {indexing_maps = [(d0) -> (d0), (d0) -> ()],
                    iterator_types = ["reduction"]}
        ins(%x : memref<37xi32>) outs(%acc : memref<i32>)
    // becomes
    %v = memref.expand_shape %acc [] output_shape [1] : memref<i32> into memref<1xi32>
    linalg.generic {indexing_maps = [(d0, d1) -> (d1), (d0, d1) -> (d0)],
                    iterator_types = ["parallel", "reduction"]}
        ins(%x : memref<37xi32>) outs(%v : memref<1xi32>)
    ```
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::memref::MemRefDialect"];
}

def QCReverseParallelDims : Pass<"qc-reverse-parallel-dims"> {
  let summary = "Reverse the dimensions of outermost scf.parallel loops so the "
                "innermost (contiguous) dimension maps to gpu x";
  let description = [{
    `gpu-map-parallel-loops` maps a loop's first dimension to the x of blocks
    and threads, and `scf-parallel-loop-tiling` tiles the first dimensions. For
    linalg on row-major buffers the first dimension is the outermost one: an
    output row per x, so neighbouring invocations write addresses one row
    apart, and a convolution's tiles land on N and H (N is often 1). Reversing
    the dimensions (legal: iterations of scf.parallel are independent) makes x
    the contiguous dimension, and the tile covers the two innermost ones
    (matmul: N, M; conv NHWC: F, W).

    Only outermost scf.parallel ops without reductions and with more than one
    dimension are changed; each is reversed exactly once.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect"];
}

def QCFoldParallelDims : Pass<"qc-fold-parallel-dims"> {
  let summary = "Fold unit dimensions of outermost scf.parallel loops and "
                "collapse those past the third into one, so every iteration "
                "maps to the GPU grid";
  let description = [{
    `gpu-map-parallel-loops` maps the first three dimensions of an
    scf.parallel to the grid and runs the others as sequential loops inside
    each invocation; a unit dimension still takes a grid axis. After
    `qc-reverse-parallel-dims`, this pass folds every unit dimension into its
    neighbour and collapses the non-unit dimensions from the third on into a
    single (linearized) one, with `collapseParallelLoops`: a 4096x1x76x1
    batched contraction (the dense rotation of `qc.hadamard`) becomes a
    76 x 4096 loop instead of 1 x 76 x 1 on the grid with a loop over 4096
    rows per invocation. Such loops were slow, and wrong on lavapipe, which
    ends a shader invocation's loops after 65535 iterations in all
    (docs/SPIRV.md, Known gaps).

    A first (x) dimension shorter than the workgroup tile's x size is merged
    with the next one (and so on until the tile is filled), and likewise the
    second (y): a gather over 230x112x7x3 with an 8x8 tile ran 64 invocations
    for every 7x3 elements (a third of them busy); as (21, 112, 230) the
    tiles are full but for the edges. The loop bounds must be constant.

    Loops of at most three dimensions with no unit dimension and x and y at
    least as long as the tile are unchanged; the dimensions keep their order.
  }];
  let options = [
    ListOption<"tileSizes", "tile-sizes", "int64_t",
               "The workgroup tile (x, y) that qc-spirv-map-to-gpu tiles the "
               "loops with (empty: no merging of short dimensions)">,
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::arith::ArithDialect"];
}

def QCSplitLongReductions : Pass<"qc-split-long-reductions"> {
  let summary = "Split reduction loops longer than a bound into two kernels "
                "(partial results, then their reduction)";
  let description = [{
    llvmpipe (lavapipe) stops every loop of a shader invocation after 65535
    loop iterations in all, silently (gallivm's
    `LP_MAX_TGSI_LOOP_ITERATIONS`, shared between the loops of a shader), so
    a generic kernel whose invocation reduces a long dim (a global sum or
    average pool over 300x300, a reduce over a 100000-long axis) computes
    wrong values there. Runs after `qc-promote-loop-accumulators`, on the
    outermost `scf.parallel` loops (lower bounds 0, steps 1, static sizes)
    whose body is a chain of `scf.for` loops carrying one integer
    accumulator, the innermost yielding `combine(acc, x)` with an
    associative and commutative integer combiner (`addi`, `muli`, `andi`,
    `ori`, `xori`, `max/minsi`, `max/minui`; integer arithmetic wraps, so
    any order gives the same bits).

    Where an invocation would run more than `max-iterations` loop
    iterations (each loop counted as its trip count plus one, nested loops
    multiplied out), the loop chain is split at the outermost level whose
    one iteration fits: a first `scf.parallel` computes, for every output
    element and every chunk of that level (the loops above it become
    parallel), the chunk's partial result from the combiner's neutral
    element into a new buffer `[output dims..., chunks]`; the original loop
    then reduces those partials into its accumulator. A second stage still
    longer than the bound is split again. Other long loops are left to
    `qc-check-loop-iterations`, which rejects them.
  }];
  let options = [
    Option<"maxIterations", "max-iterations", "int64_t", /*default=*/"32768",
           "Loop iterations (all loops of an invocation together) a kernel "
           "may run">,
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect"];
}

def QCCheckLoopIterations
    : Pass<"qc-check-loop-iterations", "mlir::ModuleOp"> {
  let summary = "Reject GPU kernels whose invocation may loop more often "
                "than a bound";
  let description = [{
    Counts, for every `gpu.func`, the loop iterations one invocation runs:
    every `scf.for` counts its trip count plus one (the exit test), times the
    trip counts of the loops around it; a loop whose bounds are not
    constants counts the largest trip count its bounds' constant upper bound
    allows, and a kernel with a loop of no known bound is rejected. A kernel
    over `max-iterations` is an error naming the kernel, its count and the
    bound: llvmpipe stops an invocation's loops after 65535 iterations in
    all, silently, so such a kernel would compute wrong values there
    (`qc-split-long-reductions` splits the generic reductions that can be
    split; this catches the rest).
  }];
  let options = [
    Option<"maxIterations", "max-iterations", "int64_t", /*default=*/"32768",
           "Loop iterations (all loops of an invocation together) a kernel "
           "may run">,
    Option<"report", "report", "bool", /*default=*/"false",
           "A remark per kernel with its count">,
  ];
}

def QCAttachSPIRVTargetEnv : Pass<"qc-attach-spirv-target-env", "mlir::ModuleOp"> {
  let summary = "Attach an explicit, validated spirv.target_env to every gpu.module";
  let description = [{
    Sets `spirv.target_env` on each `gpu.module`, which is what
    `convert-gpu-to-spirv` reads. Unlike upstream `spirv-attach-target`, an
    unknown version, capability, extension or client API is an error instead
    of being dropped silently.

    Example: `--qc-attach-spirv-target-env="version=v1.3 caps=Shader,Int8
    exts=SPV_KHR_8bit_storage client-api=Vulkan"`.
  }];
  let options = [
    Option<"version", "version", "std::string", /*default=*/"\"v1.3\"",
           "SPIR-V version (v1.0 ... v1.6)">,
    ListOption<"capabilities", "caps", "std::string",
               "SPIR-V capabilities (Shader is always added)">,
    ListOption<"extensions", "exts", "std::string", "SPIR-V extensions">,
    Option<"clientApi", "client-api", "std::string", /*default=*/"\"Vulkan\"",
           "Client API (Vulkan, OpenCL, Metal, WebGPU, Unknown)">,
  ];
  let dependentDialects = ["mlir::spirv::SPIRVDialect"];
}

def QCSetEntryPointABI : Pass<"qc-set-entry-point-abi", "mlir::ModuleOp"> {
  let summary = "Set spirv.entry_point_abi on each kernel from its launches' block size";
  let description = [{
    `convert-gpu-to-spirv` takes a kernel's workgroup size from the
    `spirv.entry_point_abi` attribute and ignores `known_block_size`; a size
    that differs from the launch's block size gives wrong results without any
    diagnostic. This pass derives the attribute from the `gpu.launch_func` ops
    that launch the kernel.

    Errors: a launch whose block size is not a constant; two launches of one
    kernel with different block sizes; a launch that disagrees with the
    kernel's `known_block_size`; a kernel that is never launched and has no
    `known_block_size`.
  }];
  let dependentDialects = ["mlir::spirv::SPIRVDialect", "mlir::gpu::GPUDialect"];
}

def QCExpandRounding : Pass<"qc-expand-rounding"> {
  let summary = "Rewrite math.roundeven / math.round into exact floor arithmetic";
  let description = [{
    SPIR-V (GLSL.std.450) has no portable lowering of `math.roundeven` and
    `math.round` in upstream MLIR, and the float `qc.quantize` boundary needs
    both. Each becomes `f = floor(x)`, `d = x - f` (exact in binary floating
    point) and a selection on `d` against 0.5, so ties are decided exactly as
    on the CPU: `roundeven` picks the even neighbour, `round` the one away
    from zero. `math.floor` converts to `spirv.GL.Floor`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect"];
}

def QCStridedCopiesToLinalg : Pass<"qc-strided-copies-to-linalg"> {
  let summary = "Turn memref.copy of strided views into linalg.copy";
  let description = [{
    Bufferizing `tensor.pad` (the zero-point padding of a convolution) copies
    the input into an interior subview of the padded buffer. The Vulkan
    runtime only performs whole-buffer copies between dense buffers, so a
    `memref.copy` whose source or target has a non-identity layout becomes a
    `linalg.copy`, which the pipeline then maps to a GPU kernel like any
    other linalg op. Copies between dense buffers stay host copies.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def QCFusePoolingPadding : Pass<"qc-fuse-pooling-padding"> {
  let summary = "Fold a pooling op's tensor.pad into the pooling: one "
                "linalg.generic reading the unpadded input with bound checks";
  let description = [{
    A padded pooling (`qc.max_pool2d`, `qc.avg_pool2d` with padding) lowers
    to a linalg pooling op on a `tensor.pad` of its input. Bufferized for the
    Vulkan target, the pad is a buffer larger than the input, a kernel that
    fills it and one that copies the input into its interior, all before the
    pool reads it. This pass rewrites a linalg pooling op on tensors
    (`linalg.pooling_n*_{max,max_unsigned,min,min_unsigned,sum}`) whose
    input is a `tensor.pad` with a uniform padding value into a
    `linalg.generic` with the same iterators, window and init operands and
    body, whose input element is

    ```
    inside = for every padded dim d: (idx_d - low_d) <u size_d
    element = inside ? source[idx - low] : padding value
    ```

    with `idx` the pooling's input map applied to the loop indices
    (`linalg.index`) and the read index clamped to 0 in a padded dim where
    it falls outside, so the read stays in bounds. Each window sees the same
    values in the same order as before: the results are bit-identical. The
    pad is erased when the pooling was its only user.

    ```mlir
    %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] { tensor.yield %c-128 }
    %r = linalg.pooling_nhwc_max ins(%p, %w) outs(%init)
    // becomes
    %r = linalg.generic ins(%w) outs(%init) {
      ... linalg.index, arith.cmpi ult, tensor.extract %x[...], arith.select
      %m = arith.maxsi %out, %element
      linalg.yield %m
    }
    ```
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect"];
}

def QCFusePaddedBufferReads : Pass<"qc-fuse-padded-buffer-reads"> {
  let summary = "A linalg.generic on buffers reading a padded buffer (filled "
                "with a constant, its source copied into the interior) reads "
                "the source with bound checks instead";
  let description = [{
    A `tensor.pad` that nothing fused bufferizes to a buffer larger than its
    source, a fill with the padding value and a `linalg.copy` of the source
    into an interior subview: two kernels and a buffer before the op that
    reads it (on resnet18-224, the stem convolution's input, read by the
    filter-row gather of `qc-spirv-contraction-kernels`). This pass rewrites
    a `linalg.generic` on buffers with an input that is such a buffer (a
    `memref.alloc` with a static identity layout, directly or through one
    `memref.collapse_shape`/`memref.expand_shape`), whose other users are
    one `linalg.fill` (or input-less `linalg.map`) of a constant, one
    `linalg.copy` into a unit-stride subview with constant offsets, deallocs
    and unused reshapes, in that order before the reader, with the source
    not written in between.

    The operand's indexing map must be a linear function of the loop
    indices (sums of dims times constants); its linear index into the
    buffer is split into one index per buffer dim, which succeeds where
    every part stays inside its dim over the loop ranges (so the split is
    the only one). The body then reads

    ```
    inside = for every dim whose index can leave the interior:
             (idx_d - offset_d) <u size_d
    element = inside ? source[idx - offset] : padding value
    ```

    with the read index clamped to 0 outside. Where the source is the
    output of a `linalg.transpose` that nothing else reads, the transpose's
    input is read through the permutation instead and the transpose goes
    too. The values read are the ones the padded buffer held: the results
    are the same bits. The fill, the copy, the buffer (and the transpose)
    are erased.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::affine::AffineDialect"];
}

def QCSPIRVTargetVersion : Pass<"qc-spirv-target-version", "mlir::spirv::ModuleOp"> {
  let summary = "Declare the target env's SPIR-V version on a spirv.module";
  let description = [{
    `spirv-update-vce` deduces the smallest SPIR-V version that the module's
    ops need, but `convert-gpu-to-spirv` already used the target env's
    version to decide what to emit: with a v1.4+ target env it decorates
    index arithmetic with `NoSignedWrap`, which a module declared as v1.0 may
    only use with SPV_KHR_no_integer_wrap_decoration (the validation layer
    rejects it). This pass raises the module's version to the target env's.
    Modules whose target env has a version no higher are unchanged.
  }];
}

def QCSPIRVTexelBuffers : Pass<"qc-spirv-texel-buffers", "mlir::ModuleOp"> {
  let summary = "Read the contraction kernels' read-only operands through "
                "uniform texel buffers";
  let description = [{
    In every `spirv.module` of a tiled contraction kernel (the modules that
    `qc-spirv-contraction-kernels` recorded in `qc.kernel_configs`), a
    `StorageBuffer` variable that is only loaded from, one array element at a
    time, with elements of `i32`, `vector<2xi32>`, `vector<4xi32>`,
    `vector<2xi64>` or `vector<4xi64>`, becomes a `UniformConstant` image of
    dimension Buffer (a uniform texel buffer of 32-bit unsigned texels, one
    to four words each) at the same binding; each load becomes one or two
    `spirv.ImageFetch`es (a 32-byte element is two 16-byte texels,
    bit-cast to 64-bit components). On lavapipe a storage-buffer load is a
    loop over the lanes and a fetch a branch-free gather (docs/SPIRV.md).
    Arrays of more than `max-texel-buffer-elements` texels stay storage
    buffers. The module gets `qc.texel_buffers`, binding -> format
    (`r32_uint`, `r32g32_uint`, `r32g32b32a32_uint`), which the Vulkan
    bundle writes into the manifest. Runs after
    `spirv-lower-abi-attributes`, before `spirv-update-vce` (which adds the
    SampledBuffer capability).
  }];
  let options = [
    Option<"maxTexelBufferElements", "max-texel-buffer-elements", "int64_t",
           /*default=*/"65536",
           "maxTexelBufferElements of the device (65536 is Vulkan's minimum)">,
  ];
  let dependentDialects = ["mlir::spirv::SPIRVDialect"];
}

def QCVerifySPIRVContract : Pass<"qc-verify-spirv-contract", "mlir::ModuleOp"> {
  let summary = "Check the output of qc-spirv-pipeline against what the Vulkan "
                "runtime executes";
  let description = [{
    The last pass of `qc-spirv-pipeline`. It fails, naming the offending op,
    when:
    - a host function holds an op the Vulkan bundle cannot express (anything
      but `arith.constant`, `memref.alloc`/`alloca`/`dealloc`/`get_global`/
      `copy`/`collapse_shape`/`expand_shape`/`subview`/`cast`/`view`,
      `gpu.launch_func` and `func.return`), e.g. a linalg op or loop that
      was not mapped to the GPU, or a call;
    - a launched kernel has no `spirv.module` (the conversion skipped it);
    - a kernel computes with floating-point types, unless `allow-float`: qc
      compiles quantized regions to integer-only code (docs/Design.md).
  }];
  let options = [
    Option<"allowFloat", "allow-float", "bool", /*default=*/"false",
           "Accept floating-point types in kernels">,
  ];
}

#endif // QC_GPU_PASSES_TD
