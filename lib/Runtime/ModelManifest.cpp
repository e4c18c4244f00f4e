//===- ModelManifest.cpp - what a compiled model says about itself --------===//
#include "qc/Runtime/ModelManifest.h"

#include "llvm/ADT/StringExtras.h"

namespace qc::runtime {

static std::optional<ElementKind> kindNamed(llvm::StringRef name) {
  for (ElementKind kind :
       {ElementKind::I8, ElementKind::U8, ElementKind::I16, ElementKind::U16,
        ElementKind::I32, ElementKind::I64, ElementKind::F32,
        ElementKind::F64})
    if (name == elementName(kind))
      return kind;
  return std::nullopt;
}

/// "i4", "u4", "i12": the narrow code type a spec's elements hold; empty
/// for whole-width elements.
static std::string codeText(const TensorSpec &spec) {
  if (!spec.codeBits)
    return "";
  bool isUnsigned =
      spec.kind == ElementKind::U8 || spec.kind == ElementKind::U16;
  return (isUnsigned ? "u" : "i") + std::to_string(spec.codeBits);
}

/// Parses the code type after the shape: `i<N>` for int8 (N in 2..7) and
/// int16 (9..15) data, `u<N>` for uint8/uint16.
static llvm::Error parseCodes(llvm::StringRef text, TensorSpec &spec) {
  auto bad = [&](const llvm::Twine &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "bad code type '" + text + "': " + why);
  };
  bool isUnsigned =
      spec.kind == ElementKind::U8 || spec.kind == ElementKind::U16;
  bool isSigned = spec.kind == ElementKind::I8 || spec.kind == ElementKind::I16;
  llvm::StringRef digits = text;
  bool unsignedCodes = digits.consume_front("u");
  unsigned bits = 0;
  if ((!unsignedCodes && !digits.consume_front("i")) ||
      digits.getAsInteger(10, bits))
    return bad("expected i<N> or u<N>");
  if (!(unsignedCodes ? isUnsigned : isSigned))
    return bad(llvm::Twine("not held in ") + elementName(spec.kind) + " data");
  // One code per element of the next whole-byte type: 2..7 bits in a byte,
  // 9..15 in two.
  unsigned width = 8 * elementSize(spec.kind);
  unsigned lo = width == 8 ? 2 : 9;
  if (bits < lo || bits >= width)
    return bad(llvm::Twine("codes in ") + elementName(spec.kind) + " data have " +
               llvm::Twine(lo) + ".." + llvm::Twine(width - 1) + " bits");
  spec.codeBits = bits;
  return llvm::Error::success();
}

static std::string shapeText(const std::vector<int64_t> &shape) {
  if (shape.empty())
    return "scalar";
  std::string text;
  for (auto [i, size] : llvm::enumerate(shape))
    text += (i ? "x" : "") +
            (size == kDynamicSize ? std::string("?") : std::to_string(size));
  return text;
}

std::string printManifest(const ModelManifest &manifest) {
  std::string text = "qc-model 1\n";
  if (!manifest.producer.empty())
    text += "qc " + manifest.producer + "\n";
  text += "name " + manifest.name + "\n";
  text += "target " + manifest.target + "\n";
  if (!manifest.runSymbol.empty())
    text += "run " + manifest.runSymbol + "\n";
  if (manifest.packedInt4)
    text += "packed-int4\n";
  if (!manifest.cpuFeatures.empty())
    text += "requires " + llvm::join(manifest.cpuFeatures, " ") + "\n";
  auto line = [](const char *role, const TensorSpec &spec) {
    std::string codes = codeText(spec);
    return std::string(role) + " " + elementName(spec.kind) + " " +
           shapeText(spec.shape) + (codes.empty() ? "" : " " + codes) + "\n";
  };
  for (const TensorSpec &spec : manifest.signature.inputs)
    text += line("input", spec);
  for (const TensorSpec &spec : manifest.signature.results)
    text += line("result", spec);
  return text;
}

llvm::Expected<ModelManifest> parseManifest(llvm::StringRef text) {
  ModelManifest manifest;
  llvm::SmallVector<llvm::StringRef> lines;
  text.split(lines, '\n', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  auto error = [&](size_t line, const llvm::Twine &what) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "model manifest line " +
                                       llvm::Twine(line + 1) + ": " + what);
  };
  if (lines.empty() || lines.front().trim() != "qc-model 1")
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "not a qc model manifest (it starts with 'qc-model 1')");
  for (size_t i = 1; i < lines.size(); ++i) {
    auto [key, value] = lines[i].trim().split(' ');
    value = value.trim();
    if (key == "qc") {
      manifest.producer = value.str();
    } else if (key == "name") {
      manifest.name = value.str();
      manifest.signature.name = value.str();
    } else if (key == "target") {
      manifest.target = value.str();
    } else if (key == "run") {
      manifest.runSymbol = value.str();
    } else if (key == "packed-int4" && value.empty()) {
      manifest.packedInt4 = true;
    } else if (key == "requires" && !value.empty()) {
      llvm::SmallVector<llvm::StringRef> features;
      value.split(features, ' ', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
      for (llvm::StringRef feature : features)
        manifest.cpuFeatures.push_back(feature.str());
    } else if (key == "input" || key == "result") {
      auto [type, rest] = value.split(' ');
      auto [shape, codes] = rest.split(' ');
      std::optional<ElementKind> kind = kindNamed(type);
      if (!kind)
        return error(i, "unknown element type '" + type + "'");
      TensorSpec spec;
      spec.kind = *kind;
      if (!codes.empty())
        if (llvm::Error invalid = parseCodes(codes, spec))
          return error(i, llvm::toString(std::move(invalid)));
      if (shape != "scalar") {
        llvm::SmallVector<llvm::StringRef> sizes;
        shape.split(sizes, 'x');
        for (llvm::StringRef size : sizes) {
          int64_t value = 0;
          if (size == "?")
            value = kDynamicSize;
          else if (size.getAsInteger(10, value) || value < 0)
            return error(i, "bad shape '" + shape + "'");
          spec.shape.push_back(value);
        }
      }
      (key == "input" ? manifest.signature.inputs : manifest.signature.results)
          .push_back(std::move(spec));
    } else {
      return error(i, "unknown entry '" + key + "'");
    }
  }
  if (manifest.name.empty() || manifest.target.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "model manifest without name or target");
  if (manifest.packedInt4)
    if (llvm::Error invalid = checkPackedInt4(manifest.signature))
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "model manifest: " +
                                         llvm::toString(std::move(invalid)));
  return manifest;
}

} // namespace qc::runtime
