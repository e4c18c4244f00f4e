//===- HostTensor.h - dense host arrays exchanged with qc-run ---*- C++ -*-===//
//
// The value type every qc execution target (CPU JIT, Vulkan) takes and
// returns: a dense row-major array with an element kind and a shape. .npy
// files load into and save from it (qc/Runtime/Npy.h).
//
//===----------------------------------------------------------------------===//
#ifndef QC_RUNTIME_HOSTTENSOR_H
#define QC_RUNTIME_HOSTTENSOR_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qc::runtime {

/// Element kinds qc-run exchanges. Signedness matters at the boundary (an
/// argument typed !quant.uniform<u8:...> takes uint8 data) even though the
/// compiled code uses signless integers.
enum class ElementKind { I8, U8, I16, U16, I32, I64, F32, F64 };

/// Size in bytes of one element.
size_t elementSize(ElementKind kind);
/// numpy dtype name: "int8", "uint8", ..., "float32".
const char *elementName(ElementKind kind);

struct HostTensor {
  ElementKind kind = ElementKind::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data; // row-major, little-endian, numElements * elementSize

  int64_t numElements() const;
  /// "int8[2x3]"-style description for error messages.
  std::string describe() const;
};

/// Two 4-bit codes per byte (docs/Numerics.md, "Packed int4 at the
/// boundary"): a tensor of i4/u4 codes of shape [..., n] is held as uint8
/// [..., ceil(n / 2)], code 2j of each row in the low nibble of byte j and
/// code 2j + 1 in its high nibble; for odd n the high nibble of each row's
/// last byte is 0. `shape` has rank >= 1.
std::vector<int64_t> packedInt4Shape(const std::vector<int64_t> &shape);

/// Packs `codes` (int8 or uint8 data of rank >= 1, one 4-bit code per
/// element; only the low 4 bits of each are kept) into a uint8 tensor of
/// packedInt4Shape(codes.shape).
HostTensor packInt4(const HostTensor &codes);

/// Unpacks `packed` (uint8 data of packedInt4Shape(shape)) into `codes` of
/// `kind` and `shape`: I8 sign-extends each nibble (codes -8..7), U8 keeps
/// it (0..15). Returns the row-major index of the first byte whose unused
/// high nibble (odd last dimension) is not 0, or -1 when there is none;
/// `codes` is complete either way.
int64_t unpackInt4(const HostTensor &packed, ElementKind kind,
                   const std::vector<int64_t> &shape, HostTensor &codes);

} // namespace qc::runtime

#endif // QC_RUNTIME_HOSTTENSOR_H
