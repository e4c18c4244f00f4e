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
  for (const TensorSpec &spec : manifest.signature.inputs)
    text += std::string("input ") + elementName(spec.kind) + " " +
            shapeText(spec.shape) + "\n";
  for (const TensorSpec &spec : manifest.signature.results)
    text += std::string("result ") + elementName(spec.kind) + " " +
            shapeText(spec.shape) + "\n";
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
    } else if (key == "input" || key == "result") {
      auto [type, shape] = value.split(' ');
      std::optional<ElementKind> kind = kindNamed(type);
      if (!kind)
        return error(i, "unknown element type '" + type + "'");
      TensorSpec spec;
      spec.kind = *kind;
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
  return manifest;
}

} // namespace qc::runtime
