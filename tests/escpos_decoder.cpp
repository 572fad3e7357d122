#include "tests/escpos_decoder.h"

#include <array>
#include <cstdint>

namespace pos::testing {
namespace {

constexpr unsigned char kEsc = 0x1B;
constexpr unsigned char kGs = 0x1D;
constexpr unsigned char kLf = 0x0A;

// Code points of Windows-1252 bytes 0x80..0x9F; 0 where the code page defines none.
constexpr std::array<uint16_t, 32> kHighControls = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,  // 80..87
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,       // 88..8F
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 90..97
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,  // 98..9F
};

void AppendUtf8(std::string& out, uint32_t cp) {
  auto byte = [&](uint32_t v) { out += static_cast<char>(static_cast<unsigned char>(v)); };
  if (cp < 0x80) {
    byte(cp);
  } else if (cp < 0x800) {
    byte(0xC0 | (cp >> 6));
    byte(0x80 | (cp & 0x3F));
  } else {
    byte(0xE0 | (cp >> 12));
    byte(0x80 | ((cp >> 6) & 0x3F));
    byte(0x80 | (cp & 0x3F));
  }
}

std::string Hex(unsigned value) {
  static const char* digits = "0123456789ABCDEF";
  return std::string("0x") + digits[(value >> 4) & 0xF] + digits[value & 0xF];
}

class Decoder {
 public:
  explicit Decoder(std::string_view bytes) : bytes_(bytes) {}

  Result<std::vector<EscPosToken>> Run() {
    while (pos_ < bytes_.size()) {
      const unsigned char b = At(pos_);
      if (b == kLf) {
        EndRow();
        ++pos_;
      } else if (b == kEsc || b == kGs) {
        POS_RETURN_IF_ERROR(b == kEsc ? Esc() : Gs());
      } else if (b < 0x20 || b == 0x7F) {
        return Error(pos_, "unexpected control byte " + Hex(b));
      } else {
        POS_RETURN_IF_ERROR(TextByte(b));
        ++pos_;
      }
    }
    if (!row_.empty()) return Error(bytes_.size(), "the last row has no LF: \"" + row_ + "\"");
    return std::move(tokens_);
  }

 private:
  unsigned char At(size_t i) const { return static_cast<unsigned char>(bytes_[i]); }

  static Status Error(size_t offset, const std::string& what) {
    return Status::Corruption("ESC/POS offset " + std::to_string(offset) + ": " + what);
  }

  // Ensures `count` bytes from the command start are present.
  Status Need(size_t start, size_t count, const char* name) const {
    if (start + count > bytes_.size()) return Error(start, std::string("truncated ") + name);
    return Status::Ok();
  }

  Status NotMidRow(size_t start, const char* name) const {
    if (!row_.empty()) return Error(start, std::string(name) + " in the middle of the row \"" + row_ + "\"");
    return Status::Ok();
  }

  void Push(EscPosToken::Kind kind, int value, std::string data = {}) {
    EscPosToken t;
    t.kind = kind;
    t.value = value;
    t.data = std::move(data);
    tokens_.push_back(std::move(t));
  }

  void EndRow() {
    EscPosToken t;
    t.kind = EscPosToken::Kind::kText;
    t.data = std::move(row_);
    t.align = align_;
    t.bold = bold_;
    t.size = size_;
    tokens_.push_back(std::move(t));
    row_.clear();
  }

  Status TextByte(unsigned char b) {
    if (b < 0x80) {
      row_ += static_cast<char>(b);
      return Status::Ok();
    }
    if (code_page_ != 16) {
      return Error(pos_, "text byte " + Hex(b) + " while code page " + std::to_string(code_page_) +
                             " is selected (expected ESC t 16 first)");
    }
    uint32_t cp = b;
    if (b < 0xA0) {
      cp = kHighControls[b - 0x80];
      if (cp == 0) return Error(pos_, "byte " + Hex(b) + " is undefined in Windows-1252");
    }
    AppendUtf8(row_, cp);
    return Status::Ok();
  }

  Status Esc() {
    const size_t start = pos_;
    POS_RETURN_IF_ERROR(Need(start, 2, "ESC command"));
    const unsigned char c = At(start + 1);
    switch (c) {
      case '@':
        POS_RETURN_IF_ERROR(NotMidRow(start, "ESC @"));
        align_ = 0, bold_ = false, size_ = 0, code_page_ = 0;
        Push(EscPosToken::Kind::kInit, 0);
        pos_ += 2;
        return Status::Ok();
      case 't':
      case 'a':
      case 'E':
      case 'd': {
        POS_RETURN_IF_ERROR(Need(start, 3, "ESC command"));
        const unsigned char n = At(start + 2);
        pos_ += 3;
        if (c == 'd') {
          if (!row_.empty()) EndRow();
          Push(EscPosToken::Kind::kFeed, n);
          return Status::Ok();
        }
        POS_RETURN_IF_ERROR(NotMidRow(start, c == 't' ? "ESC t" : c == 'a' ? "ESC a" : "ESC E"));
        if (c == 't') {
          code_page_ = n;
          Push(EscPosToken::Kind::kCodePage, n);
        } else if (c == 'a') {
          if (n > 2 && (n < 48 || n > 50)) return Error(start, "ESC a with bad alignment " + Hex(n));
          align_ = n % 48;
          Push(EscPosToken::Kind::kAlign, align_);
        } else {
          bold_ = (n & 1) != 0;
          Push(EscPosToken::Kind::kBold, bold_ ? 1 : 0);
        }
        return Status::Ok();
      }
      case 'p': {
        POS_RETURN_IF_ERROR(Need(start, 5, "ESC p"));
        const unsigned char m = At(start + 2);
        if (m != 0 && m != 1 && m != 48 && m != 49) return Error(start, "ESC p with bad pin " + Hex(m));
        Push(EscPosToken::Kind::kDrawerKick, m & 1);
        pos_ += 5;
        return Status::Ok();
      }
      default:
        return Error(start, "unknown command ESC " + Hex(c));
    }
  }

  Status Gs() {
    const size_t start = pos_;
    POS_RETURN_IF_ERROR(Need(start, 2, "GS command"));
    const unsigned char c = At(start + 1);
    switch (c) {
      case '!':
        POS_RETURN_IF_ERROR(Need(start, 3, "GS !"));
        POS_RETURN_IF_ERROR(NotMidRow(start, "GS !"));
        size_ = At(start + 2);
        Push(EscPosToken::Kind::kSize, size_);
        pos_ += 3;
        return Status::Ok();
      case 'V': {
        POS_RETURN_IF_ERROR(Need(start, 3, "GS V"));
        POS_RETURN_IF_ERROR(NotMidRow(start, "GS V"));
        const unsigned char m = At(start + 2);
        if (m == 0 || m == 1 || m == 48 || m == 49) {
          Push(EscPosToken::Kind::kCut, m & 1);
          pos_ += 3;
        } else if (m == 65 || m == 66) {
          POS_RETURN_IF_ERROR(Need(start, 4, "GS V"));
          Push(EscPosToken::Kind::kCut, m - 65);
          pos_ += 4;
        } else {
          return Error(start, "GS V with bad mode " + Hex(m));
        }
        return Status::Ok();
      }
      case '(':
        return Symbol(start);
      default:
        return Error(start, "unknown command GS " + Hex(c));
    }
  }

  // GS ( k pL pH cn fn parameters; pL + 256 pH counts cn, fn and the parameters.
  Status Symbol(size_t start) {
    POS_RETURN_IF_ERROR(Need(start, 5, "GS ( command"));
    if (At(start + 2) != 'k') return Error(start, "unknown command GS ( " + Hex(At(start + 2)));
    const size_t length = At(start + 3) + 256u * At(start + 4);
    if (length < 2) return Error(start, "GS ( k with length " + std::to_string(length));
    POS_RETURN_IF_ERROR(Need(start, 5 + length, "GS ( k (length from pL pH)"));
    POS_RETURN_IF_ERROR(NotMidRow(start, "GS ( k"));
    const unsigned char cn = At(start + 5);
    const unsigned char fn = At(start + 6);
    const std::string_view params = bytes_.substr(start + 7, length - 2);
    if (cn != 49) return Error(start, "GS ( k for symbol type cn " + Hex(cn) + ", not QR (0x31)");
    auto param = [&](size_t i) { return static_cast<unsigned char>(params[i]); };
    auto expect = [&](size_t count) -> Status {
      if (params.size() != count) {
        return Error(start, "GS ( k fn " + std::to_string(fn) + " with " + std::to_string(params.size()) +
                                " parameter bytes, expected " + std::to_string(count));
      }
      return Status::Ok();
    };
    switch (fn) {
      case 65:
        POS_RETURN_IF_ERROR(expect(2));
        if (param(0) != 49 && param(0) != 50) return Error(start, "QR model " + Hex(param(0)));
        Push(EscPosToken::Kind::kQrModel, param(0) - 48);
        break;
      case 67:
        POS_RETURN_IF_ERROR(expect(1));
        if (param(0) < 1 || param(0) > 16) return Error(start, "QR module size " + std::to_string(param(0)));
        Push(EscPosToken::Kind::kQrModuleSize, param(0));
        break;
      case 69:
        POS_RETURN_IF_ERROR(expect(1));
        if (param(0) < 48 || param(0) > 51) return Error(start, "QR error correction " + Hex(param(0)));
        Push(EscPosToken::Kind::kQrErrorCorrection, param(0));
        break;
      case 80:
        if (params.size() < 2 || param(0) != 48) return Error(start, "QR store without m = 48 and data");
        Push(EscPosToken::Kind::kQrStore, 0, std::string(params.substr(1)));
        break;
      case 81:
        POS_RETURN_IF_ERROR(expect(1));
        if (param(0) != 48) return Error(start, "QR print with m " + Hex(param(0)));
        Push(EscPosToken::Kind::kQrPrint, 0);
        break;
      default:
        return Error(start, "unknown QR function fn " + std::to_string(fn));
    }
    pos_ = start + 5 + length;
    return Status::Ok();
  }

  std::string_view bytes_;
  size_t pos_ = 0;
  std::vector<EscPosToken> tokens_;
  std::string row_;
  int align_ = 0;
  bool bold_ = false;
  int size_ = 0;
  int code_page_ = 0;
};

}  // namespace

std::string EscPosToken::ToString() const {
  auto with = [&](const char* name) { return std::string(name) + "(" + std::to_string(value) + ")"; };
  switch (kind) {
    case Kind::kText: return "text(\"" + data + "\")";
    case Kind::kInit: return "init";
    case Kind::kCodePage: return with("codepage");
    case Kind::kAlign: return with("align");
    case Kind::kBold: return with("bold");
    case Kind::kSize: return with("size");
    case Kind::kFeed: return with("feed");
    case Kind::kCut: return with("cut");
    case Kind::kDrawerKick: return with("drawer_kick");
    case Kind::kQrModel: return with("qr_model");
    case Kind::kQrModuleSize: return with("qr_module_size");
    case Kind::kQrErrorCorrection: return with("qr_error_correction");
    case Kind::kQrStore: return "qr_store(" + std::to_string(data.size()) + " bytes)";
    case Kind::kQrPrint: return "qr_print";
  }
  return "?";
}

Result<std::vector<EscPosToken>> DecodeEscPos(std::string_view bytes) { return Decoder(bytes).Run(); }

std::vector<std::string> TextRows(const std::vector<EscPosToken>& tokens) {
  std::vector<std::string> rows;
  for (const auto& t : tokens) {
    if (t.kind == EscPosToken::Kind::kText) rows.push_back(t.data);
  }
  return rows;
}

size_t Utf8Length(std::string_view utf8) {
  size_t count = 0;
  for (char c : utf8) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

}  // namespace pos::testing
