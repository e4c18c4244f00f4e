//===- Translations.cpp - qc-translate's translations ---------------------===//
#include "qc/InitAll.h"
#include "qc/Target/LLVMIR/ObjectEmission.h"

#include "mlir/InitAllTranslations.h"

#include <mutex>

void mlir::qc::registerAllTranslations() {
  // The translation registry, like the pass registry, rejects a second
  // registration of a name.
  static std::once_flag registered;
  std::call_once(registered, [] {
    mlir::registerAllTranslations();
    registerToObjectFileTranslation();
  });
}
