//===- Heap.h - the process heap setting compiled code runs best with -*- C++ -*-===//
//
// Compiled code mallocs its intermediate tensors on every call and frees them
// before it returns. With glibc's defaults the large ones are mmap'ed and
// unmapped (or the heap top is trimmed) on every call, so each call
// page-faults its activations in again (docs/CPUKernels.md, "The heap
// between calls"). Every way of running compiled code (qc-run, the C API's
// JIT and loader, so Python's qc.compile and qc.load, and the runtime
// support linked into qc-compile's shared libraries) keeps freed memory in
// the heap instead, as ONNX Runtime's arena does.
//
//===----------------------------------------------------------------------===//
#ifndef QC_RUNTIME_HEAP_H
#define QC_RUNTIME_HEAP_H

namespace qc::runtime {

/// Raises glibc's mmap threshold to its maximum (32 MiB) and the trim
/// threshold to 1 GiB, once per process; later calls do nothing. Leaves the
/// heap alone when GLIBC_TUNABLES sets a glibc.malloc tunable (the user's
/// own choice wins) and on C libraries other than glibc. Returns whether the
/// setting is in effect.
bool keepHeapAcrossCalls();

} // namespace qc::runtime

#endif // QC_RUNTIME_HEAP_H
