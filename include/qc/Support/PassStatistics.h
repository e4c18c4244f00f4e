//===- PassStatistics.h - qc's pass statistics, printable anywhere -*- C++ -*-===//
//
// qc's passes declare their statistics in TableGen (`Statistic<>`), which
// `--mlir-pass-statistics` prints where LLVM keeps statistics. Debian's
// release LLVM does not: without assertions LLVM_ENABLE_STATS is 0, every
// Pass::Statistic is a no-op and libMLIR's report lists no pass. Each count
// therefore also goes to a table qc keeps itself, which
// `qc-opt --qc-pass-statistics` prints (docs/Embedding.md).
//
//===----------------------------------------------------------------------===//
#ifndef QC_SUPPORT_PASSSTATISTICS_H
#define QC_SUPPORT_PASSSTATISTICS_H

#include "mlir/Pass/Pass.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>

namespace mlir::qc {

/// Adds `value` to `statistic` and, while recording is enabled, to qc's
/// table under `pass`'s argument and `name` (the statistic's name in
/// TableGen). Thread-safe: function passes run in parallel.
void addStatistic(Pass &pass, Pass::Statistic &statistic, llvm::StringRef name,
                  uint64_t value);

/// Starts recording counts in qc's table (nothing is kept before).
void enablePassStatistics();

/// Prints the table like `--mlir-pass-statistics` (passes by argument, then
/// "(S) count name" per statistic, both sorted) and empties it.
void printPassStatistics(llvm::raw_ostream &os);

} // namespace mlir::qc

#endif // QC_SUPPORT_PASSSTATISTICS_H
