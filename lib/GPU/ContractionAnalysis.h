//===- ContractionAnalysis.h - integer contractions on buffers --*- C++ -*-===//
//
// Private to lib/GPU: recognizes a linalg op on buffers that is an integer
// contraction (i8 x i8 -> i32 multiply-accumulate over affine operand maps:
// matmul, convolutions of any stride/dilation/grouping, fully connected
// layers), the fill that initializes its accumulator and the elementwise op
// that consumes it, and describes every operand access as a linear function
// of the loop indices.
//
//===----------------------------------------------------------------------===//
#ifndef QC_LIB_GPU_CONTRACTIONANALYSIS_H
#define QC_LIB_GPU_CONTRACTIONANALYSIS_H

#include "qc/GPU/ContractionStrategy.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::qc {

/// An operand's element offset in its base buffer:
/// offset + sum_d coef[d] * i_d over the loop dims d.
struct LinearAccess {
  /// Contiguous, identity-layout buffer the operand is a view of.
  Value root;
  int64_t offset = 0;
  SmallVector<int64_t> coef;
  OperandAccess mode = OperandAccess::Elements;
};

/// A's buffer when it is only a zero-point padded copy of another buffer
/// (bufferized tensor.pad: a constant fill, then a copy into a subview): the
/// kernel reads the source instead and substitutes the pad value outside it.
struct PaddedInput {
  /// The padded buffer and the ops that build it (erased when fused).
  Value padded;
  SmallVector<Operation *> producers;
  /// The pad element (i8).
  int64_t value = 0;
  /// A source dim the padding surrounds: its index, offset + sum_d coef[d] *
  /// i_d, must be in [0, size), or the element is the pad value.
  struct Bound {
    int64_t offset = 0;
    SmallVector<int64_t> coef;
    int64_t size = 0;
  };
  SmallVector<Bound> bounds;
};

/// A constant weight whose codes fit in 4 bits (ContractionNibbles.cpp).
enum class FourBitWeights { None, I4, U4 };

struct Contraction {
  linalg::LinalgOp op;
  LinearAccess a, b;
  bool aSigned = true, bSigned = true;
  /// The body reads B as `extui(b & 15)` (a u4 weight after
  /// qc-widen-narrow-integers); only accepted for a constant B, which
  /// classifyFourBitWeights replaces by its codes.
  bool bMasked = false;
  /// B's codes fit in 4 bits, and B is then stored two codes per byte
  /// where it is read by words (nibblePairWords > 0; packNibbles).
  FourBitWeights fourBit = FourBitWeights::None;
  int64_t nibblePairWords = 0;
  /// The packed words pair B's rows k, k + 1 (column words) or its columns
  /// 2i, 2i + 1 (reduction words) so that one load serves both.
  bool nibblePairedSteps = false, nibblePairedCols = false;
  /// B is read by elements and stored two codes per byte: element e is
  /// nibble e % 2 of byte e / 2 (packNibbles).
  bool nibbleElements = false;
  SmallVector<int64_t> sizes;
  /// The column dim (innermost output dim of size > 1, else the innermost),
  /// the other parallel dims (outermost first) and the reduction dims (the
  /// one read contiguously by A last).
  unsigned colDim = 0;
  SmallVector<unsigned> rowDims, redDims;
  /// Output operand and its indexing map (a permutation of the parallel
  /// dims); the fill that initializes it.
  Value out;
  AffineMap outMap;
  linalg::FillOp fill;
  /// The elementwise op reading the accumulator as input `epilogueInput`,
  /// fused into the kernel when set; the accumulator buffer is then dead.
  linalg::GenericOp epilogue;
  unsigned epilogueInput = 0;
  /// Elementwise ops fused after `epilogue`, each reading the previous
  /// stage's result as input `input` (a buffer nothing else reads, dead
  /// once fused): a residual add with its requantization and clamp.
  struct ChainedStage {
    linalg::GenericOp op;
    unsigned input = 0;
  };
  SmallVector<ChainedStage> chained;
  /// Set when A reads a padded copy's source directly (fusePaddedInput).
  std::optional<PaddedInput> pad;
  /// Both operands can be read in aligned units of this many bytes, 16 or
  /// 32 (prepareQuadWords); 0: not.
  int64_t quadBytes = 0;

  int64_t rows() const;
  bool bDependsOnRows() const;
  int64_t cols() const { return sizes[colDim]; }
  ContractionShape shape() const;
  /// Where the kernel goes: the last fused op.
  Operation *kernelPosition() const;
  /// The buffer the kernel stores: the last fused stage's output.
  Value result() const;
};

/// Recognizes `op` as a contraction the tiled kernels handle, with its fill
/// and (if safe to fuse) its elementwise consumer; failure leaves `op` to the
/// generic loop lowering.
FailureOr<Contraction> analyzeContraction(linalg::LinalgOp op);

/// Re-lays out B so that the innermost reduction dim is contiguous and B is
/// read as ReductionWords, as packed dot products need: constant weights (a
/// dense global whose access covers it exactly) at compile time into a new
/// global (`packed` caches them by name), any other B by a copy into a new
/// buffer inserted before the contraction. False (and `c` unchanged) where A
/// is not read along the reduction or that dim's size is not a multiple of 4.
bool packWeightsForDot(Contraction &c, OpBuilder &b,
                       llvm::StringMap<Value> &packed);

/// A new private constant i8 global `name` (uniqued) of `bytes`, next to
/// `like`, and its get_global after `at` (the builder's insertion point is
/// restored).
Value createByteGlobal(OpBuilder &b, memref::GlobalOp like, Operation *at,
                       StringRef name, ArrayRef<char> bytes);

/// Prepares both operands to be read as aligned 16-byte quads of reduction
/// elements (ContractionQuad.cpp): A along the reduction, constant weights
/// re-laid out as for dot products; sets `quadAligned`. False where the
/// reduction is not a multiple of 16 or an operand is not 16-byte aligned
/// (B may have been re-laid out all the same, still read by words).
bool prepareQuadWords(Contraction &c, OpBuilder &b,
                      llvm::StringMap<Value> &packed, int64_t maxBytes);

/// Where the innermost reduction (size not a multiple of 4) is A's innermost
/// dim: copies A with that dim padded to a multiple of 4 and re-lays out B
/// (constant or run-time) with zeros in the padding, K innermost if
/// `dotLayout`, so that both can be read by words. False (and `c` unchanged)
/// where the layouts do not allow it.
bool padReductionToWords(Contraction &c, OpBuilder &b,
                         llvm::StringMap<Value> &packed, bool dotLayout);

/// Where the innermost reduction (a convolution's channels) is too narrow for
/// 16-byte loads and the one outside it (the filter taps along the input
/// row) is contiguous with it: copies A into [input rows, output columns,
/// taps * channels padded to 32 bytes], each output column's filter row
/// contiguous (channels padded to a power of two of at least 4 per tap),
/// and re-lays out constant
/// weights to match with zeros in the padding; the taps dim becomes size 1
/// and the channels dim the whole row. False (and `c` unchanged) otherwise.
bool gatherFilterRows(Contraction &c, OpBuilder &b,
                      llvm::StringMap<Value> &packed);

/// Where A is a constant-padded copy of another buffer that only this
/// contraction reads, rewrites `c.a` to read the source, with the bounds that
/// give the pad value, in `c.pad` (the IR is changed only when the kernel is
/// emitted). False (and `c` unchanged) otherwise.
bool fusePaddedInput(Contraction &c);

/// Whether `root` is a memref.get_global of a constant dense i8 global.
bool isConstantWeight(Value root);

/// Sets `c.fourBit` where B is a constant of 4-bit codes: i4 (every value in
/// [-8, 7], as qc-widen-narrow-integers stores i4 weights), u4 (an unsigned
/// B in [0, 15]) or a masked u4 weight, which is replaced by a global of its
/// codes read unsigned (so the kernels need no mask). False only for a
/// masked B that is not a constant (the caller leaves the op alone).
bool classifyFourBitWeights(Contraction &c, OpBuilder &b,
                            llvm::StringMap<Value> &packed);

/// Stores a 4-bit constant B two codes per byte, after the re-layouts above
/// (ContractionNibbles.cpp); the access stays in int8 elements and the
/// kernel maps each int8 word to its half of a packed word (B read by
/// words) or each element to its nibble (B read by elements: depthwise
/// convolutions). False (and `c` unchanged) where B is not such a weight.
bool packNibbles(Contraction &c, OpBuilder &b,
                 llvm::StringMap<Value> &packed);

/// How `access` can be read: 4 reduction elements per word (dim `k`
/// contiguous), 4 columns per word (dim `col` contiguous), or elements.
OperandAccess accessMode(const LinearAccess &access, ArrayRef<int64_t> sizes,
                         std::optional<unsigned> k, unsigned col);

/// The contiguous buffer `view` is a view of (through expand/collapse_shape,
/// subview and cast), or null.
Value viewRoot(Value view);

} // namespace mlir::qc

#endif // QC_LIB_GPU_CONTRACTIONANALYSIS_H
