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

} // namespace qc::runtime

#endif // QC_RUNTIME_HOSTTENSOR_H
