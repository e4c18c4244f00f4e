//===- Int8Reduction.cpp - the reduction loops of the int8 kernels --------===//
//
// The part of KernelBuilder (Int8KernelBuilder.h) that runs the reduction of
// one register tile: the weights' layout (packed at compile time, or at run
// time), the accumulators' start, the input offsets of rows and segments,
// the vpdpbusd dot, 4-bit weights unpacked in registers, and the dense and
// depthwise loops over segments and quads (Int8Kernels.cpp's header comment
// draws the loop nest).
//
//===----------------------------------------------------------------------===//

#include "DynamicBatch.h"
#include "Int8KernelBuilder.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::qc::cpu;

void KernelBuilder::prepareDense() {
  if (c.wide)
    return prepareWide();
  if (c.packedInput)
    return preparePackedInput();
  // A filter row [KW, C] is one contiguous run of the input when the width
  // is not dilated; else each tap is its own run of C bytes.
  runLength = c.dilationW == 1 ? c.kw * c.channels : c.channels;
  segments = c.kh * c.kw * c.channels / runLength;
  quads = llvm::divideCeil(runLength, kQuad);
  // The filters of a batched product are stacked along the segments:
  // [B * segments, R, F] packs sample b's filter behind sample b - 1's in
  // every 16-channel panel.
  Value filter3D = tensor::CollapseShapeOp::create(
      b, loc, c.filter,
      c.dilationW == 1 ? SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}}
                       : SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
  if (c.weightU8) {
    filter3D = flipWeightBytes(filter3D);
    // sum (x - 128)(w' + 128) for a signed input x' = x + 128: the
    // constant -128 * 128 * K joins the start.
    if (c.inputSigned)
      init = int32_t(uint32_t(init) - uint32_t(128 * 128) * uint32_t(c.kh * c.kw * c.channels));
  }
  nibbles = c.weightBits == 4;
  filter = nibbles ? packFilterNibbles(b, loc, filter3D, c.weightUnsigned)
                   : packFilter(b, loc, filter3D);

  // The last quad of a run may read up to 3 bytes past it (7 with 4-bit
  // weights, whose quads come in pairs; their weights are zero); past the
  // end of the tensor it needs padding.
  int64_t lastRead = (((c.batch - 1) * c.hp + (c.oh - 1) * c.strideH) * c.wp +
                      (c.ow - 1) * c.strideW) * c.channels;
  int64_t lastSegment = segments - 1;
  lastRead += c.dilationW == 1
                  ? lastSegment * c.dilationH * c.wp * c.channels
                  : ((lastSegment / c.kw) * c.dilationH * c.wp +
                     (lastSegment % c.kw) * c.dilationW) * c.channels;
  lastRead += (nibbles ? llvm::alignTo(quads, 2) : quads) * kQuad;
  // One parallel pass writes the padded (and offset) input where it pays.
  if (Value bytes = buildInputBytes(b, loc, c.input, c.inputSigned, lastRead)) {
    input = bytes;
    return;
  }
  // vpdpbusd reads unsigned bytes: a signed input is offset by 128 (x ^ 0x80)
  // once here, and 128 * sum(w) comes off through the accumulator's start.
  if (c.inputSigned) {
    auto type = cast<RankedTensorType>(input.getType());
    Value empty = tensor::EmptyOp::create(b, loc, type.getShape(), b.getI8Type());
    AffineMap id = b.getMultiDimIdentityMap(1);
    input = linalg::GenericOp::create(
                b, loc, type, ValueRange{input}, ValueRange{empty},
                ArrayRef<AffineMap>{id, id},
                ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
                [](OpBuilder &nb, Location l, ValueRange args) {
                  Value flip = arith::ConstantOp::create(nb, l, nb.getI8IntegerAttr(-128));
                  linalg::YieldOp::create(nb, l, ValueRange{arith::XOrIOp::create(
                                                     nb, l, args[0], flip)});
                })
                .getResult(0);
  }
  int64_t size = cast<RankedTensorType>(input.getType()).getDimSize(0);
  if (lastRead > size) {
    Value zero = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0));
    input = tensor::PadOp::create(
        b, loc, RankedTensorType::get({lastRead}, b.getI8Type()), input,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(lastRead - size)}, zero);
  }
}

/// u8 weights as the signed bytes w - 128 (`w ^ 0x80`): at compile time for
/// a constant, else by one elementwise pass before the run-time pack.
Value KernelBuilder::flipWeightBytes(Value filter3D) {
  auto type = cast<RankedTensorType>(filter3D.getType());
  if (DenseIntElementsAttr weights = getConstantThroughReshapes(filter3D))
    return arith::ConstantOp::create(
        b, loc, weights.mapValues(b.getI8Type(), [](const APInt &w) {
          return w ^ APInt(8, 0x80);
        }));
  Value empty = tensor::EmptyOp::create(b, loc, type.getShape(), b.getI8Type());
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  return linalg::GenericOp::create(
             b, loc, type, ValueRange{filter3D}, ValueRange{empty},
             ArrayRef<AffineMap>{id, id},
             SmallVector<utils::IteratorType>(type.getRank(), utils::IteratorType::parallel),
             [](OpBuilder &nb, Location l, ValueRange args) {
               Value flip = arith::ConstantOp::create(nb, l, nb.getI8IntegerAttr(-128));
               linalg::YieldOp::create(nb, l, ValueRange{arith::XOrIOp::create(
                                                  nb, l, args[0], flip)});
             })
      .getResult(0);
}

void KernelBuilder::prepareDepthwise() {
  segments = c.kh * c.kw;
  if (Value bytes = buildInputBytes(b, loc, c.input, /*flip=*/false, 0))
    input = bytes;
  filter = tensor::CollapseShapeOp::create(b, loc, c.filter,
                                           ArrayRef<ReassociationIndices>{{0, 1, 2}});
  // 4-bit constant weights two per byte: one 16-byte load per tap holds the
  // weights of two accumulator vectors (packDepthwiseNibbles).
  nibbles = c.weightBits == 4;
  if (nibbles)
    filter = packDepthwiseNibbles(b, loc, filter, c.channels, c.weightUnsigned);
}

/// The accumulator's start per column: the fill value, minus 128 * sum(w)
/// for a signed input of the dense kernel when the weights are constant.
/// Null when it is a splat. Run-time weights take the sums off in the
/// kernel instead (`correctInKernel`).
Value KernelBuilder::buildColumnInit() {
  // The 16-bit kernel reads signed inputs as they are: no offset; u16
  // ones offset by 32768 (Int16Kernels.cpp).
  if (c.wide)
    return buildWideColumnInit(b, loc, c, init);
  if (c.depthwise || !c.inputSigned)
    return {};
  DenseIntElementsAttr weights = getConstantThroughReshapes(c.filter);
  if (!weights) {
    correctInKernel = true;
    return {};
  }
  int64_t padded = llvm::alignTo(c.filters, kLanes);
  SmallVector<int32_t> start(padded, int32_t(init));
  int64_t i = 0;
  for (const APInt &w : weights.getValues<APInt>()) {
    // The code the kernel multiplies: u8 weights offset by -128; codebook
    // indices looked up.
    int64_t code = c.weightUnsigned ? w.getSExtValue() & 15
                   : c.weightU8     ? int64_t(w.getZExtValue()) - 128
                                    : w.getSExtValue();
    if (!c.codebook.empty())
      code = c.codeOf(code, i % c.filters);
    // Packed i4 activations are offset by 8 (a nibble's xor), bytes by 128.
    start[i++ % c.filters] -= uint32_t(c.packedInput ? 8 : 128) * uint32_t(code);
  }
  return arith::ConstantOp::create(
      b, loc,
      DenseIntElementsAttr::get(RankedTensorType::get({padded}, b.getI32Type()),
                                ArrayRef<int32_t>(start)));
}

/// The input offset of output row p (pixel (n, oh, ow)) at the window's
/// origin.
Value KernelBuilder::rowBase(Value p) {
  Value pixels = index(c.oh * c.ow);
  Value n = arith::DivUIOp::create(b, loc, p, pixels);
  Value r = arith::RemUIOp::create(b, loc, p, pixels);
  Value oh = arith::DivUIOp::create(b, loc, r, index(c.ow));
  Value ow = arith::RemUIOp::create(b, loc, r, index(c.ow));
  Value row = add(mul(n, c.hp), mul(oh, c.strideH));
  return mul(add(mul(row, c.wp), mul(ow, c.strideW)),
             c.packedInput ? packedRowBytes(c.channels) : c.channels);
}

/// The input offset of segment s (a filter row, or one tap) from the
/// window's origin.
Value KernelBuilder::segmentOffset(Value s) {
  if (c.depthwise || c.dilationW != 1) {
    Value row = arith::DivUIOp::create(b, loc, s, index(c.kw));
    Value col = arith::RemUIOp::create(b, loc, s, index(c.kw));
    return mul(add(mul(row, c.dilationH * c.wp), mul(col, c.dilationW)), c.channels);
  }
  return mul(s, c.dilationH * c.wp * c.channels);
}

/// acc + the sums of four u8 x s8 products per lane, in the portable form
/// qc-cpu-contract-to-x86-vnni turns into one vpdpbusd after bufferization
/// (an intrinsic call has unknown memory effects, which bufferization and
/// deallocation refuse).
Value KernelBuilder::dot(Value acc, Value a, Value w) {
  return groupedDot(acc, a, /*unsignedA=*/true, w, kQuad);
}

/// acc + per lane the sum of `group` products of a (zero- or sign-extended)
/// by w (sign-extended), in i32: the form of both vpdpbusd and vpdpwssd.
Value KernelBuilder::groupedDot(Value acc, Value a, bool unsignedA, Value w, int64_t group) {
  auto wide = VectorType::get({kLanes * group}, b.getI32Type());
  Value aWide = unsignedA ? arith::ExtUIOp::create(b, loc, wide, a).getResult()
                          : arith::ExtSIOp::create(b, loc, wide, a).getResult();
  Value products =
      arith::MulIOp::create(b, loc, aWide, arith::ExtSIOp::create(b, loc, wide, w));
  Value grouped = vector::ShapeCastOp::create(
      b, loc, VectorType::get({kLanes, group}, b.getI32Type()), products);
  return vector::MultiDimReductionOp::create(b, loc, grouped, acc, ArrayRef<bool>{false, true},
                                             vector::CombiningKind::ADD);
}

/// The two 64-byte weight operands in a vector of nibbles, in registers:
/// mask the low nibbles, shift the high ones down (logically); i4 nibbles
/// hold code + 8, so 8 comes off. Both are valid signed bytes. (Sign
/// extension by shifts would cost more: x86 has no byte shifts, so an
/// arithmetic one is a word shift, a mask and two more ops.) With a
/// codebook the nibbles are indices, looked up (`block`: the panel's 16
/// channels, for codebooks per channel).
std::pair<Value, Value> KernelBuilder::unpackNibbles(Value packed, Value block) {
  auto splat = [&](int8_t v) -> Value {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(cast<VectorType>(packed.getType()), b.getI8IntegerAttr(v)));
  };
  Value low = arith::AndIOp::create(b, loc, packed, splat(15));
  Value high = arith::ShRUIOp::create(b, loc, packed, splat(4));
  if (!c.codebook.empty())
    return {lookupCodebook(low, block), lookupCodebook(high, block)};
  if (c.weightUnsigned)
    return {low, high};
  Value eight = splat(8);
  return {arith::SubIOp::create(b, loc, low, eight), arith::SubIOp::create(b, loc, high, eight)};
}

SmallVector<Value> KernelBuilder::denseReduction(ArrayRef<Value> bases, Value f0,
                                                 int64_t vectors, SmallVector<Value> accs) {
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  int64_t rows = bases.size();
  Value zeroByte = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0));
  Value firstBlock = arith::DivUIOp::create(b, loc, f0, index(kLanes));
  auto bytes = VectorType::get({kLanes * kQuad}, i8);
  // Run-time weights with a signed input: 128 * sum(w) per column, one dot
  // of 0x80 bytes per weight vector, shared by all rows of the tile.
  Value offsetBytes;
  if (correctInKernel) {
    offsetBytes = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(bytes, b.getI8IntegerAttr(-128)));
    for (int64_t j = 0; j < vectors; ++j)
      accs.push_back(arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(lanes(i32), b.getI32IntegerAttr(0))));
  }
  // u8 weights read as w - 128: each row's input sum (in every lane), one
  // dot with bytes of 1 per row and quad; 0 for the bytes a partial last
  // quad reads past the run.
  int64_t rowSumAccs = rows * vectors + (correctInKernel ? vectors : 0);
  Value ones, lastOnes;
  if (c.weightU8) {
    ones = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(bytes, b.getI8IntegerAttr(1)));
    if (int64_t valid = runLength % kQuad) {
      SmallVector<int8_t> last(kLanes * kQuad);
      for (int64_t i = 0; i < kLanes * kQuad; ++i)
        last[i] = i % kQuad < valid ? 1 : 0;
      lastOnes = arith::ConstantOp::create(
          b, loc, DenseIntElementsAttr::get(bytes, ArrayRef<int8_t>(last)));
    }
    for (int64_t i = 0; i < rows; ++i)
      accs.push_back(arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(lanes(i32), b.getI32IntegerAttr(0))));
  }
  // The segment of a batched product's tile in the stacked filters.
  Value segmentBase = batchIndex ? mul(batchIndex, segments) : index(0);
  int64_t stackedSegments = segments * c.filterBatch;
  auto segmentLoop = scf::ForOp::create(
      b, loc, index(0), index(segments), index(1), accs,
      [&](OpBuilder &, Location, Value s, ValueRange iter) {
        Value offset = segmentOffset(s);
        SmallVector<Value> runs, panels;
        for (Value base : bases)
          runs.push_back(add(base, offset));
        // A step loads one 64-byte weight vector per panel: one quad, or
        // with 4-bit weights two (low nibbles, then high nibbles).
        int64_t perStep = nibbles ? 2 : 1, steps = llvm::divideCeil(quads, perStep);
        for (int64_t j = 0; j < vectors; ++j)
          panels.push_back(mul(add(mul(add(firstBlock, index(j)), stackedSegments),
                                   add(segmentBase, s)),
                               steps * kLanes * kQuad));
        auto quadLoop = scf::ForOp::create(
            b, loc, index(0), index(steps), index(1), iter,
            [&](OpBuilder &, Location, Value q, ValueRange iter) {
              SmallVector<SmallVector<Value>> w(perStep);
              Value wStep = mul(q, kLanes * kQuad);
              for (int64_t j = 0; j < vectors; ++j) {
                Value loaded = vector::TransferReadOp::create(
                    b, loc, bytes, filter, ValueRange{add(panels[j], wStep)}, zeroByte,
                    ArrayRef<bool>{true});
                if (!nibbles) {
                  w[0].push_back(loaded);
                  continue;
                }
                auto [low, high] = unpackNibbles(loaded, add(firstBlock, index(j)));
                w[0].push_back(low);
                w[1].push_back(high);
              }
              SmallVector<Value> next(iter);
              Value rowOnes = ones;
              if (lastOnes)
                rowOnes = arith::SelectOp::create(
                    b, loc,
                    arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, q,
                                          index(steps - 1)),
                    lastOnes, ones);
              for (int64_t half = 0; half < perStep; ++half)
                for (int64_t i = 0; i < rows; ++i) {
                  Value aStep = add(mul(q, perStep * kQuad), index(half * kQuad));
                  Value quad = vector::TransferReadOp::create(
                      b, loc, VectorType::get({kQuad}, i8), input,
                      ValueRange{add(runs[i], aStep)}, zeroByte, ArrayRef<bool>{true});
                  Value word = vector::ExtractOp::create(
                      b, loc,
                      vector::BitCastOp::create(b, loc, VectorType::get({1}, i32), quad), 0);
                  Value a = vector::BitCastOp::create(
                      b, loc, bytes, vector::BroadcastOp::create(b, loc, lanes(i32), word));
                  for (int64_t j = 0; j < vectors; ++j)
                    next[i * vectors + j] = dot(next[i * vectors + j], a, w[half][j]);
                  if (c.weightU8)
                    next[rowSumAccs + i] = dot(next[rowSumAccs + i], a, rowOnes);
                }
              if (correctInKernel)
                for (int64_t j = 0; j < vectors; ++j)
                  next[rows * vectors + j] = dot(next[rows * vectors + j], offsetBytes, w[0][j]);
              scf::YieldOp::create(b, loc, next);
            });
        scf::YieldOp::create(b, loc, quadLoop.getResults());
      });
  SmallVector<Value> sums = segmentLoop.getResults();
  if (correctInKernel)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < vectors; ++j)
        sums[i * vectors + j] =
            arith::SubIOp::create(b, loc, sums[i * vectors + j], sums[rows * vectors + j]);
  if (c.weightU8) {
    Value seven = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(lanes(i32), b.getI32IntegerAttr(7)));
    for (int64_t i = 0; i < rows; ++i) {
      Value offset = arith::ShLIOp::create(b, loc, sums[rowSumAccs + i], seven);
      for (int64_t j = 0; j < vectors; ++j)
        sums[i * vectors + j] = arith::AddIOp::create(b, loc, sums[i * vectors + j], offset);
    }
  }
  sums.truncate(rows * vectors);
  return sums;
}

SmallVector<Value> KernelBuilder::depthwiseReduction(ArrayRef<Value> bases, Value f0,
                                                     int64_t vectors,
                                                     SmallVector<Value> accs,
                                                     int64_t validCols) {
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  int64_t rows = bases.size();
  Value zeroByte = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0));
  // The 16-bit kernels' depthwise convolutions (`c.wide`) are this loop on
  // 16-bit elements: i16 / u16 activations, or i16 weights, extended to i32
  // like bytes (no pairs to form: one product per lane and tap).
  Type inputElement = getElementTypeOrSelf(input.getType());
  Type filterElement = getElementTypeOrSelf(filter.getType());
  Value zeroInput = arith::ConstantOp::create(b, loc, b.getIntegerAttr(inputElement, 0));
  Value zeroWeight = arith::ConstantOp::create(b, loc, b.getIntegerAttr(filterElement, 0));
  // u8 weights of the 16-bit kernel are zero-extended (the 8-bit kernels
  // leave u8 depthwise weights to the generic path).
  bool unsignedWeights = c.wide && c.weightUnsigned && c.weightBits != 4;
  auto tapLoop = scf::ForOp::create(
      b, loc, index(0), index(segments), index(1), accs,
      [&](OpBuilder &, Location, Value t, ValueRange iter) {
        Value offset = add(segmentOffset(t), f0);
        SmallVector<Value> w, next(iter);
        if (nibbles) {
          // Vector j of the tile is channel block f0/16 + j; the tile starts
          // at an even block (KernelBuilder::build), so blocks 2p and 2p + 1
          // are the low and high nibbles of one 16-byte load (always in
          // bounds: each tap has ceil(C/32) full loads).
          int64_t tapBytes = llvm::divideCeil(c.channels, 2 * kLanes) * kLanes;
          Value wOffset = add(mul(t, tapBytes), arith::DivUIOp::create(b, loc, f0, index(2)));
          for (int64_t j = 0; j < vectors; j += 2) {
            Value packed = vector::TransferReadOp::create(
                b, loc, lanes(i8), filter, ValueRange{add(wOffset, index(j / 2 * kLanes))},
                zeroByte, ArrayRef<bool>{true});
            auto [low, high] = unpackNibbles(packed, /*block=*/Value());
            w.push_back(arith::ExtSIOp::create(b, loc, lanes(i32), low));
            if (j + 1 < vectors)
              w.push_back(arith::ExtSIOp::create(b, loc, lanes(i32), high));
          }
        }
        Value wOffset = add(mul(t, c.channels), f0);
        for (int64_t j = 0; j < vectors && !nibbles; ++j) {
          // A partial last vector reads past the channels into the next
          // tap or pixel (lanes that are never stored); only past the end
          // of the tensor is it masked.
          bool full = (j + 1) * kLanes <= validCols;
          Value bytes = vector::TransferReadOp::create(
              b, loc, lanes(filterElement), filter, ValueRange{add(wOffset, index(j * kLanes))},
              zeroWeight, ArrayRef<bool>{full});
          w.push_back(unsignedWeights
                          ? arith::ExtUIOp::create(b, loc, lanes(i32), bytes).getResult()
                          : arith::ExtSIOp::create(b, loc, lanes(i32), bytes).getResult());
        }
        for (int64_t i = 0; i < rows; ++i) {
          Value run = add(bases[i], offset);
          for (int64_t j = 0; j < vectors; ++j) {
            bool full = (j + 1) * kLanes <= validCols;
            Value bytes = vector::TransferReadOp::create(
                b, loc, lanes(inputElement), input, ValueRange{add(run, index(j * kLanes))},
                zeroInput, ArrayRef<bool>{full});
            Value x = c.inputSigned
                          ? arith::ExtSIOp::create(b, loc, lanes(i32), bytes).getResult()
                          : arith::ExtUIOp::create(b, loc, lanes(i32), bytes).getResult();
            Value &acc = next[i * vectors + j];
            acc = arith::AddIOp::create(b, loc, acc, arith::MulIOp::create(b, loc, x, w[j]));
          }
        }
        scf::YieldOp::create(b, loc, next);
      });
  return tapLoop.getResults();
}
