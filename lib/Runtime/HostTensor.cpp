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

} // namespace qc::runtime
