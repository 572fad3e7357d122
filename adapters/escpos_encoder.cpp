#include "adapters/escpos_encoder.h"

#include <algorithm>
#include <array>
#include <vector>

#include "domain/money.h"

namespace pos {
namespace {

constexpr char kEsc = '\x1B';
constexpr char kGs = '\x1D';
constexpr char kLf = '\n';

constexpr uint8_t kCodePageWpc1252 = 16;
constexpr uint8_t kSizeNormal = 0x00;
constexpr uint8_t kSizeDoubleHeight = 0x01;
constexpr uint8_t kSizeDoubleBoth = 0x11;  // double width and double height
constexpr uint8_t kAlignLeft = 0;
constexpr uint8_t kAlignCentre = 1;

// The Windows-1252 byte for a code point in U+0100.., 0 when there is none.
// Bytes 0x80..0x9F are the only ones whose code points are not U+0080..U+009F.
char Windows1252Special(uint32_t cp) {
  switch (cp) {
    case 0x20AC: return '\x80';
    case 0x201A: return '\x82';
    case 0x0192: return '\x83';
    case 0x201E: return '\x84';
    case 0x2026: return '\x85';
    case 0x2020: return '\x86';
    case 0x2021: return '\x87';
    case 0x02C6: return '\x88';
    case 0x2030: return '\x89';
    case 0x0160: return '\x8A';
    case 0x2039: return '\x8B';
    case 0x0152: return '\x8C';
    case 0x017D: return '\x8E';
    case 0x2018: return '\x91';
    case 0x2019: return '\x92';
    case 0x201C: return '\x93';
    case 0x201D: return '\x94';
    case 0x2022: return '\x95';
    case 0x2013: return '\x96';
    case 0x2014: return '\x97';
    case 0x02DC: return '\x98';
    case 0x2122: return '\x99';
    case 0x0161: return '\x9A';
    case 0x203A: return '\x9B';
    case 0x0153: return '\x9C';
    case 0x017E: return '\x9E';
    case 0x0178: return '\x9F';
    default: return '\0';
  }
}

char Byte(unsigned value) { return static_cast<char>(static_cast<unsigned char>(value)); }

// Converts and removes control bytes, so text can never be read as a command.
std::string PrintableText(std::string_view utf8) {
  std::string text = Utf8ToWindows1252(utf8);
  for (char& c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (b == '\t') {
      c = ' ';
    } else if (b < 0x20 || b == 0x7F) {
      c = '?';
    }
  }
  return text;
}

std::string Money(int64_t minor_units) { return FormatMoney(minor_units); }

void TrimRight(std::string& s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
}

// Word wrap into rows of at most `width` bytes (one byte per character in
// Windows-1252). Words longer than a row are split. Empty text gives one empty row.
std::vector<std::string> Wrap(const std::string& text, size_t width) {
  std::vector<std::string> rows;
  size_t pos = 0;
  const size_t n = text.size();
  if (n == 0) return {std::string()};
  while (pos < n) {
    if (n - pos <= width) {
      rows.push_back(text.substr(pos));
      break;
    }
    const size_t space = text.rfind(' ', pos + width);
    size_t next;
    if (space == std::string::npos || space <= pos) {
      rows.push_back(text.substr(pos, width));
      next = pos + width;
    } else {
      rows.push_back(text.substr(pos, space - pos));
      next = space + 1;
    }
    while (next < n && text[next] == ' ') ++next;
    pos = next;
  }
  for (auto& row : rows) TrimRight(row);
  return rows;
}

// `left` at the start and `right` flush with the end of a row of `width`. When both do
// not fit in one row, `left` is wrapped and `right` goes on the last row if it fits
// there, else on a row of its own.
std::vector<std::string> LeftRight(const std::string& left, const std::string& right, size_t width) {
  if (left.size() + 1 + right.size() <= width) {
    return {left + std::string(width - left.size() - right.size(), ' ') + right};
  }
  std::vector<std::string> rows = left.empty() ? std::vector<std::string>{} : Wrap(left, width);
  if (!rows.empty() && rows.back().size() + 1 + right.size() <= width) {
    std::string& last = rows.back();
    last += std::string(width - last.size() - right.size(), ' ') + right;
    return rows;
  }
  for (auto& part : Wrap(right, width)) {
    rows.push_back(std::string(width - part.size(), ' ') + part);
  }
  return rows;
}

std::string PadLeft(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}
std::string PadRight(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

class EscPosWriter {
 public:
  explicit EscPosWriter(size_t columns) : columns_(columns) {}

  size_t columns() const { return columns_; }
  std::string& bytes() { return out_; }

  void Init() { Command({kEsc, '@'}); }
  void CodePage(uint8_t n) { Command({kEsc, 't', Byte(n)}); }
  void Align(uint8_t n) { Command({kEsc, 'a', Byte(n)}); }
  void Bold(bool on) { Command({kEsc, 'E', Byte(on ? 1 : 0)}); }
  void Size(uint8_t n) { Command({kGs, '!', Byte(n)}); }
  void Feed(uint8_t lines) { Command({kEsc, 'd', Byte(lines)}); }
  void Cut(bool partial) { Command({kGs, 'V', Byte(partial ? 1 : 0)}); }

  // One row of already converted text; the caller guarantees its width.
  void Row(const std::string& text) {
    out_ += text;
    out_ += kLf;
  }
  void Rows(const std::vector<std::string>& rows) {
    for (const auto& row : rows) Row(row);
  }
  void Wrapped(const std::string& text, size_t width) { Rows(Wrap(text, width)); }
  void Wrapped(const std::string& text) { Wrapped(text, columns_); }
  void LeftRightRow(const std::string& left, const std::string& right) {
    Rows(LeftRight(left, right, columns_));
  }
  void Separator() { Row(std::string(columns_, '-')); }

  // GS ( k pL pH cn fn [parameters]: cn = 49 (QR), pL pH = size of cn fn parameters.
  void QrFunction(char fn, std::string_view parameters) {
    const size_t length = parameters.size() + 2;
    out_ += kGs;
    out_ += '(';
    out_ += 'k';
    out_ += Byte(length & 0xFF);
    out_ += Byte((length >> 8) & 0xFF);
    out_ += '1';
    out_ += fn;
    out_ += parameters;
  }

 private:
  void Command(std::initializer_list<char> bytes) { out_.append(bytes.begin(), bytes.end()); }

  size_t columns_;
  std::string out_;
};

void Markers(EscPosWriter& w, const PrintableReceipt& r, const EscPosLabels& labels) {
  if (!r.is_copy && !r.is_demo) return;
  w.Align(kAlignCentre);
  w.Bold(true);
  if (r.is_copy) w.Wrapped(PrintableText(labels.copy));
  if (r.is_demo) w.Wrapped(PrintableText(labels.demo));
  w.Bold(false);
  w.Align(kAlignLeft);
}

void Header(EscPosWriter& w, const PrintableReceipt& r, const EscPosLabels& labels) {
  w.Align(kAlignCentre);
  if (!r.shop_name.empty()) {
    w.Bold(true);
    w.Size(kSizeDoubleBoth);
    w.Wrapped(PrintableText(r.shop_name), w.columns() / 2);
    w.Size(kSizeNormal);
    w.Bold(false);
  }
  for (const auto& line : r.address_lines) w.Wrapped(PrintableText(line));
  if (!r.till_name.empty()) w.Wrapped(PrintableText(r.till_name));
  w.Align(kAlignLeft);
  w.Row("");
  w.LeftRightRow(PrintableText(labels.receipt) + " " + std::to_string(r.number), PrintableText(r.date_time));
  if (!r.cashier.empty()) w.Wrapped(PrintableText(labels.cashier) + ": " + PrintableText(r.cashier));
}

void Lines(EscPosWriter& w, const PrintableReceipt& r, const EscPosLabels& labels) {
  w.Separator();
  for (const auto& line : r.lines) {
    std::string right = Money(line.amount);
    if (!line.tax_rate.empty()) right += " " + PrintableText(line.tax_rate);
    w.LeftRightRow(PrintableText(line.name), right);
    if (line.quantity != 1) {
      w.Wrapped("  " + std::to_string(line.quantity) + " x " + Money(line.unit_price));
    }
    if (line.discount.has_value() && *line.discount != 0) {
      w.LeftRightRow("  " + PrintableText(labels.line_discount), Money(-*line.discount));
    }
    if (line.voided) w.Wrapped("  *** " + PrintableText(labels.voided) + " ***");
  }
  w.Separator();
}

std::string PaymentLabel(const std::string& type, const EscPosLabels& labels) {
  if (type == "cash") return PrintableText(labels.cash);
  if (type == "card") return PrintableText(labels.card);
  if (type == "voucher") return PrintableText(labels.voucher);
  return PrintableText(type);
}

void Totals(EscPosWriter& w, const PrintableReceipt& r, const EscPosLabels& labels) {
  if (r.receipt_discount != 0) {
    w.LeftRightRow(PrintableText(labels.receipt_discount), Money(-r.receipt_discount));
  }
  std::string total = Money(r.total);
  if (!r.currency.empty()) total += " " + PrintableText(r.currency);
  w.Bold(true);
  w.Size(kSizeDoubleHeight);  // double height keeps the row width
  w.LeftRightRow(PrintableText(labels.total), total);
  w.Size(kSizeNormal);
  w.Bold(false);
  for (const auto& payment : r.payments) {
    w.LeftRightRow(PaymentLabel(payment.type, labels), Money(payment.amount));
  }
  if (r.change_given != 0) w.LeftRightRow(PrintableText(labels.change), Money(r.change_given));
}

// The tax table: columns code | rate | net | tax | gross. The code column is 4 wide, each
// amount column (columns - 12) / 3, the rate column the rest. A cell keeps at least one
// space to its left neighbour; when any cell does not fit, every tax line is printed as
// a "code rate%" row followed by net, tax and gross rows instead.
void TaxTable(EscPosWriter& w, const PrintableReceipt& r, const EscPosLabels& labels) {
  if (r.tax_lines.empty()) return;
  const size_t code_w = 4;
  const size_t amount_w = (w.columns() - 12) / 3;
  const size_t rate_w = w.columns() - code_w - 3 * amount_w;
  const std::array<size_t, 5> widths = {code_w, rate_w, amount_w, amount_w, amount_w};

  using Cells = std::array<std::string, 5>;
  std::vector<Cells> table;
  table.push_back({PrintableText(labels.tax_code), PrintableText(labels.tax_rate), PrintableText(labels.net),
                   PrintableText(labels.tax), PrintableText(labels.gross)});
  for (const auto& t : r.tax_lines) {
    table.push_back({PrintableText(t.code), PrintableText(t.rate) + "%", Money(t.net), Money(t.tax), Money(t.gross)});
  }
  const bool fits = std::all_of(table.begin(), table.end(), [&](const Cells& cells) {
    for (size_t i = 0; i < cells.size(); ++i) {
      if (cells[i].size() + 1 > widths[i]) return false;
    }
    return true;
  });

  w.Separator();
  if (fits) {
    for (const auto& cells : table) {
      std::string row = PadRight(cells[0], widths[0]);
      for (size_t i = 1; i < cells.size(); ++i) row += PadLeft(cells[i], widths[i]);
      TrimRight(row);
      w.Row(row);
    }
    return;
  }
  for (const auto& t : r.tax_lines) {
    w.Wrapped(PrintableText(labels.tax_code) + " " + PrintableText(t.code) + " " + PrintableText(t.rate) + "%");
    w.LeftRightRow("  " + PrintableText(labels.net), Money(t.net));
    w.LeftRightRow("  " + PrintableText(labels.tax), Money(t.tax));
    w.LeftRightRow("  " + PrintableText(labels.gross), Money(t.gross));
  }
}

void Qr(EscPosWriter& w, const std::string& payload, const EscPosOptions& options) {
  if (payload.empty()) return;
  if (payload.size() > MaxQrPayload(options.qr_error_correction)) {
    w.Wrapped("QR payload too long (" + std::to_string(payload.size()) + " bytes):");
    w.Wrapped(PrintableText(payload));
    return;
  }
  w.Align(kAlignCentre);
  const int module = std::clamp(options.qr_module_size, 1, 16);
  w.QrFunction('A', std::string{'2', '\0'});  // fn 165: model 2
  w.QrFunction('C', std::string(1, Byte(static_cast<unsigned>(module))));  // fn 167: module size
  w.QrFunction('E', std::string(1, Byte(static_cast<unsigned>(options.qr_error_correction))));  // fn 169
  w.QrFunction('P', "0" + payload);  // fn 180: store, m = 48
  w.QrFunction('Q', "0");            // fn 181: print, m = 48
  w.Row("");
  w.Align(kAlignLeft);
}

}  // namespace

size_t MaxQrPayload(QrErrorCorrection level) {
  switch (level) {
    case QrErrorCorrection::kL: return 2953;
    case QrErrorCorrection::kM: return 2331;
    case QrErrorCorrection::kQ: return 1663;
    case QrErrorCorrection::kH: return 1273;
  }
  return 1273;
}

std::string RenderEscPos(const PrintableReceipt& receipt, const EscPosOptions& options) {
  EscPosWriter w(static_cast<size_t>(std::clamp(options.columns, 24, 64)));
  const EscPosLabels& labels = options.labels;
  w.Init();
  w.CodePage(kCodePageWpc1252);
  Markers(w, receipt, labels);
  Header(w, receipt, labels);
  Lines(w, receipt, labels);
  Totals(w, receipt, labels);
  TaxTable(w, receipt, labels);
  if (!receipt.footer_lines.empty()) {
    w.Row("");
    w.Align(kAlignCentre);
    for (const auto& line : receipt.footer_lines) w.Wrapped(PrintableText(line));
    w.Align(kAlignLeft);
  }
  if (!receipt.fiscal_lines.empty()) {
    w.Row("");
    for (const auto& line : receipt.fiscal_lines) w.Wrapped(PrintableText(line));
  }
  Qr(w, receipt.qr_payload, options);
  Markers(w, receipt, labels);
  w.Feed(static_cast<uint8_t>(std::clamp(options.feed_lines_before_cut, 0, 255)));
  w.Cut(options.partial_cut);
  return std::move(w.bytes());
}

std::string CashDrawerKick(int pin) {
  return std::string{kEsc, 'p', Byte(pin == 1 ? 1 : 0), Byte(25), Byte(250)};
}

std::string Utf8ToWindows1252(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  size_t i = 0;
  const size_t n = utf8.size();
  while (i < n) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    if (lead < 0x80) {
      out += static_cast<char>(lead);
      ++i;
      continue;
    }
    size_t extra;
    uint32_t cp;
    uint32_t min;
    if ((lead & 0xE0) == 0xC0) {
      extra = 1, cp = lead & 0x1Fu, min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2, cp = lead & 0x0Fu, min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3, cp = lead & 0x07u, min = 0x10000;
    } else {
      out += '?';
      ++i;
      continue;
    }
    bool valid = i + extra < n;
    for (size_t k = 1; valid && k <= extra; ++k) {
      const auto b = static_cast<unsigned char>(utf8[i + k]);
      if ((b & 0xC0) != 0x80) {
        valid = false;
      } else {
        cp = (cp << 6) | (b & 0x3Fu);
      }
    }
    if (valid && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) valid = false;
    if (!valid) {
      out += '?';
      ++i;
      continue;
    }
    i += extra + 1;
    if (cp >= 0xA0 && cp <= 0xFF) {
      out += Byte(cp);
    } else if (const char special = Windows1252Special(cp); special != '\0') {
      out += special;
    } else {
      out += '?';
    }
  }
  return out;
}

}  // namespace pos
