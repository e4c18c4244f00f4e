//===- Heap.cpp - the process heap setting compiled code runs best with ---===//
//
// The C twin of this function is the constructor in the runtime support of
// qc-compile's shared libraries (lib/Target/Artifact/SharedLibrary.cpp):
// keep the two in step.
//
//===----------------------------------------------------------------------===//
#include "qc/Runtime/Heap.h"

#include <cstdlib>
#include <cstring>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace qc::runtime {

bool keepHeapAcrossCalls() {
#ifdef __GLIBC__
  static const bool applied = [] {
    const char *tunables = std::getenv("GLIBC_TUNABLES");
    if (tunables && std::strstr(tunables, "glibc.malloc."))
      return false;
    // 32 MiB is glibc's largest mmap threshold on 64-bit hosts: buffers up
    // to it come from the heap, and 1 GiB of free heap top stays mapped.
    return mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 &&
           mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1;
  }();
  return applied;
#else
  return false;
#endif
}

} // namespace qc::runtime
