//===- Passes.td - qc passes on the GPU (SPIR-V) lowering path -*- tablegen -*-===//
#ifndef QC_GPU_PASSES_TD
#define QC_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

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

def QCVerifySPIRVContract : Pass<"qc-verify-spirv-contract", "mlir::ModuleOp"> {
  let summary = "Check the output of qc-spirv-pipeline against what the Vulkan "
                "runtime executes";
  let description = [{
    The last pass of `qc-spirv-pipeline`. It fails, naming the offending op,
    when:
    - a host function holds an op the Vulkan bundle cannot express (anything
      but `arith.constant`, `memref.alloc`/`alloca`/`dealloc`/`get_global`/
      `copy`/`collapse_shape`/`expand_shape`/`subview`/`cast`,
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
