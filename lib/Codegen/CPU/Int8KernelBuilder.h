//===- Int8KernelBuilder.h - builds one int8 register-tile kernel -*- C++ -*-===//
//
// Private to lib/Codegen/CPU: the builder qc-cpu-int8-kernels runs per
// contraction. Its reduction loops (the weights' layout, the vpdpbusd dot,
// 4-bit unpacking, dense and depthwise segments) are in Int8Reduction.cpp;
// the tiling, row blocks and epilogue placement in Int8Kernels.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef QC_LIB_CODEGEN_CPU_INT8KERNELBUILDER_H
#define QC_LIB_CODEGEN_CPU_INT8KERNELBUILDER_H

#include "Int8Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace mlir::qc::cpu {

struct TileShape {
  int64_t rows, vectors;
  /// Input bytes per row block (0: none); see rowBlocks.
  int64_t rowBlockBytes = 0;
};

class KernelBuilder {
public:
  KernelBuilder(RewriterBase &rewriter, Int8Contraction &c,
                Epilogue &epilogue, TileShape maxTile)
      : b(rewriter), loc(c.op.getLoc()), c(c), epilogue(epilogue),
        emitter(epilogue), maxTile(maxTile) {}

  Value build();

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, int64_t y) {
    return y == 1 ? x : arith::MulIOp::create(b, loc, x, index(y)).getResult();
  }
  VectorType lanes(Type t) { return VectorType::get({kLanes}, t); }

  void prepareDense();
  void prepareDepthwise();
  Value buildColumnInit();
  Value rowBase(Value p);
  Value segmentOffset(Value s);
  Value dot(Value acc, Value a, Value w);
  Value groupedDot(Value acc, Value a, bool unsignedA, Value w, int64_t group);
  std::pair<Value, Value> unpackNibbles(Value packed, Value block);
  Value lookupCodebook(Value indices, Value block);
  Value emitRegion(Value out, int64_t rowStart, int64_t rowTiles, int64_t tileRows,
                   int64_t colStart, int64_t panels, int64_t vectors, int64_t validCols,
                   int64_t rowBlocks);
  Value flipWeightBytes(Value filter3D);
  int64_t rowBlocks(int64_t rowTiles, int64_t panels);
  bool rollEpilogue(int64_t tileRows) const;
  SmallVector<Value> epilogueRowIndices(Value p);
  Value emitRowLoop(Value tile, ArrayRef<Value> sums, Value p0, Value f0, int64_t tileRows,
                    int64_t vectors, int64_t validCols);
  SmallVector<Value> denseReduction(ArrayRef<Value> bases, Value f0, int64_t vectors,
                                    SmallVector<Value> accs);
  // 4-bit activations two per byte (Int8PackedActivations.cpp).
  void preparePackedInput();
  SmallVector<Value> packedInputReduction(ArrayRef<Value> bases, Value f0, int64_t vectors,
                                          SmallVector<Value> accs);
  Value packNibblePairs(Value codes, int64_t valid);
  Value packedOutputView(Value &full);
  Value finishPackedOutput(Value full, Value out);
  // The 16-bit kernel: vpdpwssd on i16 pairs (Int16Kernels.cpp).
  void prepareWide();
  Value wideDot(Value acc, Value a, Value w);
  SmallVector<Value> wideReduction(ArrayRef<Value> bases, Value f0, int64_t vectors,
                                   SmallVector<Value> accs);
  SmallVector<Value> depthwiseReduction(ArrayRef<Value> bases, Value f0, int64_t vectors,
                                        SmallVector<Value> accs, int64_t validCols);

  RewriterBase &b;
  Location loc;
  Int8Contraction &c;
  Epilogue &epilogue;
  EpilogueEmitter emitter;
  TileShape maxTile;

  Value input;          // 1-D bytes of the padded input (offset to u8)
  Value filter;         // dense: packed, 1-D; depthwise: [KH*KW*C]
  Value columnInit;     // [16 * ceil(F/16)] i32, or null: splat init
  bool correctInKernel = false;
  /// The accumulators' start (the fill, less 128 * 128 * K for a signed
  /// input times u8 weights).
  int64_t init = 0;
  /// Bytes of one segment's run of the input (the last quad may be partial).
  int64_t runLength = 1;
  /// Batched products: the sample of the tile being built (selects its
  /// filter); null for one filter.
  Value batchIndex;
  /// 4-bit weights, two per byte: each 64-byte load holds two quads.
  bool nibbles = false;
  /// Steps of one segment's run: quads (4 bytes), or pairs (two 16-bit
  /// elements) in the 16-bit kernel.
  int64_t segments = 1, quads = 1;
  SmallVector<int64_t> epilogueRows; // the row dimensions of the stages
};

} // namespace mlir::qc::cpu

#endif // QC_LIB_CODEGEN_CPU_INT8KERNELBUILDER_H
