//===- VulkanBundle.cpp - host function + spirv.modules to a bundle -------===//
//
// The host side of the SPIR-V path is interpreted at compile time instead of
// being compiled: after qc-spirv-pipeline it is a straight-line list of
// buffer definitions and launches, which the Vulkan runtime replays.
//
//===----------------------------------------------------------------------===//
#include "qc/Target/SPIRV/VulkanBundle.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/SPIRV/Serialization.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using ::qc::vulkan::BufferDesc;
using ::qc::vulkan::BufferRole;
using ::qc::vulkan::Bundle;
using ::qc::vulkan::KernelDesc;
using ::qc::vulkan::StepDesc;

namespace {

class HostInterpreter {
public:
  HostInterpreter(ModuleOp module, Bundle &bundle)
      : module(module), bundle(bundle) {}

  LogicalResult run(func::FuncOp func, unsigned numInputs);

private:
  FailureOr<uint32_t> addBuffer(Operation *where, MemRefType type,
                                BufferRole role, std::string origin);
  FailureOr<uint32_t> bufferOf(Operation *user, Value memref);
  LogicalResult defineGlobal(memref::GetGlobalOp op);
  LogicalResult copy(memref::CopyOp op);
  LogicalResult launch(gpu::LaunchFuncOp op);
  FailureOr<uint32_t> kernelFor(gpu::LaunchFuncOp op);

  ModuleOp module;
  Bundle &bundle;
  llvm::DenseMap<Value, uint32_t> buffers;
  llvm::StringMap<uint32_t> kernels;
  llvm::StringMap<uint32_t> globals;
};

} // namespace

/// Bytes of a dense, identity-layout memref; failure for anything the runtime
/// cannot hold as one flat buffer.
static FailureOr<uint64_t> denseBytes(MemRefType type) {
  if (!type.hasStaticShape() || !type.getLayout().isIdentity())
    return failure();
  Type element = type.getElementType();
  if (!element.isIntOrFloat() || element.getIntOrFloatBitWidth() % 8 != 0)
    return failure();
  return static_cast<uint64_t>(type.getNumElements()) *
         (element.getIntOrFloatBitWidth() / 8);
}

static std::string typeName(Type type) {
  std::string out;
  llvm::raw_string_ostream os(out);
  type.print(os);
  return out;
}

FailureOr<uint32_t> HostInterpreter::addBuffer(Operation *where,
                                               MemRefType type,
                                               BufferRole role,
                                               std::string origin) {
  FailureOr<uint64_t> bytes = denseBytes(type);
  if (failed(bytes))
    return where->emitError("Vulkan bundle: buffer of type ")
           << type
           << " is not a static, identity-layout memref of byte-sized "
              "integers or floats";
  // Host buffers live in the default (global) memory space; anything else
  // (workgroup, private) cannot be a Vulkan storage buffer.
  if (Attribute space = type.getMemorySpace();
      space && !isa<spirv::StorageClassAttr>(space) &&
      !(isa<IntegerAttr>(space) && cast<IntegerAttr>(space).getInt() == 0))
    return where->emitError("Vulkan bundle: unsupported memory space on ")
           << type;
  BufferDesc buffer;
  buffer.role = role;
  buffer.elementType = typeName(type.getElementType());
  buffer.shape.assign(type.getShape().begin(), type.getShape().end());
  buffer.bytes = *bytes;
  buffer.origin = std::move(origin);
  bundle.buffers.push_back(std::move(buffer));
  return static_cast<uint32_t>(bundle.buffers.size() - 1);
}

FailureOr<uint32_t> HostInterpreter::bufferOf(Operation *user, Value memref) {
  auto it = buffers.find(memref);
  if (it == buffers.end())
    return user->emitError("Vulkan bundle: operand is not a buffer the host "
                           "function defines");
  return it->second;
}

LogicalResult HostInterpreter::defineGlobal(memref::GetGlobalOp op) {
  auto [it, inserted] = globals.try_emplace(op.getName(), 0);
  if (!inserted) {
    buffers[op.getResult()] = it->second;
    return success();
  }
  auto global =
      SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(op, op.getNameAttr());
  if (!global)
    return op.emitError("Vulkan bundle: unknown global ") << op.getNameAttr();
  auto initial = dyn_cast_or_null<DenseElementsAttr>(
      global.getInitialValue().value_or(Attribute()));
  BufferRole role = initial ? BufferRole::Constant : BufferRole::Intermediate;
  if (!initial && global.getInitialValue())
    return op.emitError("Vulkan bundle: global ")
           << op.getNameAttr() << " has a non-dense initial value";
  FailureOr<uint32_t> id =
      addBuffer(op, op.getType(), role, ("global @" + op.getName()).str());
  if (failed(id))
    return failure();
  if (initial) {
    BufferDesc &buffer = bundle.buffers[*id];
    unsigned width = initial.getElementType().getIntOrFloatBitWidth();
    buffer.data.reserve(buffer.bytes);
    auto append = [&](const APInt &bits) {
      for (unsigned byte = 0; byte < width / 8; ++byte)
        buffer.data.push_back(
            static_cast<uint8_t>(bits.extractBitsAsZExtValue(8, byte * 8)));
    };
    // Little-endian element bytes, splats expanded: the device buffer is
    // dense row-major.
    if (isa<IntegerType>(initial.getElementType()))
      for (const APInt &value : initial.getValues<APInt>())
        append(value);
    else
      for (const APFloat &value : initial.getValues<APFloat>())
        append(value.bitcastToAPInt());
    if (buffer.data.size() != buffer.bytes)
      return op.emitError("Vulkan bundle: initial value of ")
             << op.getNameAttr() << " does not fill the buffer";
  }
  it->second = *id;
  buffers[op.getResult()] = *id;
  return success();
}

LogicalResult HostInterpreter::copy(memref::CopyOp op) {
  auto srcType = cast<MemRefType>(op.getSource().getType());
  auto dstType = cast<MemRefType>(op.getTarget().getType());
  FailureOr<uint64_t> bytes = denseBytes(srcType);
  if (failed(bytes) || failed(denseBytes(dstType)))
    return op.emitError("Vulkan bundle: only copies between dense "
                        "identity-layout buffers are supported");
  FailureOr<uint32_t> src = bufferOf(op, op.getSource());
  FailureOr<uint32_t> dst = bufferOf(op, op.getTarget());
  if (failed(src) || failed(dst))
    return failure();
  // A view of a bigger buffer has an identity layout only when it starts at
  // offset 0, so copying its bytes from the start is exact.
  StepDesc step;
  step.kind = StepDesc::Kind::Copy;
  step.src = *src;
  step.dst = *dst;
  step.bytes = *bytes;
  bundle.steps.push_back(step);
  return success();
}

FailureOr<uint32_t> HostInterpreter::kernelFor(gpu::LaunchFuncOp op) {
  StringRef moduleName = op.getKernelModuleName().getValue();
  if (auto it = kernels.find(moduleName); it != kernels.end())
    return it->second;
  auto gpuModule = module.lookupSymbol<gpu::GPUModuleOp>(moduleName);
  auto gpuFunc = gpuModule ? gpuModule.lookupSymbol<gpu::GPUFuncOp>(
                                 op.getKernelName().getValue())
                           : nullptr;
  if (!gpuFunc)
    return op.emitError("Vulkan bundle: kernel ") << op.getKernel()
                                                   << " not found";
  // convert-gpu-to-spirv names the module it creates after the gpu.module.
  std::string spirvName = ("__spv__" + moduleName).str();
  spirv::ModuleOp spirvModule;
  module.walk([&](spirv::ModuleOp candidate) {
    if (candidate.getName() == spirvName)
      spirvModule = candidate;
  });
  if (!spirvModule)
    return op.emitError("Vulkan bundle: kernel ")
           << op.getKernel() << " was not converted to SPIR-V (no spirv.module @"
           << spirvName << ")";
  spirv::EntryPointABIAttr abi = gpuFunc->getAttrOfType<spirv::EntryPointABIAttr>(
      spirv::getEntryPointABIAttrName());
  if (!abi || !abi.getWorkgroupSize())
    return op.emitError("Vulkan bundle: kernel ")
           << op.getKernel() << " has no spirv.entry_point_abi workgroup size";
  KernelDesc kernel;
  kernel.name = moduleName.str();
  kernel.entryPoint = op.getKernelName().getValue().str();
  ArrayRef<int32_t> size = abi.getWorkgroupSize().asArrayRef();
  for (auto [i, v] : llvm::enumerate(size))
    kernel.workgroupSize[i] = static_cast<uint32_t>(v);
  kernel.numBindings = gpuFunc.getNumArguments();
  if (auto configs = module->getAttrOfType<DictionaryAttr>("qc.kernel_configs"))
    if (auto config = configs.getAs<StringAttr>(moduleName))
      kernel.config = config.str();
  // qc-spirv-texel-buffers: bindings read as uniform texel buffers.
  if (auto texels =
          spirvModule->getAttrOfType<DictionaryAttr>("qc.texel_buffers")) {
    for (NamedAttribute entry : texels) {
      unsigned binding = 0;
      auto format = dyn_cast<StringAttr>(entry.getValue());
      if (entry.getName().getValue().getAsInteger(10, binding) || !format ||
          binding >= kernel.numBindings ||
          !::qc::vulkan::texelFormatBytes(format.getValue()))
        return spirvModule.emitError("Vulkan bundle: bad qc.texel_buffers "
                                     "entry ")
               << entry.getName() << " = " << entry.getValue();
      kernel.texelBuffers.push_back({binding, format.str()});
    }
    llvm::sort(kernel.texelBuffers, [](const auto &a, const auto &b) {
      return a.binding < b.binding;
    });
  }
  if (std::optional<spirv::VerCapExtAttr> vce = spirvModule.getVceTriple())
    for (spirv::Capability cap : vce->getCapabilities())
      kernel.capabilities.push_back(spirv::stringifyCapability(cap).str());
  SmallVector<uint32_t> words;
  if (failed(spirv::serialize(spirvModule, words)))
    return spirvModule.emitError("Vulkan bundle: SPIR-V serialization failed");
  kernel.spirv.assign(words.begin(), words.end());
  bundle.kernels.push_back(std::move(kernel));
  uint32_t id = bundle.kernels.size() - 1;
  kernels[moduleName] = id;
  return id;
}

LogicalResult HostInterpreter::launch(gpu::LaunchFuncOp op) {
  if (op.getClusterSizeX() || op.getDynamicSharedMemorySize() ||
      op.getAsyncToken())
    return op.emitError("Vulkan bundle: clusters, dynamic shared memory and "
                        "async launches are not supported");
  FailureOr<uint32_t> kernel = kernelFor(op);
  if (failed(kernel))
    return failure();
  StepDesc step;
  step.kernel = *kernel;
  Value grid[] = {op.getGridSizeX(), op.getGridSizeY(), op.getGridSizeZ()};
  for (auto [i, v] : llvm::enumerate(grid)) {
    APInt value;
    if (!matchPattern(v, m_ConstantInt(&value)) || value.getSExtValue() < 1 ||
        value.getSExtValue() > std::numeric_limits<uint32_t>::max())
      return op.emitError("Vulkan bundle: grid size ")
             << i << " must be a positive constant";
    step.grid[i] = static_cast<uint32_t>(value.getSExtValue());
  }
  for (Value arg : op.getKernelOperands()) {
    if (isa<MemRefType>(arg.getType())) {
      FailureOr<uint32_t> id = bufferOf(op, arg);
      if (failed(id))
        return failure();
      step.bindings.push_back(*id);
      continue;
    }
    // Scalars become a one-element storage buffer at their binding; index is
    // 32 bits wide in the kernel (convert-gpu-to-spirv's default).
    APInt value;
    if (!matchPattern(arg, m_ConstantInt(&value)))
      return op.emitError("Vulkan bundle: scalar kernel argument of type ")
             << arg.getType() << " must be a constant";
    Type element = arg.getType().isIndex()
                       ? IntegerType::get(op.getContext(), 32)
                       : arg.getType();
    FailureOr<uint32_t> id =
        addBuffer(op, MemRefType::get({}, element), BufferRole::Constant,
                  "scalar kernel argument");
    if (failed(id))
      return failure();
    APInt bits = value.sextOrTrunc(element.getIntOrFloatBitWidth());
    for (unsigned byte = 0; byte < bits.getBitWidth() / 8; ++byte)
      bundle.buffers[*id].data.push_back(
          static_cast<uint8_t>(bits.extractBitsAsZExtValue(8, byte * 8)));
    step.bindings.push_back(*id);
  }
  bundle.steps.push_back(std::move(step));
  return success();
}

LogicalResult HostInterpreter::run(func::FuncOp func, unsigned numInputs) {
  for (auto [i, arg] : llvm::enumerate(func.getArguments())) {
    auto type = dyn_cast<MemRefType>(arg.getType());
    if (!type)
      return func.emitError("Vulkan bundle: argument ")
             << i << " of type " << arg.getType() << " is not a memref";
    bool input = i < numInputs;
    FailureOr<uint32_t> id = addBuffer(
        func, type, input ? BufferRole::Input : BufferRole::Output,
        (input ? "input " + Twine(i) : "output " + Twine(i - numInputs)).str());
    if (failed(id))
      return failure();
    bundle.buffers[*id].argIndex = input ? i : i - numInputs;
    (input ? bundle.inputs : bundle.outputs).push_back(*id);
    buffers[arg] = *id;
  }
  if (!func.getBody().hasOneBlock())
    return func.emitError("Vulkan bundle: host function must be one block");
  for (Operation &op : func.getBody().front()) {
    LogicalResult result =
        llvm::TypeSwitch<Operation *, LogicalResult>(&op)
            .Case<arith::ConstantOp, memref::DeallocOp>(
                [](Operation *) { return success(); })
            .Case<memref::AllocOp, memref::AllocaOp>([&](Operation *alloc) {
              auto type = cast<MemRefType>(alloc->getResult(0).getType());
              FailureOr<uint32_t> id =
                  addBuffer(alloc, type, BufferRole::Intermediate,
                            alloc->getName().getStringRef().str());
              if (failed(id))
                return failure();
              buffers[alloc->getResult(0)] = *id;
              return success();
            })
            .Case<memref::GetGlobalOp>(
                [&](memref::GetGlobalOp get) { return defineGlobal(get); })
            // Views alias their source: the kernel's memref type carries the
            // offset and strides relative to the base buffer it is bound to.
            .Case<memref::ViewOp>([&](memref::ViewOp view) -> LogicalResult {
              // A retyped view (i8 bytes as i32 words) of a whole buffer.
              if (!matchPattern(view.getByteShift(), m_Zero()) ||
                  !view.getSizes().empty())
                return view.emitError("Vulkan bundle: memref.view must have "
                                      "a constant zero byte shift and a "
                                      "static shape");
              FailureOr<uint32_t> id = bufferOf(view, view.getSource());
              if (failed(id))
                return failure();
              buffers[view.getResult()] = *id;
              return success();
            })
            .Case<memref::CollapseShapeOp, memref::ExpandShapeOp,
                  memref::SubViewOp, memref::CastOp>([&](Operation *view) {
              FailureOr<uint32_t> id = bufferOf(view, view->getOperand(0));
              if (failed(id))
                return failure();
              buffers[view->getResult(0)] = *id;
              return success();
            })
            .Case<memref::CopyOp>([&](memref::CopyOp c) { return copy(c); })
            .Case<gpu::LaunchFuncOp>(
                [&](gpu::LaunchFuncOp l) { return launch(l); })
            .Case<func::ReturnOp>([&](func::ReturnOp ret) -> LogicalResult {
              if (ret.getNumOperands() != 0)
                return ret.emitError("Vulkan bundle: host function must "
                                     "return its results through out-params");
              return success();
            })
            .Default([](Operation *other) {
              return other->emitError("Vulkan bundle: unsupported op '")
                     << other->getName()
                     << "' in the host function (supported: arith.constant, "
                        "memref.alloc/alloca/dealloc/get_global/copy/"
                        "collapse_shape/expand_shape/subview/cast/view, "
                        "gpu.launch_func, func.return)";
            });
    if (failed(result))
      return failure();
  }
  return success();
}

FailureOr<Bundle>
mlir::qc::buildVulkanBundle(ModuleOp lowered, StringRef entry, unsigned numInputs,
                      const mlir::qc::SPIRVPipelineOptions &options) {
  auto func = lowered.lookupSymbol<func::FuncOp>(entry);
  if (!func)
    return lowered.emitError("Vulkan bundle: no function @") << entry;
  Bundle bundle;
  bundle.entry = entry.str();
  bundle.targetEnv.version = options.effectiveVersion();
  for (const std::string &cap : options.effectiveCapabilities())
    bundle.targetEnv.capabilities.push_back(cap);
  for (const std::string &ext : options.effectiveExtensions())
    bundle.targetEnv.extensions.push_back(ext);
  bundle.targetEnv.portable = options.portable;
  HostInterpreter interpreter(lowered, bundle);
  if (failed(interpreter.run(func, numInputs)))
    return failure();
  return bundle;
}

FailureOr<Bundle>
mlir::qc::compileToVulkanBundle(ModuleOp module, StringRef entry,
                          const mlir::qc::SPIRVPipelineOptions &options) {
  auto func = module.lookupSymbol<func::FuncOp>(entry);
  if (!func)
    return module.emitError("no entry function @") << entry;
  if (func.isExternal())
    return func.emitError("entry function has no body");
  unsigned numInputs = func.getNumArguments();
  for (Type type : func.getFunctionType().getInputs())
    if (!isa<RankedTensorType>(type))
      return func.emitError("entry arguments must be ranked tensors, got ")
             << type;
  // Compile only the entry and what it references: other functions of the
  // module (other entries, tests) must not make this one fail the pipeline's
  // contract check.
  llvm::SmallPtrSet<Operation *, 8> reachable = {func};
  SmallVector<Operation *> worklist = {func};
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    op->walk([&](Operation *nested) {
      std::optional<SymbolTable::UseRange> uses =
          SymbolTable::getSymbolUses(nested);
      if (!uses)
        return;
      for (const SymbolTable::SymbolUse &use : *uses)
        if (Operation *target = SymbolTable::lookupNearestSymbolFrom(
                nested, use.getSymbolRef()))
          if (reachable.insert(target).second)
            worklist.push_back(target);
    });
  }
  for (auto other : llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
    if (!reachable.contains(other))
      other.erase();
  PassManager pm(module.getContext());
  mlir::qc::buildQCSPIRVPipeline(pm, options);
  if (failed(pm.run(module))) {
    std::string pipeline;
    llvm::raw_string_ostream os(pipeline);
    options.print(os);
    // print() wraps the options in braces; the command line takes them bare.
    StringRef bare = StringRef(pipeline).trim().drop_front().drop_back().trim();
    return module.emitError("qc-spirv-pipeline failed; reproduce with: "
                            "qc-opt --qc-spirv-pipeline=\"")
           << bare << "\" on the input";
  }
  return buildVulkanBundle(module, entry, numInputs, options);
}
