//===- Int8Kernels.h - int8 contractions as register-tile kernels -*- C++ -*-===//
//
// Private to lib/Codegen/CPU: the pieces of qc-cpu-int8-kernels (matching an
// int8 contraction and its elementwise consumers, packing the weights, and
// vectorizing the consumers' bodies on the accumulator tile).
//
//===----------------------------------------------------------------------===//
#ifndef QC_LIB_CODEGEN_CPU_INT8KERNELS_H
#define QC_LIB_CODEGEN_CPU_INT8KERNELS_H

#include "FixedPointLanes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::qc::cpu {

/// Lanes of one accumulator vector (i32 lanes of a zmm register) and the
/// bytes of the reduction one lane sums per vpdpbusd.
inline constexpr int64_t kLanes = 16;
inline constexpr int64_t kQuad = 4;

/// An int8 x int8 -> i32 matrix product, convolution or depthwise
/// convolution, seen as rows (output pixels, or the rows of a matrix
/// product) times columns (output channels). A matrix product [M, K] x
/// [K, N] is the 1x1 convolution of an image [1, 1, M, K].
struct Int8Contraction {
  linalg::LinalgOp op;
  bool depthwise = false;
  /// [N, Hp, Wp, C], padding already applied.
  Value input;
  /// Dense: [KH, KW, C, F]; depthwise: [KH, KW, C] (F = C).
  Value filter;
  bool inputSigned = false;
  /// A constant weight of 4-bit codes (i4 sign-extended, or u4 to be read
  /// as `w & 15`) is stored two per byte; else 8 (bytes as they are).
  int64_t weightBits = 8;
  bool weightUnsigned = false;
  /// With 4-bit weights: the filter holds u4 indices into these codes
  /// (--qc-pack-weights' codebooks, Int8PackedWeights.cpp); empty: the
  /// filter holds the codes. Per tensor: 16 codes; per output channel
  /// (`channelCodes` > 0): `channelCodes` (4, 8 or 16) codes per channel.
  SmallVector<int8_t> codebook;
  int64_t channelCodes = 0;
  int64_t codeOf(int64_t index, int64_t channel) const {
    return codebook[channelCodes ? channel * channelCodes + index : index];
  }
  /// Unsigned 8-bit weights (u8 x u8 products of run-time values): the
  /// kernel packs w - 128 (`w ^ 0x80`, a signed byte) and adds 128 times
  /// the sum of the row's input bytes, taken by one more vpdpbusd per row.
  bool weightU8 = false;
  /// A batched matrix product [B, M, K] x [B, K, N] (`filterBatch` = B):
  /// `filter` holds B filters [B, 1, K, N] and the rows of sample b (batch
  /// index b of the input) are multiplied by filter b. 1: one filter.
  int64_t filterBatch = 1;
  /// The 16-bit kernel (Int16Kernels.cpp): 8-bit activations (i8, u8) by
  /// constant 16-bit weights, or 16-bit activations (i16, u16 offset by
  /// 32768) by constant 8- or 16-bit weights, both sides read as signed
  /// 16-bit pairs by vpdpwssd; with `depthwise`, the depthwise kernel on
  /// 16-bit lanes.
  /// `inputBits` is the activations' width (8 or 16), `weightBits` the
  /// weights' (8 or 16; 8 with `wide` means the i16 x i8 case).
  bool wide = false;
  int64_t inputBits = 8;
  int64_t batch = 1, hp = 1, wp = 1, channels = 1;
  int64_t kh = 1, kw = 1, filters = 1, oh = 1, ow = 1;
  int64_t strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
  /// The constant the accumulator starts from (its linalg.fill).
  int64_t init = 0;
  /// 4-bit activations two per byte (qc-cpu-pack-int4-activations): the
  /// input is the unpacking generic `unpack` of the 1-D nibble bytes
  /// `packedInput` (a dense 1x1 kernel with constant weights reads those
  /// instead). `inputMasked4`: the body reads u4 codes as `extui(x & 15)`.
  Value packedInput;
  linalg::GenericOp unpack;
  bool inputMasked4 = false;

  int64_t rows() const { return batch * oh * ow; }
};

/// Recognizes the int8 contractions qc-lower-to-linalg produces: matmul
/// and batch_matmul (named or mixed-signedness generic), conv_2d_nhwc_hwcf, the grouped
/// convolution generic with one group or one channel per group, and
/// depthwise_conv_2d_nhwc_hwcm with multiplier 1. Filters are signed
/// bytes, unsigned bytes (weightU8) or 4-bit constants; shapes static, the
/// accumulator a constant fill.
/// With `wide`, also the contractions of the 16-bit kernel (`Int8Contraction::wide`).
FailureOr<Int8Contraction> matchInt8Contraction(linalg::LinalgOp op, bool wide = false);

/// --qc-pack-weights' matmul or convolution generic (the weight computed in
/// the body from packed nibbles or codebook indices), its weight evaluated
/// at compile time (Int8PackedWeights.cpp). A 16-bit activation's matches
/// only with `int16Kernels`.
FailureOr<Int8Contraction> matchPackedWeightContraction(linalg::LinalgOp op, bool int16Kernels);

/// The codebook lookups of the kernels (vector.gather of 64 bytes from a
/// constant table) as vpshufb (per tensor) or vpermb/vpermi2b (per
/// channel), after bufferization.
/// `vbmi`: the per-channel ones (VBMI); else the per-tensor ones (BW).
void populateCodebookLookupX86Patterns(RewritePatternSet &patterns, bool vbmi);

/// A chain of elementwise linalg.generic ops that consume the contraction's
/// result one after the other (requantization, then e.g. a residual add):
/// each is computed on the accumulator vectors in registers.
struct Epilogue {
  SmallVector<linalg::GenericOp> stages;
  /// For each stage, the input operand that carries the previous value.
  SmallVector<unsigned> chainOperands;
  /// The value the fused kernel replaces (the last stage's result, or the
  /// contraction's own result when there are no stages).
  Value result;
  Type elementType;
  /// The nibble-packing generic after the last stage (two 4-bit codes per
  /// byte, qc-cpu-pack-int4-activations); `result` is then its 1-D result.
  linalg::GenericOp pack;
};

/// The longest chain of single-use elementwise consumers of `product`
/// (through a collapse_shape) that the kernel can vectorize: all-parallel
/// generics over [rows..., columns] with identity maps on the chained value
/// and on the result, other inputs read along the columns or broadcast,
/// bodies of arith/math ops. `partialLanes` rejects bodies that could trap on
/// the padding lanes of a last partial vector (divisions).
Epilogue matchEpilogue(const Int8Contraction &contraction, bool partialLanes);

/// What qc-cpu-int8-kernels builds one kernel from: a contraction it takes
/// and, with `fuseEpilogue`, the stages it fuses (matchEpilogue). Fails for
/// ops it leaves alone. Stages another kernel took first end the chain
/// there in the pass; a caller matching on unchanged IR must stop too.
struct Int8Kernel {
  Int8Contraction contraction;
  Epilogue epilogue;
  /// The ops of the kernel around contraction and stages (the unpacking in
  /// front, the packing after), which qc-cpu-outline-kernels keeps with it.
  SmallVector<Operation *> extraOps() const;
};
FailureOr<Int8Kernel> matchInt8Kernel(linalg::LinalgOp op, bool fuseEpilogue,
                                      bool wide = false);

/// Builds the epilogue of one accumulator vector: row `rowIndices` (the
/// row's index along each of the stages' row dimensions), columns
/// [col, col + kLanes). `inBounds` is false for a partial last vector.
/// `cache` holds reads shared by every row (per-channel parameters).
class EpilogueEmitter {
public:
  EpilogueEmitter(Epilogue &epilogue) : epilogue(epilogue) {}
  Value emit(OpBuilder &b, Location loc, Value acc, ArrayRef<Value> rowIndices,
             Value col, bool inBounds);
  void clearColumnCache() { columnCache.clear(); }

private:
  Value readOperand(OpBuilder &b, Location loc, linalg::GenericOp op,
                    OpOperand &operand, ArrayRef<Value> rowIndices, Value col,
                    bool inBounds);
  Epilogue &epilogue;
  DenseMap<std::pair<Operation *, unsigned>, Value> columnCache;
};

/// The constant behind `value` and any reshapes of it, shaped like `value`
/// (reshapes keep the row-major order of the data).
DenseIntElementsAttr getConstantThroughReshapes(Value value);

/// The filter [S, R, F] (S segments of R reduction bytes, F channels) as
/// `linalg.pack` into the layout the kernel reads, [ceil(F/16), S,
/// ceil(R/4), 16, 4], zero-padded, then flattened to 1-D.
Value packFilter(OpBuilder &b, Location loc, Value filter3D);

/// A constant filter [S, R, F] of 4-bit codes (sign-extended bytes, or
/// bytes whose low 4 bits are the u4 code) in the kernel's layout two codes
/// per byte, [ceil(F/16), S, ceil(R/8), 16, 4] bytes flattened to 1-D: the
/// low nibble of byte (b, s, p, n, i) is the weight of reduction step
/// 8p + i, the high nibble that of 8p + 4 + i (channel 16b + n), weight 0
/// past the ends. A u4 nibble is the code, an i4 nibble the code + 8 (so
/// that unpacking is a mask or shift and one subtraction). One 64-byte load
/// gives two vpdpbusd operands.
Value packFilterNibbles(OpBuilder &b, Location loc, Value filter3D, bool unsignedCodes);

/// A constant depthwise filter [KH*KW*C] of 4-bit codes (as for
/// packFilterNibbles) two codes per byte, [KH*KW, ceil(C/32), 16] bytes
/// flattened to 1-D: byte (t, p, n) holds in its low nibble the weight of
/// tap t, channel 32p + n, in its high nibble that of channel 32p + 16 + n
/// (u4: the code, i4: the code + 8; weight 0 past the channels).
Value packDepthwiseNibbles(OpBuilder &b, Location loc, Value filter1D, int64_t channels,
                           bool unsignedCodes);

/// The bytes the kernel reads from `input` ([N, Hp, Wp, C], static) as one
/// 1-D tensor of at least `minBytes` (zeros past the image), written by an
/// scf.forall over rows: a tensor.pad's fill and copy in one pass, each
/// byte offset by 128 (`x ^ 0x80`) when `flip`. Null when there is nothing
/// to gain (no constant static H/W padding, and no flip). An i16 input (the
/// 16-bit kernels) the same way in elements, `flip` offsetting by 32768
/// (`x ^ 0x8000`: u16 codes as the s16 values x - 32768); `minBytes` then
/// counts elements.
Value buildInputBytes(OpBuilder &b, Location loc, Value input, bool flip, int64_t minBytes);

/// One region of a kernel's [rows, cols] result: `rowTiles` tiles of
/// `tileRows` rows from `rowStart`, times `panels` panels of `vectors`
/// accumulator vectors from `colStart`, `validCols` of whose columns are
/// real. A kernel covers its result with full tiles and at most one
/// remainder along each dimension (up to four regions).
struct TileRegion {
  int64_t rowStart, rowTiles, tileRows;
  int64_t colStart, panels, vectors, validCols;
};
SmallVector<TileRegion> partitionTiles(int64_t rows, int64_t cols, int64_t tileRows,
                                       int64_t vectors);

/// The kernel's [rows, cols] result reshaped to the epilogue's result type
/// (only its last dimension is the columns).
Value expandKernelResult(OpBuilder &b, Location loc, Value out, const Epilogue &epilogue,
                         int64_t rows);

/// Whether the AMX kernel (Int8AMX.cpp) computes `c`: a dense product with
/// 8-bit weights whose output row p reads input bytes [p*K, p*K + K) (a
/// matmul, or a 1x1 convolution without stride or padding).
bool isAMXContraction(const Int8Contraction &c);

/// Builds the AMX tile kernel of `contraction` (isAMXContraction) and its
/// fused epilogue; returns the value that replaces `epilogue.result`.
Value buildAMXKernel(RewriterBase &rewriter, Int8Contraction &contraction,
                     Epilogue &epilogue);
/// Attributes of the generics qc-cpu-pack-int4-activations builds around a
/// 4-bit activation stored two codes per byte.
inline constexpr llvm::StringLiteral kPackNibblesAttr = "qc.pack_nibbles";
inline constexpr llvm::StringLiteral kUnpackNibblesAttr = "qc.unpack_nibbles";

/// Extra bytes past the rows of a packed activation (zeros): the last
/// step of a consumer reads up to 3 bytes past its row.
inline constexpr int64_t kPackedSlack = kQuad;

/// Bytes per row of F 4-bit codes two per byte.
inline int64_t packedRowBytes(int64_t codes) { return (codes + 1) / 2; }

/// Finds the nibble packing after `epilogue`'s last stage (its result
/// then is the packed bytes) and, for a dense 1x1 kernel with constant
/// weights, an unpacking generic in front of the contraction's input.
void matchPackedNibbles(Int8Contraction &contraction, Epilogue &epilogue);

/// The ops between the epilogue's last stage and its packing generic
/// (slices, reshapes, pads), latest first, to erase with it.
SmallVector<Operation *> packingOps(const Epilogue &epilogue);

/// The 16-bit kernel's pieces (Int16Kernels.cpp).
/// i32 lanes of a vpdpwssd and the 16-bit reduction steps each lane sums.
inline constexpr int64_t kPair = 2;
/// A constant filter [S, R, F] of 8- or 16-bit codes (sign- or zero-
/// extended by `unsignedCodes`) as i16 in the 16-bit kernel's layout,
/// [ceil(F/16), S, ceil(R/2), 16, 2] flattened to 1-D, weight 0 past the
/// ends: one 64-byte load is vpdpwssd's operand of 16 channels.
Value packFilterPairs(OpBuilder &b, Location loc, Value filter3D, bool unsignedCodes);
/// The 16-bit kernel's start values per column when its activations are
/// u16 (read as x - 32768, `x ^ 0x8000`): `init` + 32768 * sum_k w[k, n]
/// (i32, wrapping), the sums of the constant weights as the kernel
/// multiplies them, taken at compile time; [16 * ceil(F/16)] i32. Null for
/// any other contraction.
Value buildWideColumnInit(OpBuilder &b, Location loc, const Int8Contraction &c, int64_t init);
/// The 16-bit kernel's dot product (16 x 2 products of i16 pairs added to
/// i32 lanes) as one vpdpwssd, after bufferization.
void populateWideDotX86Patterns(RewritePatternSet &patterns);

/// Folds linalg.pack of an i8 constant (upstream folds only splats) and
/// lowers the remaining packs into the [.., 16, 4] layout to vector code.
void populateInt8PackPatterns(RewritePatternSet &patterns);

} // namespace mlir::qc::cpu

#endif // QC_LIB_CODEGEN_CPU_INT8KERNELS_H
