//===- PassStatistics.cpp - qc's pass statistics, printable anywhere ------===//
#include "qc/Support/PassStatistics.h"

#include <atomic>
#include <map>
#include <mutex>
#include <string>

namespace {
std::atomic<bool> recording{false};
std::mutex tableMutex;
// pass argument -> statistic name -> count; std::map keeps both sorted.
std::map<std::string, std::map<std::string, uint64_t>> &table() {
  static std::map<std::string, std::map<std::string, uint64_t>> counts;
  return counts;
}
} // namespace

void mlir::qc::addStatistic(Pass &pass, Pass::Statistic &statistic,
                            llvm::StringRef name, uint64_t value) {
  statistic += value;
  if (!recording.load(std::memory_order_relaxed))
    return;
  std::lock_guard<std::mutex> lock(tableMutex);
  table()[pass.getArgument().str()][name.str()] += value;
}

void mlir::qc::enablePassStatistics() { recording = true; }

void mlir::qc::printPassStatistics(llvm::raw_ostream &os) {
  std::lock_guard<std::mutex> lock(tableMutex);
  os << "===" << std::string(73, '-') << "===\n"
     << "                        ... qc pass statistics ...\n"
     << "===" << std::string(73, '-') << "===\n";
  for (const auto &[pass, counts] : table()) {
    os << pass << "\n";
    for (const auto &[name, count] : counts)
      os << "  (S) " << count << " " << name << "\n";
  }
  table().clear();
}
