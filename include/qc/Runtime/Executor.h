//===- Executor.h - the interface of qc-run's execution targets -*- C++ -*-===//
//
// qc-run reads the entry function's tensor signature from the input IR,
// checks the .npy inputs against it and hands them to an Executor for the
// chosen target (cpu: JIT through the MLIR ExecutionEngine; vulkan: added by
// the Vulkan runtime). A target implements `createXExecutor` returning an
// Executor and gets a branch in qc-run's target switch.
//
//===----------------------------------------------------------------------===//
#ifndef QC_RUNTIME_EXECUTOR_H
#define QC_RUNTIME_EXECUTOR_H

#include "qc/Runtime/HostTensor.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace qc::runtime {

/// A dimension whose size is known only when the function is called. qc
/// allows it as the leading (batch) dimension: every dynamic dimension of a
/// signature is the same batch size.
inline constexpr int64_t kDynamicSize = -1;

/// The element kind and shape of one argument or result.
struct TensorSpec {
  ElementKind kind = ElementKind::F32;
  std::vector<int64_t> shape;
  /// The width N of the narrow integer codes the elements hold (2..7 in
  /// int8/uint8 data, 9..15 in int16/uint16; an i4 or u4 tensor is one code
  /// per element), 0 for whole-width elements.
  unsigned codeBits = 0;

  /// "int8[2x3]", "float32[?x10]", as HostTensor::describe.
  std::string describe() const;
  bool isDynamic() const;
  /// The shape with the batch size for the dynamic dimension.
  std::vector<int64_t> resolve(int64_t batch) const;
};

/// What a caller passes to and gets back from an entry function.
struct EntrySignature {
  std::string name;
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> results;

  /// Whether any argument or result has a dynamic (batch) dimension.
  bool isDynamic() const;
};

/// The batch size `inputs` (already checked by checkInputs) give a dynamic
/// signature: the leading size of the first dynamic argument; 1 for a static
/// signature.
int64_t batchOf(const EntrySignature &signature,
                llvm::ArrayRef<HostTensor> inputs);

/// The element kind of `type`, a tensor/memref element type:
/// !quant.uniform<i8/u8/i16/u16/i32 storage>, iN/uiN (N = 8, 16, 32, 64;
/// signless counts as signed), f32, f64; narrow integer codes (storage or
/// iN/uiN of 2..7 bits, 9..15 bits) as the int8/uint8 (int16/uint16) kind
/// holding one code per element, with N in `codeBits`. None for anything
/// else.
std::optional<ElementKind> elementKindOf(mlir::Type elementType,
                                         unsigned *codeBits = nullptr);

/// Whether function `entry` of `module` has narrow-code (i4/u4/...)
/// arguments or results, judged from its own types without diagnostics (a
/// tool may run a signature readEntrySignature would reject). False when
/// there is no such function.
bool entryTakesNarrowCodes(mlir::ModuleOp module, llvm::StringRef entry);

/// Reads the signature of function `entry` in `module` (an empty `entry`
/// picks the only public function). A func.func's own types are used unless
/// qc-record-entry-abi recorded the original ones, which is the only way to
/// know the signature of an llvm.func. Emits a diagnostic on the function
/// (or module) and fails for missing functions and unsupported types
/// (dynamic dimensions other than the leading one, i4, index, ...).
mlir::FailureOr<EntrySignature> readEntrySignature(mlir::ModuleOp module,
                                                   llvm::StringRef entry);

/// Checks `inputs` against the signature; `sources` names each input (its
/// file) in the error. The error names the argument's position and file. A
/// dynamic dimension takes any size >= 1, the same in every argument. Every
/// narrow code must be in its N-bit range (the error names the element's
/// index and value).
llvm::Error checkInputs(const EntrySignature &signature,
                        llvm::ArrayRef<HostTensor> inputs,
                        llvm::ArrayRef<std::string> sources);

/// Narrow codes as compiled code holds them (docs/Numerics.md, "Storage of
/// narrow types"): an unsigned N-bit code sign-extended from bit N-1 (a u4
/// 9 is the byte 0xF9). Returns `inputs` itself when no argument is
/// unsigned narrow, else copies kept in `scratch`.
llvm::ArrayRef<HostTensor> toNarrowStorage(const EntrySignature &signature,
                                           llvm::ArrayRef<HostTensor> inputs,
                                           std::vector<HostTensor> &scratch);

/// The inverse for results: unsigned N-bit codes masked to their N bits,
/// signed ones sign-extended from bit N-1.
void fromNarrowStorage(const EntrySignature &signature,
                       std::vector<HostTensor> &results);

/// Packed int4 at the boundary (docs/Numerics.md, "Packed int4 at the
/// boundary"): with the explicit opt-in (`--packed-int4`, the C API's
/// QC_EXCHANGE_PACKED_INT4, `qc.compile(..., packed_int4=True)`, a manifest's
/// `packed-int4`), every i4/u4 argument and result is exchanged two codes per
/// byte as a uint8 tensor whose last dimension is ceil(n / 2) (low nibble
/// first; qc/Runtime/HostTensor.h). Other arguments and results, other
/// narrow widths included, are exchanged as without it.
bool isPackedInt4(const TensorSpec &spec);

/// The spec of the packed form of a 4-bit spec: uint8, the last dimension
/// ceil(n / 2), no code bits.
TensorSpec packedInt4Spec(const TensorSpec &spec);

/// "uint8[3x3] (u4[3x5] packed two per byte)": what a packed argument or
/// result is, for messages.
std::string describePackedInt4(const TensorSpec &spec);

/// Fails with the reason unless `signature` can be exchanged packed: it has
/// at least one i4/u4 argument or result, each of rank >= 1 with a static
/// last dimension (n cannot be told from ceil(n / 2)).
llvm::Error checkPackedInt4(const EntrySignature &signature);

/// Unpacks the packed i4/u4 inputs into one code per element (signed codes
/// sign-extended, unsigned ones 0..15); the other inputs are copied as they
/// are. The error names the argument and its source, the packed dtype and
/// shape expected and what was given, or the byte whose unused high nibble
/// (odd last dimension) is not 0. With the wrong number of inputs, returns
/// them as they are (checkInputs reports that).
llvm::Expected<std::vector<HostTensor>>
unpackInt4Inputs(const EntrySignature &signature,
                 llvm::ArrayRef<HostTensor> inputs,
                 llvm::ArrayRef<std::string> sources);

/// Packs the i4/u4 results (codes, as fromNarrowStorage leaves them) two per
/// byte.
void packInt4Results(const EntrySignature &signature,
                     std::vector<HostTensor> &results);

/// A target's compilation pipeline failed. Its diagnostics went to the
/// module's context; this error carries the qc-opt command line that
/// reproduces the failure on the input file, so that callers which keep
/// diagnostics apart (the C API) can report both.
class PipelineError : public llvm::ErrorInfo<PipelineError> {
public:
  static char ID;
  PipelineError(std::string what, std::string reproducer)
      : what(std::move(what)), reproducer(std::move(reproducer)) {}
  /// "<what> (diagnostics above); reproduce with:\n  <reproducer>".
  void log(llvm::raw_ostream &os) const override;
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }
  const std::string &getWhat() const { return what; }
  const std::string &getReproducer() const { return reproducer; }

private:
  std::string what;
  std::string reproducer;
};

/// Wall-clock time of each run of the entry function.
struct Timing {
  std::vector<double> seconds;
  double min() const;
  double median() const;
};

/// A compiled entry function ready to run on one target.
class Executor {
public:
  virtual ~Executor();
  /// Runs the entry function `repeat` (>= 1) times on `inputs` (already
  /// checked against the signature) and returns the results of the last
  /// run. Each run's time goes to `timing`; copying data in and out is not
  /// timed.
  virtual llvm::Expected<std::vector<HostTensor>>
  run(llvm::ArrayRef<HostTensor> inputs, int repeat, Timing &timing) = 0;
};

} // namespace qc::runtime

#endif // QC_RUNTIME_EXECUTOR_H
