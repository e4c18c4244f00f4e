//===- Npy.cpp - numpy .npy files to and from HostTensor ------------------===//
#include "qc/Runtime/Npy.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using llvm::StringRef;

namespace qc::runtime {

static constexpr StringRef kMagic("\x93NUMPY", 6);

static llvm::Error npyError(StringRef source, const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "'" + source + "': " + message);
}

const char *npyDescr(ElementKind kind) {
  switch (kind) {
  case ElementKind::I8:
    return "|i1";
  case ElementKind::U8:
    return "|u1";
  case ElementKind::I16:
    return "<i2";
  case ElementKind::U16:
    return "<u2";
  case ElementKind::I32:
    return "<i4";
  case ElementKind::I64:
    return "<i8";
  case ElementKind::F32:
    return "<f4";
  case ElementKind::F64:
    return "<f8";
  }
  return "";
}

std::optional<ElementKind> parseNpyDescr(StringRef descr) {
  if (descr.size() < 2)
    return std::nullopt;
  char order = descr.front();
  StringRef code = descr.drop_front();
  // One-byte types have no byte order; numpy writes '|' but accepts '<'.
  bool singleByte = code == "i1" || code == "u1";
  if (!(order == '<' || order == '=' || (order == '|' && singleByte)))
    return std::nullopt;
  return llvm::StringSwitch<std::optional<ElementKind>>(code)
      .Case("i1", ElementKind::I8)
      .Case("u1", ElementKind::U8)
      .Case("i2", ElementKind::I16)
      .Case("u2", ElementKind::U16)
      .Case("i4", ElementKind::I32)
      .Case("i8", ElementKind::I64)
      .Case("f4", ElementKind::F32)
      .Case("f8", ElementKind::F64)
      .Default(std::nullopt);
}

namespace {
/// Reads the Python dict literal numpy writes as the header, e.g.
/// {'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }.
/// Only the three keys numpy writes are understood; anything else is an
/// error rather than a guess.
class HeaderParser {
public:
  HeaderParser(StringRef text, StringRef source)
      : text(text), source(source) {}

  llvm::Error parse(std::string &descr, bool &fortranOrder,
                    std::vector<int64_t> &shape) {
    bool haveDescr = false, haveOrder = false, haveShape = false;
    skipSpace();
    if (!consume('{'))
      return error("header is not a dict");
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (llvm::Error err = parseString(key))
        return err;
      skipSpace();
      if (!consume(':'))
        return error("expected ':' after key '" + key + "'");
      skipSpace();
      if (key == "descr") {
        if (llvm::Error err = parseString(descr))
          return err;
        haveDescr = true;
      } else if (key == "fortran_order") {
        if (text.consume_front("True"))
          fortranOrder = true;
        else if (text.consume_front("False"))
          fortranOrder = false;
        else
          return error("fortran_order is neither True nor False");
        haveOrder = true;
      } else if (key == "shape") {
        if (llvm::Error err = parseShape(shape))
          return err;
        haveShape = true;
      } else {
        return error("unexpected header key '" + key + "'");
      }
      skipSpace();
      if (consume(','))
        continue;
      skipSpace();
      if (consume('}'))
        break;
      return error("malformed header dict");
    }
    if (!haveDescr || !haveOrder || !haveShape)
      return error("header lacks 'descr', 'fortran_order' or 'shape'");
    return llvm::Error::success();
  }

private:
  void skipSpace() { text = text.ltrim(" \t\n"); }
  bool consume(char c) { return text.consume_front(StringRef(&c, 1)); }
  llvm::Error error(const llvm::Twine &message) {
    return npyError(source, "malformed .npy header: " + message);
  }

  llvm::Error parseString(std::string &out) {
    if (text.empty() || (text.front() != '\'' && text.front() != '"'))
      return error("expected a quoted string");
    char quote = text.front();
    size_t end = text.find(quote, 1);
    if (end == StringRef::npos)
      return error("unterminated string");
    out = text.slice(1, end).str();
    text = text.drop_front(end + 1);
    return llvm::Error::success();
  }

  llvm::Error parseShape(std::vector<int64_t> &shape) {
    if (!consume('('))
      return error("shape is not a tuple");
    while (true) {
      skipSpace();
      if (consume(')'))
        return llvm::Error::success();
      size_t digits = 0;
      while (digits < text.size() && llvm::isDigit(text[digits]))
        ++digits;
      int64_t dim;
      if (digits == 0 || digits > 15 ||
          text.take_front(digits).getAsInteger(10, dim))
        return error("shape entry is not a non-negative integer");
      shape.push_back(dim);
      text = text.drop_front(digits);
      skipSpace();
      if (consume(','))
        continue;
      skipSpace();
      if (consume(')'))
        return llvm::Error::success();
      return error("malformed shape tuple");
    }
  }

  StringRef text;
  StringRef source;
};
} // namespace

llvm::Expected<HostTensor> parseNpy(StringRef bytes, StringRef source) {
  if (!bytes.starts_with(kMagic))
    return npyError(source, "not a .npy file (bad magic string)");
  if (bytes.size() < 10)
    return npyError(source, "truncated .npy header");
  uint8_t major = bytes[6];
  size_t headerLength, headerStart;
  if (major == 1) {
    headerLength = uint8_t(bytes[8]) | (size_t(uint8_t(bytes[9])) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return npyError(source, "truncated .npy header");
    headerLength = 0;
    for (int i = 0; i < 4; ++i)
      headerLength |= size_t(uint8_t(bytes[8 + i])) << (8 * i);
    headerStart = 12;
  } else {
    return npyError(source, "unsupported .npy format version " +
                                llvm::Twine(unsigned(major)));
  }
  if (bytes.size() < headerStart + headerLength)
    return npyError(source, "truncated .npy header");

  std::string descr;
  bool fortranOrder = false;
  HostTensor tensor;
  HeaderParser parser(bytes.substr(headerStart, headerLength), source);
  if (llvm::Error err = parser.parse(descr, fortranOrder, tensor.shape))
    return std::move(err);
  if (fortranOrder)
    return npyError(source, "fortran_order arrays are not supported; save a "
                            "C-contiguous array (numpy.ascontiguousarray)");
  std::optional<ElementKind> kind = parseNpyDescr(descr);
  if (!kind)
    return npyError(source, "unsupported dtype '" + descr +
                                "' (expected little-endian int8, uint8, "
                                "int16, uint16, int32, int64, float32 or "
                                "float64)");
  tensor.kind = *kind;

  StringRef payload = bytes.drop_front(headerStart + headerLength);
  // Guard the multiplication: a forged shape must not overflow the size.
  uint64_t expected = elementSize(tensor.kind);
  for (int64_t dim : tensor.shape) {
    if (dim != 0 && expected > (uint64_t(1) << 40) / uint64_t(dim))
      return npyError(source, "shape " + tensor.describe() + " is too large");
    expected *= uint64_t(dim);
  }
  if (payload.size() < expected)
    return npyError(source, "truncated data: " + tensor.describe() + " needs " +
                                llvm::Twine(expected) + " bytes, the file has " +
                                llvm::Twine(payload.size()));
  if (payload.size() > expected)
    return npyError(source, "trailing bytes after the data of " +
                                tensor.describe());
  tensor.data.assign(payload.bytes_begin(), payload.bytes_end());
  return tensor;
}

llvm::Expected<HostTensor> readNpyFile(StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!buffer)
    return npyError(path, "cannot read: " + buffer.getError().message());
  return parseNpy((*buffer)->getBuffer(), path);
}

std::string serializeNpy(const HostTensor &tensor) {
  std::string header = "{'descr': '";
  header += npyDescr(tensor.kind);
  header += "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < tensor.shape.size(); ++i)
    header += (i ? ", " : "") + std::to_string(tensor.shape[i]);
  // Python writes a one-element tuple as (4,).
  header += tensor.shape.size() == 1 ? ",)" : ")";
  header += ", }";
  // numpy pads with spaces so that the data starts at a multiple of 64.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';

  std::string bytes(kMagic);
  bytes += '\x01';
  bytes += '\x00';
  bytes += char(header.size() & 0xff);
  bytes += char(header.size() >> 8);
  bytes += header;
  bytes.append(reinterpret_cast<const char *>(tensor.data.data()),
               tensor.data.size());
  return bytes;
}

llvm::Error
writeNpyFiles(llvm::ArrayRef<std::pair<std::string, const HostTensor *>> files) {
  llvm::SmallVector<std::string> temporaries;
  auto removeTemporaries = [&] {
    for (const std::string &temporary : temporaries)
      llvm::sys::fs::remove(temporary);
  };
  // Renaming over a device or a directory would replace it; refuse before
  // anything is written.
  for (const auto &[path, tensor] : files) {
    llvm::sys::fs::file_status status;
    if (!llvm::sys::fs::status(path, status) &&
        llvm::sys::fs::exists(status) &&
        !llvm::sys::fs::is_regular_file(status))
      return npyError(path, "exists and is not a regular file");
  }
  for (const auto &[path, tensor] : files) {
    llvm::SmallString<128> model(path);
    model += ".tmp-%%%%%%";
    int fd;
    llvm::SmallString<128> temporary;
    if (std::error_code ec =
            llvm::sys::fs::createUniqueFile(model, fd, temporary)) {
      removeTemporaries();
      return npyError(path, "cannot create a temporary file next to it: " +
                                ec.message());
    }
    temporaries.push_back(temporary.str().str());
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << serializeNpy(*tensor);
    os.close();
    if (os.has_error()) {
      std::string message = os.error().message();
      os.clear_error();
      removeTemporaries();
      return npyError(path, "cannot write: " + message);
    }
  }
  for (size_t i = 0; i < files.size(); ++i) {
    if (std::error_code ec =
            llvm::sys::fs::rename(temporaries[i], files[i].first)) {
      // Earlier files are already in place; later ones are not written.
      removeTemporaries();
      return npyError(files[i].first, "cannot rename the temporary file "
                                      "into place: " + ec.message());
    }
  }
  return llvm::Error::success();
}

} // namespace qc::runtime
