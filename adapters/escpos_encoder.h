// ESC/POS rendering of a PrintableReceipt for 80 mm thermal printers.
//
// Output bytes, in order (docs/peripherals.md lists every command with its bytes):
//   ESC @                      initialise
//   ESC t 16                   code page WPC1252; all text is Windows-1252
//   [copy / demo marker]       centred, bold
//   header                     centred; shop name bold at GS ! 0x11 (double width and
//                              height, so columns / 2 characters per row), then address
//                              lines and the till name at normal size
//   receipt number, date-time, cashier, then the lines, receipt discount,
//   TOTAL (bold, GS ! 0x01 double height), payments, change, the tax table,
//   footer (centred), fiscal lines, QR code (centred, GS ( k), [copy / demo marker],
//   ESC d n feed, GS V cut.
//
// Layout invariants:
// - every text row is at most `columns` characters (at most columns / 2 while GS ! 0x11
//   is in effect) and ends with LF; long text is word-wrapped, over-long words are split;
// - style commands (ESC a, ESC E, GS !) are sent only at the start of a row, before its
//   first character, and every row after a styled block returns to left / plain / size 0;
// - text never contains control bytes: C0 controls and DEL become '?', TAB a space.
//
// Text is converted from UTF-8 to Windows-1252 (ä ö ü ß € …); code points without a
// Windows-1252 byte and malformed UTF-8 become '?'. The QR payload is sent unconverted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/printable_receipt.h"

namespace pos {

enum class QrErrorCorrection : uint8_t { kL = 48, kM = 49, kQ = 50, kH = 51 };

// Fixed words printed on the receipt; replace them for another language.
struct EscPosLabels {
  std::string copy = "*** COPY ***";
  std::string demo = "DEMO - NOT A FISCAL RECEIPT";
  std::string receipt = "Receipt";
  std::string cashier = "Cashier";
  std::string voided = "VOIDED";
  std::string line_discount = "Discount";
  std::string receipt_discount = "Receipt discount";
  std::string total = "TOTAL";
  std::string change = "Change";
  std::string cash = "Cash";
  std::string card = "Card";
  std::string voucher = "Voucher";
  // Tax table column titles.
  std::string tax_code = "Tax";
  std::string tax_rate = "Rate";
  std::string net = "Net";
  std::string tax = "Tax";
  std::string gross = "Gross";
};

struct EscPosOptions {
  // Characters per row in font A: 42 (72 mm print width at 512 dots) or 48 (576 dots).
  // Values outside [24, 64] are clamped into it.
  int columns = 42;
  // QR module size in dots, 1..16 (clamped).
  int qr_module_size = 6;
  QrErrorCorrection qr_error_correction = QrErrorCorrection::kM;
  // Lines fed (ESC d n) before the cut so the last row clears the cutter, 0..255 (clamped).
  int feed_lines_before_cut = 4;
  bool partial_cut = true;  // GS V 1 (partial) or GS V 0 (full)
  EscPosLabels labels;
};

// The largest QR payload printed as a QR code: the byte-mode capacity of a version 40
// symbol at the given error correction level (L 2953, M 2331, Q 1663, H 1273 bytes).
// A longer payload is printed as wrapped text after a "QR payload too long" row instead.
size_t MaxQrPayload(QrErrorCorrection level);

// The complete print job for one receipt.
std::string RenderEscPos(const PrintableReceipt& receipt, const EscPosOptions& options);

// ESC p m t1 t2: pulse the cash drawer connector. pin 0 = connector pin 2 (m = 0),
// pin 1 = connector pin 5 (m = 1); any other value selects pin 0. Pulse 50 ms on
// (t1 = 25), 500 ms off (t2 = 250).
std::string CashDrawerKick(int pin = 0);

// UTF-8 to Windows-1252, one byte per code point; unmappable code points and each byte
// of malformed UTF-8 become '?'. Control characters are kept (callers sanitise).
std::string Utf8ToWindows1252(std::string_view utf8);

}  // namespace pos
