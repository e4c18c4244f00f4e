//===- PassRegistry.cpp - anchors the generated qc pass registration ------===//
#include "qc/Dialect/QC/Transforms/Passes.h"
