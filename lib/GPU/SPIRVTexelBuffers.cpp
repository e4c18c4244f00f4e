//===- SPIRVTexelBuffers.cpp - read-only operands as uniform texel buffers -===//
//
// On lavapipe (llvmpipe) a storage-buffer load whose address depends on the
// invocation is a loop over the subgroup's lanes with a branch per lane and
// per 64-bit component, while a texel fetch from a uniform texel buffer is a
// branch-free gather (docs/SPIRV.md, "uniform texel buffers"). This pass
// rewrites each read-only storage buffer of a tiled contraction kernel (the
// modules qc-spirv-contraction-kernels recorded in `qc.kernel_configs`) into
// a uniform texel buffer of 32-bit unsigned texels: every `spirv.Load` of an
// array element becomes `spirv.ImageFetch`es of the texels it covers. The
// descriptor binding stays; the spirv.module records the binding's format in
// `qc.texel_buffers`, which the Vulkan bundle copies into the manifest.
//
//===----------------------------------------------------------------------===//
#include "qc/GPU/Passes.h"

#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVTypes.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::qc {
#define GEN_PASS_DEF_QCSPIRVTEXELBUFFERS
#include "qc/GPU/Passes.h.inc"
} // namespace mlir::qc

using namespace mlir;

namespace {

/// How an array element maps to texels: `fetches` texels of `texelWords`
/// 32-bit words each, in the format named `format` (the manifest's name).
struct TexelLayout {
  unsigned texelWords = 0, fetches = 0;
  StringRef format;
};

/// Element types the contraction kernels load whole: 32-bit words, 16-byte
/// quads and 32-byte loads. Anything else (bytes, i16) stays a storage
/// buffer.
static std::optional<TexelLayout> layoutOf(Type element) {
  if (element.isInteger(32))
    return TexelLayout{1, 1, "r32_uint"};
  auto vector = dyn_cast<VectorType>(element);
  if (!vector || vector.getRank() != 1)
    return std::nullopt;
  Type scalar = vector.getElementType();
  int64_t n = vector.getNumElements();
  if (scalar.isInteger(32) && n == 2)
    return TexelLayout{2, 1, "r32g32_uint"};
  if (scalar.isInteger(32) && n == 4)
    return TexelLayout{4, 1, "r32g32b32a32_uint"};
  if (scalar.isInteger(64) && n == 2)
    return TexelLayout{4, 1, "r32g32b32a32_uint"};
  if (scalar.isInteger(64) && n == 4)
    return TexelLayout{4, 2, "r32g32b32a32_uint"};
  return std::nullopt;
}

/// The loads of a variable that only loads elements of its one array
/// (addressof -> access chain [0, i] -> load); empty if it is anything else.
static SmallVector<spirv::LoadOp>
elementLoads(spirv::GlobalVariableOp var,
             ArrayRef<spirv::AddressOfOp> addresses) {
  SmallVector<spirv::LoadOp> loads;
  for (spirv::AddressOfOp address : addresses)
    for (Operation *user : address->getUsers()) {
      auto chain = dyn_cast<spirv::AccessChainOp>(user);
      if (!chain || chain.getBasePtr() != address.getPointer() ||
          chain.getIndices().size() != 2)
        return {};
      for (Operation *chainUser : chain->getUsers()) {
        auto load = dyn_cast<spirv::LoadOp>(chainUser);
        if (!load)
          return {};
        loads.push_back(load);
      }
    }
  return loads;
}

struct QCSPIRVTexelBuffersPass final
    : qc::impl::QCSPIRVTexelBuffersBase<QCSPIRVTexelBuffersPass> {
  using QCSPIRVTexelBuffersBase::QCSPIRVTexelBuffersBase;

  void runOnOperation() override {
    ModuleOp top = getOperation();
    auto configs = top->getAttrOfType<DictionaryAttr>("qc.kernel_configs");
    if (!configs)
      return;
    top.walk([&](spirv::ModuleOp module) {
      // convert-gpu-to-spirv names the module after the gpu.module.
      StringRef name = module.getName().value_or("");
      if (!name.consume_front("__spv__") || !configs.get(name))
        return;
      rewriteModule(module);
    });
  }

  void rewriteModule(spirv::ModuleOp module) {
    MLIRContext *ctx = &getContext();
    // A target env without SampledBuffer (explicit `caps`) keeps storage
    // buffers.
    spirv::TargetEnvAttr env = spirv::lookupTargetEnv(module);
    if (!env || !spirv::TargetEnv(env).allows(spirv::Capability::SampledBuffer))
      return;
    DenseMap<StringRef, SmallVector<spirv::AddressOfOp>> addresses;
    module.walk([&](spirv::AddressOfOp op) {
      addresses[op.getVariable()].push_back(op);
    });
    SmallVector<NamedAttribute> formats;
    for (auto var : llvm::make_early_inc_range(
             module.getOps<spirv::GlobalVariableOp>())) {
      auto pointer = dyn_cast<spirv::PointerType>(var.getType());
      if (!pointer ||
          pointer.getStorageClass() != spirv::StorageClass::StorageBuffer ||
          !var.getBinding() || !var.getDescriptorSet())
        continue;
      auto block = dyn_cast<spirv::StructType>(pointer.getPointeeType());
      if (!block || block.getNumElements() != 1)
        continue;
      auto array = dyn_cast<spirv::ArrayType>(block.getElementType(0));
      if (!array)
        continue;
      Type element = array.getElementType();
      std::optional<TexelLayout> layout = layoutOf(element);
      if (!layout)
        continue;
      unsigned elementBytes = layout->texelWords * 4 * layout->fetches;
      if (array.getArrayStride() != elementBytes)
        continue;
      // The runtime views the whole bound buffer; the array is what the
      // kernel reads of it, checked here against the device's limit.
      int64_t texels = int64_t(array.getNumElements()) * layout->fetches;
      if (texels > maxTexelBufferElements)
        continue;
      SmallVector<spirv::AddressOfOp> uses = addresses.lookup(var.getSymName());
      SmallVector<spirv::LoadOp> loads = elementLoads(var, uses);
      if (loads.empty())
        continue;

      auto i32 = IntegerType::get(ctx, 32);
      auto imageType = spirv::ImageType::get(
          i32, spirv::Dim::Buffer, spirv::ImageDepthInfo::NoDepth,
          spirv::ImageArrayedInfo::NonArrayed,
          spirv::ImageSamplingInfo::SingleSampled,
          spirv::ImageSamplerUseInfo::NeedSampler, spirv::ImageFormat::Unknown);
      auto imagePointer = spirv::PointerType::get(
          imageType, spirv::StorageClass::UniformConstant);
      OpBuilder builder(var);
      auto texelVar = spirv::GlobalVariableOp::create(
          builder, var.getLoc(), TypeAttr::get(imagePointer),
          builder.getStringAttr(var.getSymName() + "_texels"),
          /*initializer=*/nullptr);
      texelVar.setDescriptorSetAttr(var.getDescriptorSetAttr());
      texelVar.setBindingAttr(var.getBindingAttr());
      auto texelType = VectorType::get({4}, i32);
      SmallVector<spirv::AddressOfOp> texelAddresses;
      for (spirv::LoadOp load : loads) {
        auto chain = load.getPtr().getDefiningOp<spirv::AccessChainOp>();
        builder.setInsertionPoint(load);
        Location loc = load.getLoc();
        auto address = spirv::AddressOfOp::create(builder, loc, texelVar);
        texelAddresses.push_back(address);
        Value image = spirv::LoadOp::create(builder, loc, address);
        Value index = chain.getIndices()[1];
        Value first = index;
        if (layout->fetches > 1)
          first = spirv::IMulOp::create(
              builder, loc, index,
              spirv::ConstantOp::create(
                  builder, loc, index.getType(),
                  builder.getIntegerAttr(index.getType(), layout->fetches)));
        SmallVector<Value> parts;
        for (unsigned f = 0; f < layout->fetches; ++f) {
          Value at = first;
          if (f > 0)
            at = spirv::IAddOp::create(
                builder, loc, first,
                spirv::ConstantOp::create(
                    builder, loc, index.getType(),
                    builder.getIntegerAttr(index.getType(), f)));
          parts.push_back(spirv::ImageFetchOp::create(
              builder, loc, texelType, image, at,
              /*image_operands=*/nullptr, ValueRange()));
        }
        Value value;
        auto vector = dyn_cast<VectorType>(element);
        if (element.isInteger(32)) {
          value = spirv::CompositeExtractOp::create(builder, loc, parts[0],
                                                    ArrayRef<int32_t>{0});
        } else if (vector.getElementType().isInteger(32) &&
                   vector.getNumElements() == 2) {
          value = spirv::VectorShuffleOp::create(
              builder, loc, element, parts[0], parts[0],
              builder.getI32ArrayAttr({0, 1}));
        } else if (vector.getElementType().isInteger(32)) {
          value = parts[0];
        } else {
          // 64-bit components: each texel holds two, little-endian words.
          auto pair = VectorType::get({2}, vector.getElementType());
          SmallVector<Value> halves;
          for (Value part : parts)
            halves.push_back(spirv::BitcastOp::create(builder, loc, pair, part));
          value = halves.size() == 1
                      ? halves[0]
                      : spirv::CompositeConstructOp::create(builder, loc,
                                                            element, halves)
                            .getResult();
        }
        load.replaceAllUsesWith(value);
        load.erase();
        if (chain->use_empty())
          chain.erase();
      }
      for (spirv::AddressOfOp address : uses)
        if (address->use_empty())
          address.erase();
      formats.push_back(builder.getNamedAttr(
          std::to_string(*var.getBinding()), builder.getStringAttr(layout->format)));
      // The entry point's interface (SPIR-V 1.4+ lists every global) names
      // the variable: the new one takes over its name.
      StringAttr name = var.getSymNameAttr();
      var.erase();
      texelVar.setSymName(name);
      for (spirv::AddressOfOp address : texelAddresses)
        address.setVariableAttr(FlatSymbolRefAttr::get(name));
    }
    if (!formats.empty())
      module->setAttr("qc.texel_buffers", DictionaryAttr::get(ctx, formats));
  }
};

} // namespace
