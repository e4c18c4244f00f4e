//===- OpOverride.h - per-op override attributes (private) ------*- C++ -*-===//
//
// The compression passes (--qc-prune, --qc-weight-sharing, --qc-low-rank,
// --qc-hadamard-rotate) take per-op settings from a dictionary attribute on
// the op (`qc.prune = {...}`, `qc.weight_sharing = {...}`, ...). This reads
// one such dictionary with one set of checks and one wording for every
// pass: the attribute must be a dictionary, each key one of the pass's,
// each value of the key's kind. Every error is emitted at the op, names the
// pass, the attribute and the key, and the caller fails the pass.
//
//===----------------------------------------------------------------------===//
#ifndef QC_LIB_DIALECT_QC_TRANSFORMS_OPOVERRIDE_H
#define QC_LIB_DIALECT_QC_TRANSFORMS_OPOVERRIDE_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"

#include <optional>

namespace mlir::qc {

class OpOverride {
public:
  /// Reads `attrName` of `op` for `pass`. std::nullopt: the op has no such
  /// attribute. Failure (error emitted): not a dictionary (the message shows
  /// `example`) or a key outside `keys` ("disable", a unit flag, is always
  /// allowed and need not be listed).
  static FailureOr<std::optional<OpOverride>>
  read(Operation *op, StringRef pass, StringRef attrName,
       ArrayRef<StringRef> keys, StringRef example);

  /// The settings of `op` for `pass`, on top of the pass-wide `global` (a
  /// settings struct with a `bool disabled`): `global` itself when the op has
  /// no `attrName`; otherwise a copy of it with `disabled` from the
  /// dictionary, then updated by `apply(const OpOverride &, SettingsT &)`,
  /// which returns failure after emitting its error. Failure (error
  /// emitted) as for read() or from `apply`.
  template <typename SettingsT, typename ApplyFn>
  static FailureOr<SettingsT>
  readSettings(Operation *op, StringRef pass, StringRef attrName,
               ArrayRef<StringRef> keys, StringRef example,
               const SettingsT &global, ApplyFn &&apply) {
    FailureOr<std::optional<OpOverride>> read =
        OpOverride::read(op, pass, attrName, keys, example);
    if (failed(read))
      return failure();
    SettingsT settings = global;
    if (!*read)
      return settings;
    settings.disabled = (*read)->disabled();
    if (failed(apply(static_cast<const OpOverride &>(**read), settings)))
      return failure();
    return settings;
  }

  /// Whether the dictionary has `disable`.
  bool disabled() const { return bool(dict.get("disable")); }
  bool has(StringRef key) const { return bool(dict.get(key)); }

  /// The value of `key`: std::nullopt when absent, failure (error emitted)
  /// when it has another kind. getInteger takes integers, getNumber integers
  /// or floats, getString strings.
  FailureOr<std::optional<int64_t>> getInteger(StringRef key) const;
  FailureOr<std::optional<double>> getNumber(StringRef key) const;
  FailureOr<std::optional<StringRef>> getString(StringRef key) const;

  /// An error at the op, prefixed "PASS: option 'KEY' of 'ATTR': ".
  InFlightDiagnostic emitOptionError(StringRef key) const;

  DictionaryAttr getDictionary() const { return dict; }

private:
  OpOverride(Operation *op, StringRef pass, StringRef attrName,
             DictionaryAttr dict)
      : op(op), pass(pass), attrName(attrName), dict(dict) {}
  InFlightDiagnostic kindError(StringRef key, StringRef kind) const;

  Operation *op;
  StringRef pass, attrName;
  DictionaryAttr dict;
};

} // namespace mlir::qc

#endif // QC_LIB_DIALECT_QC_TRANSFORMS_OPOVERRIDE_H
