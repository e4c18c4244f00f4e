//===- HostTensor.cpp - dense host arrays exchanged with qc-run -----------===//
#include "qc/Runtime/HostTensor.h"

namespace qc::runtime {

size_t elementSize(ElementKind kind) {
  switch (kind) {
  case ElementKind::I8:
  case ElementKind::U8:
    return 1;
  case ElementKind::I16:
  case ElementKind::U16:
    return 2;
  case ElementKind::I32:
  case ElementKind::F32:
    return 4;
  case ElementKind::I64:
  case ElementKind::F64:
    return 8;
  }
  return 0;
}

const char *elementName(ElementKind kind) {
  switch (kind) {
  case ElementKind::I8:
    return "int8";
  case ElementKind::U8:
    return "uint8";
  case ElementKind::I16:
    return "int16";
  case ElementKind::U16:
    return "uint16";
  case ElementKind::I32:
    return "int32";
  case ElementKind::I64:
    return "int64";
  case ElementKind::F32:
    return "float32";
  case ElementKind::F64:
    return "float64";
  }
  return "unknown";
}

int64_t HostTensor::numElements() const {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

std::string HostTensor::describe() const {
  std::string text = elementName(kind);
  text += '[';
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      text += 'x';
    text += std::to_string(shape[i]);
  }
  text += ']';
  return text;
}

std::vector<int64_t> packedInt4Shape(const std::vector<int64_t> &shape) {
  std::vector<int64_t> packed(shape);
  if (!packed.empty())
    packed.back() = (packed.back() + 1) / 2;
  return packed;
}

HostTensor packInt4(const HostTensor &codes) {
  HostTensor packed;
  packed.kind = ElementKind::U8;
  packed.shape = packedInt4Shape(codes.shape);
  packed.data.assign(size_t(packed.numElements()), 0);
  int64_t n = codes.shape.empty() ? 1 : codes.shape.back();
  int64_t stride = (n + 1) / 2;
  int64_t rows = n ? codes.numElements() / n : 0;
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t j = 0; j < n; ++j)
      packed.data[row * stride + j / 2] |=
          uint8_t((codes.data[row * n + j] & 15) << (4 * (j % 2)));
  return packed;
}

int64_t unpackInt4(const HostTensor &packed, ElementKind kind,
                   const std::vector<int64_t> &shape, HostTensor &codes) {
  codes.kind = kind;
  codes.shape = shape;
  codes.data.assign(size_t(codes.numElements()), 0);
  int64_t n = shape.empty() ? 1 : shape.back();
  int64_t stride = (n + 1) / 2;
  int64_t rows = n ? codes.numElements() / n : 0;
  int64_t badByte = -1;
  for (int64_t row = 0; row < rows; ++row) {
    for (int64_t j = 0; j < n; ++j) {
      uint8_t nibble = (packed.data[row * stride + j / 2] >> (4 * (j % 2))) & 15;
      // i4: bit 3 is the sign.
      codes.data[row * n + j] =
          kind == ElementKind::I8 ? uint8_t(int8_t(nibble << 4) >> 4) : nibble;
    }
    int64_t last = row * stride + stride - 1;
    if (n % 2 && (packed.data[last] >> 4) && badByte < 0)
      badByte = last;
  }
  return badByte;
}

} // namespace qc::runtime
