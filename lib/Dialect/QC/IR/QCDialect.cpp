//===- QCDialect.cpp - qc dialect registration ----------------------------===//
#include "qc/Dialect/QC/IR/QCDialect.h"
#include "qc/Dialect/QC/IR/QCAttrs.h"
#include "qc/Dialect/QC/IR/QCOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::qc;

#include "qc/Dialect/QC/IR/QCDialect.cpp.inc"
#include "qc/Dialect/QC/IR/QCEnums.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "qc/Dialect/QC/IR/QCAttrs.cpp.inc"

void QCDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "qc/Dialect/QC/IR/QCAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "qc/Dialect/QC/IR/QC.cpp.inc"
      >();
}

/// `qc.rounding = #qc.rounding<...>` on a float op: how the integer op the
/// fold makes of it rounds ties (the average pool's divisor generic, set by
/// the ONNX importer). Other `qc.*` attributes are checked by their passes.
LogicalResult QCDialect::verifyOperationAttribute(Operation *op, NamedAttribute attribute) {
  if (attribute.getName() != "qc.rounding")
    return success();
  if (!isa<RoundingModeAttr>(attribute.getValue()))
    return op->emitOpError("attribute 'qc.rounding' must be a #qc.rounding, got ")
           << attribute.getValue();
  return success();
}
