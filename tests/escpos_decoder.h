// A strict ESC/POS decoder for tests: turns printer bytes back into rows and commands,
// so tests assert on what a printer would do instead of on raw bytes.
//
// Understood: LF, ESC @, ESC t n, ESC a n, ESC E n, ESC d n, ESC p m t1 t2, GS ! n,
// GS V m [n], and GS ( k for QR codes (cn 49, fn 65 67 69 80 81). Anything else after
// ESC or GS, any other control byte, a truncated command, a text byte above 0x7F before
// ESC t 16, a byte Windows-1252 leaves undefined, a command other than ESC d in the
// middle of a row and a row without a final LF are decode errors (Corruption, naming
// the byte offset), so garbage in the output fails the test.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace pos::testing {

struct EscPosToken {
  enum class Kind {
    kText,               // one printed row; data = the row in UTF-8, without the LF
    kInit,               // ESC @
    kCodePage,           // ESC t n; value = n
    kAlign,              // ESC a n; value = 0 left, 1 centre, 2 right
    kBold,               // ESC E n; value = 0 or 1
    kSize,               // GS ! n; value = n (bits 4-6 width - 1, bits 0-2 height - 1)
    kFeed,               // ESC d n; value = n
    kCut,                // GS V; value = 0 full, 1 partial
    kDrawerKick,         // ESC p m t1 t2; value = pin (0 or 1)
    kQrModel,            // GS ( k fn 65; value = 1 or 2
    kQrModuleSize,       // GS ( k fn 67; value = dots
    kQrErrorCorrection,  // GS ( k fn 69; value = 48 (L) .. 51 (H)
    kQrStore,            // GS ( k fn 80; data = the payload bytes as sent
    kQrPrint,            // GS ( k fn 81
  };
  Kind kind = Kind::kText;
  int value = 0;
  std::string data;
  // kText only: the style in effect for the row.
  int align = 0;
  bool bold = false;
  int size = 0;

  std::string ToString() const;  // "text(\"TOTAL ...\")", "align(1)", "qr_store(300 bytes)"
};

Result<std::vector<EscPosToken>> DecodeEscPos(std::string_view bytes);

// The data of every kText token, in order.
std::vector<std::string> TextRows(const std::vector<EscPosToken>& tokens);

// Number of Unicode code points in UTF-8 text (continuation bytes are not counted).
size_t Utf8Length(std::string_view utf8);

}  // namespace pos::testing
