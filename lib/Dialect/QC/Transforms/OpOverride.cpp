//===- OpOverride.cpp - per-op override attributes ------------------------===//
#include "OpOverride.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::qc;

FailureOr<std::optional<OpOverride>>
OpOverride::read(Operation *op, StringRef pass, StringRef attrName,
                 ArrayRef<StringRef> keys, StringRef example) {
  Attribute attr = op->getAttr(attrName);
  if (!attr)
    return std::optional<OpOverride>();
  auto dict = dyn_cast<DictionaryAttr>(attr);
  if (!dict)
    return op->emitError() << pass << ": '" << attrName
                           << "' must be a dictionary such as " << example;
  for (NamedAttribute entry : dict) {
    StringRef key = entry.getName().strref();
    if (key == "disable" || llvm::is_contained(keys, key))
      continue;
    InFlightDiagnostic diag = op->emitError();
    diag << pass << ": unknown key '" << key << "' in '" << attrName
         << "' (expected ";
    diag << llvm::join(keys, ", ") << (keys.empty() ? "" : " or ")
         << "disable)";
    return diag;
  }
  return std::optional<OpOverride>(OpOverride(op, pass, attrName, dict));
}

InFlightDiagnostic OpOverride::kindError(StringRef key, StringRef kind) const {
  return op->emitError() << pass << ": '" << attrName << "' entry '" << key
                         << "' must be " << kind;
}

InFlightDiagnostic OpOverride::emitOptionError(StringRef key) const {
  return op->emitError() << pass << ": option '" << key << "' of '"
                         << attrName << "': ";
}

FailureOr<std::optional<int64_t>>
OpOverride::getInteger(StringRef key) const {
  Attribute value = dict.get(key);
  if (!value)
    return std::optional<int64_t>();
  auto i = dyn_cast<IntegerAttr>(value);
  std::optional<int64_t> v;
  if (i && !i.getType().isInteger(1))
    v = i.getValue().trySExtValue();
  if (!v)
    return kindError(key, "an integer");
  return v;
}

FailureOr<std::optional<double>> OpOverride::getNumber(StringRef key) const {
  Attribute value = dict.get(key);
  if (!value)
    return std::optional<double>();
  if (auto f = dyn_cast<FloatAttr>(value))
    return std::optional<double>(f.getValueAsDouble());
  if (auto i = dyn_cast<IntegerAttr>(value); i && !i.getType().isInteger(1))
    if (std::optional<int64_t> v = i.getValue().trySExtValue())
      return std::optional<double>(double(*v));
  return kindError(key, "a number");
}

FailureOr<std::optional<StringRef>>
OpOverride::getString(StringRef key) const {
  Attribute value = dict.get(key);
  if (!value)
    return std::optional<StringRef>();
  if (auto s = dyn_cast<StringAttr>(value))
    return std::optional<StringRef>(s.getValue());
  return kindError(key, "a string");
}
