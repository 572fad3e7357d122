// Peripheral adapters: ESC/POS receipts (checked through tests/escpos_decoder.h), the
// cash drawer kick, byte sinks (file, TCP) and the 2 x 20 customer display.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "adapters/customer_display.h"
#include "adapters/device_sinks.h"
#include "adapters/escpos_encoder.h"
#include "adapters/printable_receipt.h"
#include "tests/escpos_decoder.h"
#include "tests/test_support.h"

namespace pos {
namespace {

using testing::DecodeEscPos;
using testing::EscPosToken;
using testing::TextRows;
using testing::Utf8Length;
using Kind = EscPosToken::Kind;

PrintableReceipt SampleReceipt() {
  PrintableReceipt r;
  r.shop_name = "Corner Shop";
  r.address_lines = {"Main Street 1", "12345 Springfield"};
  r.till_name = "Till 1";
  r.number = 42;
  r.date_time = "2024-05-17 14:03";
  r.cashier = "Anna";
  r.lines = {
      {"Cola 0.5l", 2, 120, 240, "A", std::nullopt, false},
      {"Bread", 1, 350, 300, "B", 50, false},
      {"Chewing gum", 1, 99, 0, "A", std::nullopt, true},
  };
  r.receipt_discount = 6;
  r.tax_lines = {{"A", "19.00", 197, 37, 234}, {"B", "7.00", 280, 20, 300}};
  r.total = 534;
  r.payments = {{"cash", 1000}, {"card", 0}};
  r.change_given = 466;
  r.footer_lines = {"Thank you for shopping with us"};
  r.currency = "EUR";
  return r;
}

std::vector<EscPosToken> Decode(const std::string& bytes) {
  auto tokens = DecodeEscPos(bytes);
  EXPECT_TRUE(tokens.ok()) << tokens.status().ToString();
  return tokens.ok() ? *tokens : std::vector<EscPosToken>{};
}

std::vector<EscPosToken> Render(const PrintableReceipt& r, const EscPosOptions& options = {}) {
  return Decode(RenderEscPos(r, options));
}

// The first text row containing `needle`, or nullptr.
const EscPosToken* Row(const std::vector<EscPosToken>& tokens, std::string_view needle) {
  for (const auto& t : tokens) {
    if (t.kind == Kind::kText && t.data.find(needle) != std::string::npos) return &t;
  }
  return nullptr;
}

// The first text row starting with `prefix`, or nullptr.
const EscPosToken* RowStarting(const std::vector<EscPosToken>& tokens, std::string_view prefix) {
  for (const auto& t : tokens) {
    if (t.kind == Kind::kText && t.data.rfind(prefix, 0) == 0) return &t;
  }
  return nullptr;
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<const EscPosToken*> OfKind(const std::vector<EscPosToken>& tokens, Kind kind) {
  std::vector<const EscPosToken*> found;
  for (const auto& t : tokens) {
    if (t.kind == kind) found.push_back(&t);
  }
  return found;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(EscPosTest, ReceiptShowsHeaderLinesTaxesTotalPaymentsAndChange) {
  const auto tokens = Render(SampleReceipt());
  ASSERT_GE(tokens.size(), 4u);
  EXPECT_EQ(tokens[0].kind, Kind::kInit);
  EXPECT_EQ(tokens[1].kind, Kind::kCodePage);
  EXPECT_EQ(tokens[1].value, 16);
  EXPECT_EQ(tokens[tokens.size() - 2].kind, Kind::kFeed);
  EXPECT_EQ(tokens.back().kind, Kind::kCut);

  const EscPosToken* shop = Row(tokens, "Corner Shop");
  ASSERT_NE(shop, nullptr);
  EXPECT_EQ(shop->data, "Corner Shop");
  EXPECT_TRUE(shop->bold);
  EXPECT_EQ(shop->size, 0x11);
  EXPECT_EQ(shop->align, 1);
  for (const char* header : {"Main Street 1", "12345 Springfield", "Till 1"}) {
    const EscPosToken* row = Row(tokens, header);
    ASSERT_NE(row, nullptr) << header;
    EXPECT_EQ(row->align, 1) << header;
    EXPECT_EQ(row->size, 0) << header;
  }
  const EscPosToken* number = Row(tokens, "Receipt 42");
  ASSERT_NE(number, nullptr);
  EXPECT_TRUE(EndsWith(number->data, "2024-05-17 14:03"));
  EXPECT_NE(Row(tokens, "Cashier: Anna"), nullptr);

  const EscPosToken* cola = Row(tokens, "Cola 0.5l");
  ASSERT_NE(cola, nullptr);
  EXPECT_TRUE(EndsWith(cola->data, " 2.40 A")) << cola->data;
  EXPECT_EQ(cola->align, 0);
  EXPECT_NE(Row(tokens, "  2 x 1.20"), nullptr);
  const EscPosToken* bread = Row(tokens, "Bread");
  ASSERT_NE(bread, nullptr);
  EXPECT_TRUE(EndsWith(bread->data, " 3.00 B")) << bread->data;
  const EscPosToken* line_discount = Row(tokens, "  Discount");
  ASSERT_NE(line_discount, nullptr);
  EXPECT_TRUE(EndsWith(line_discount->data, " -0.50"));
  const EscPosToken* gum = Row(tokens, "Chewing gum");
  ASSERT_NE(gum, nullptr);
  EXPECT_TRUE(EndsWith(gum->data, " 0.00 A"));
  EXPECT_NE(Row(tokens, "*** VOIDED ***"), nullptr);
  const EscPosToken* receipt_discount = Row(tokens, "Receipt discount");
  ASSERT_NE(receipt_discount, nullptr);
  EXPECT_TRUE(EndsWith(receipt_discount->data, " -0.06"));

  const EscPosToken* total = RowStarting(tokens, "TOTAL ");
  ASSERT_NE(total, nullptr);
  EXPECT_TRUE(EndsWith(total->data, " 5.34 EUR")) << total->data;
  EXPECT_TRUE(total->bold);
  EXPECT_EQ(total->size, 0x01);
  const EscPosToken* cash = RowStarting(tokens, "Cash ");
  ASSERT_NE(cash, nullptr);
  EXPECT_TRUE(EndsWith(cash->data, " 10.00"));
  const EscPosToken* card = RowStarting(tokens, "Card ");
  ASSERT_NE(card, nullptr);
  EXPECT_TRUE(EndsWith(card->data, " 0.00"));
  const EscPosToken* change = RowStarting(tokens, "Change ");
  ASSERT_NE(change, nullptr);
  EXPECT_TRUE(EndsWith(change->data, " 4.66"));

  // The tax table: code | rate | net | tax | gross, 4 + 8 + 3 x 10 columns at 42.
  const EscPosToken* heading = Row(tokens, "Rate");
  ASSERT_NE(heading, nullptr);
  EXPECT_EQ(heading->data, "Tax     Rate       Net       Tax     Gross");
  const EscPosToken* tax_a = Row(tokens, "19.00%");
  ASSERT_NE(tax_a, nullptr);
  EXPECT_EQ(tax_a->data, "A     19.00%      1.97      0.37      2.34");
  const EscPosToken* tax_b = Row(tokens, "7.00%");
  ASSERT_NE(tax_b, nullptr);
  EXPECT_EQ(tax_b->data, "B      7.00%      2.80      0.20      3.00");

  const EscPosToken* footer = Row(tokens, "Thank you");
  ASSERT_NE(footer, nullptr);
  EXPECT_EQ(footer->align, 1);
  EXPECT_TRUE(OfKind(tokens, Kind::kQrStore).empty()) << "no QR without a payload";
  EXPECT_EQ(Row(tokens, "COPY"), nullptr);
  EXPECT_EQ(Row(tokens, "DEMO"), nullptr);
}

void ExpectQrRoundTrip(const std::string& payload) {
  PrintableReceipt r = SampleReceipt();
  r.qr_payload = payload;
  r.fiscal_lines = {"TSE serial: 0123abcd", "Signature counter: 17"};
  EscPosOptions options;
  options.qr_module_size = 5;
  options.qr_error_correction = QrErrorCorrection::kQ;
  const std::string bytes = RenderEscPos(r, options);
  const auto tokens = Decode(bytes);

  std::vector<Kind> qr_kinds;
  for (const auto& t : tokens) {
    if (t.kind >= Kind::kQrModel) qr_kinds.push_back(t.kind);
  }
  EXPECT_EQ(qr_kinds, (std::vector<Kind>{Kind::kQrModel, Kind::kQrModuleSize, Kind::kQrErrorCorrection,
                                         Kind::kQrStore, Kind::kQrPrint}));
  EXPECT_EQ(OfKind(tokens, Kind::kQrModel).at(0)->value, 2);
  EXPECT_EQ(OfKind(tokens, Kind::kQrModuleSize).at(0)->value, 5);
  EXPECT_EQ(OfKind(tokens, Kind::kQrErrorCorrection).at(0)->value, 50);
  const auto stores = OfKind(tokens, Kind::kQrStore);
  ASSERT_EQ(stores.size(), 1u);
  EXPECT_EQ(stores[0]->data, payload);

  // pL pH = payload + 3 (cn, fn, m), little endian.
  const size_t length = payload.size() + 3;
  const std::string store_header = std::string("\x1D(k") + static_cast<char>(length & 0xFF) +
                                   static_cast<char>(length >> 8) + "1P0";
  EXPECT_NE(bytes.find(store_header + payload), std::string::npos);
  EXPECT_NE(Row(tokens, "Signature counter: 17"), nullptr);
}

TEST(EscPosTest, QrPayloadRoundTripsExactly) {
  ExpectQrRoundTrip("V0;till-1;Kassenbeleg-V1;Beleg^5.34_0.00_0.00_0.00_0.00^5.34:Bar;17;42;2024-05-17T14:03:00");
}

TEST(EscPosTest, QrPayloadOver255BytesUsesHighLengthByte) {
  std::string payload;
  for (int i = 0; i < 300; ++i) payload += static_cast<char>(static_cast<unsigned char>(i % 256));
  ASSERT_EQ(payload.size(), 300u);  // every byte value, including LF, ESC and GS
  ExpectQrRoundTrip(payload);
}

TEST(EscPosTest, TooLongQrPayloadIsPrintedAsText) {
  PrintableReceipt r = SampleReceipt();
  r.qr_payload = std::string(MaxQrPayload(QrErrorCorrection::kM) + 1, 'x');
  const auto tokens = Render(r);
  EXPECT_TRUE(OfKind(tokens, Kind::kQrStore).empty());
  EXPECT_NE(Row(tokens, "QR payload too long (2332 bytes)"), nullptr);
}

TEST(EscPosTest, CopyIsMarkedAtTopAndBottom) {
  PrintableReceipt r = SampleReceipt();
  r.is_copy = true;
  const auto rows = TextRows(Render(r));
  ASSERT_GE(rows.size(), 2u);
  EXPECT_EQ(rows.front(), "*** COPY ***");
  EXPECT_EQ(rows.back(), "*** COPY ***");

  EscPosOptions german;
  german.labels.copy = "*** KOPIE ***";
  const auto german_rows = TextRows(Render(r, german));
  EXPECT_EQ(german_rows.front(), "*** KOPIE ***");
  EXPECT_EQ(german_rows.back(), "*** KOPIE ***");
}

TEST(EscPosTest, DemoReceiptIsMarkedAtTopAndBottom) {
  PrintableReceipt r = SampleReceipt();
  r.is_demo = true;
  const auto tokens = Render(r);
  const auto rows = TextRows(tokens);
  ASSERT_GE(rows.size(), 2u);
  EXPECT_EQ(rows.front(), "DEMO - NOT A FISCAL RECEIPT");
  EXPECT_EQ(rows.back(), "DEMO - NOT A FISCAL RECEIPT");
  EXPECT_TRUE(Row(tokens, "DEMO")->bold);
}

TEST(EscPosTest, UmlautsRoundTripThroughWindows1252) {
  PrintableReceipt r = SampleReceipt();
  r.shop_name = "Bäckerei Müller";
  r.lines = {{"Größe ÄÖÜ äöü ß", 1, 199, 199, "A", std::nullopt, false}};
  r.footer_lines = {"Danke – “bis bald” € 5"};
  r.cashier = "Jürgen 日本 ✓";
  const std::string bytes = RenderEscPos(r, {});
  EXPECT_NE(bytes.find("B\xE4" "ckerei M\xFC" "ller"), std::string::npos);
  EXPECT_NE(bytes.find("Gr\xF6\xDF" "e \xC4\xD6\xDC \xE4\xF6\xFC \xDF"), std::string::npos);
  const auto tokens = Decode(bytes);
  EXPECT_NE(Row(tokens, "Bäckerei Müller"), nullptr);
  EXPECT_NE(Row(tokens, "Größe ÄÖÜ äöü ß"), nullptr);
  EXPECT_NE(Row(tokens, "Danke – “bis bald” € 5"), nullptr);
  EXPECT_NE(Row(tokens, "Cashier: Jürgen ?? ?"), nullptr) << "unmappable characters become '?'";

  EXPECT_EQ(Utf8ToWindows1252("€ŠŽšžŸœŒ…"), "\x80\x8A\x8E\x9A\x9E\x9F\x9C\x8C\x85");
  EXPECT_EQ(Utf8ToWindows1252("a\xC3(b\xFF" "c\xE2\x82"), "a?(b?c??") << "malformed UTF-8 byte by byte";
  EXPECT_EQ(Utf8ToWindows1252("\xC0\xAF"), "??") << "overlong encodings are malformed";
}

TEST(EscPosTest, ControlCharactersInTextCannotInjectCommands) {
  PrintableReceipt r = SampleReceipt();
  r.lines = {{"Evil\x1B@\x1DV\x01\nname\ttab", 1, 100, 100, "A", std::nullopt, false}};
  const auto tokens = Render(r);
  EXPECT_NE(Row(tokens, "Evil?@?V??name tab"), nullptr);
  EXPECT_EQ(OfKind(tokens, Kind::kInit).size(), 1u);
  EXPECT_EQ(OfKind(tokens, Kind::kCut).size(), 1u);
}

TEST(EscPosTest, RowsNeverExceedTheConfiguredWidth) {
  PrintableReceipt r = SampleReceipt();
  r.shop_name = "The Very Long Named Bäckerei und Konditorei am Marktplatz";
  r.address_lines = {std::string(130, 'x'), "Kurze Straße 5"};
  r.lines.push_back({"An article with a really long name that needs more than one row to be printed", 12345,
                     99999999, 1234567887654, "A", 123456789, false});
  r.lines.push_back({std::string(200, 'W'), -3, 250, -750, "B", std::nullopt, false});
  r.tax_lines.push_back({"C", "19.00", 100000000000000, 19000000000000, 119000000000000});
  r.total = 999999999999999;
  r.currency = "EUR";
  r.fiscal_lines = {"TSE signature: " + std::string(180, 'Q'), "Start: 2024-05-17T14:03:00.000Z"};
  r.footer_lines = {"Thank you for your visit, we hope to see you again soon at the Bäckerei"};
  r.is_copy = true;
  r.is_demo = true;
  for (int columns : {42, 48}) {
    EscPosOptions options;
    options.columns = columns;
    const auto tokens = Render(r, options);
    size_t rows = 0;
    for (const auto& t : tokens) {
      if (t.kind != Kind::kText) continue;
      ++rows;
      const int width_factor = ((t.size >> 4) & 7) + 1;
      EXPECT_LE(static_cast<int>(Utf8Length(t.data)) * width_factor, columns)
          << "at " << columns << " columns: \"" << t.data << "\"";
    }
    EXPECT_GT(rows, 30u);
    // Wrapping loses no characters of the long fiscal line.
    std::string fiscal;
    for (const auto& row : TextRows(tokens)) {
      if (row.find_first_not_of('Q') == std::string::npos && !row.empty()) fiscal += row;
    }
    const EscPosToken* first = Row(tokens, "TSE signature:");
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(std::count(first->data.begin(), first->data.end(), 'Q') + static_cast<long>(fiscal.size()), 180);
    const EscPosToken* total = Row(tokens, "9999999999999.99 EUR");
    ASSERT_NE(total, nullptr);
  }
}

TEST(EscPosTest, FortyEightColumnsWidenTheLayout) {
  EscPosOptions options;
  options.columns = 48;
  const auto tokens = Render(SampleReceipt(), options);
  const EscPosToken* separator = Row(tokens, "-----");
  ASSERT_NE(separator, nullptr);
  EXPECT_EQ(separator->data, std::string(48, '-'));
  EXPECT_EQ(Row(tokens, "19.00%")->data, "A     19.00%        1.97        0.37        2.34");
  EXPECT_EQ(Utf8Length(Row(tokens, "TOTAL")->data), 48u);
}

TEST(EscPosTest, CashDrawerKickDecodesToItsPin) {
  EXPECT_EQ(CashDrawerKick(), std::string("\x1Bp\x00\x19\xFA", 5));
  auto pin0 = DecodeEscPos(CashDrawerKick());
  ASSERT_TRUE(pin0.ok()) << pin0.status().ToString();
  ASSERT_EQ(pin0->size(), 1u);
  EXPECT_EQ((*pin0)[0].kind, Kind::kDrawerKick);
  EXPECT_EQ((*pin0)[0].value, 0);
  auto pin1 = DecodeEscPos(CashDrawerKick(1));
  ASSERT_TRUE(pin1.ok());
  EXPECT_EQ((*pin1)[0].value, 1);
}

TEST(EscPosDecoderTest, RefusesGarbage) {
  const std::vector<std::string> garbage = {
      std::string("\x1B\x7A\x01", 3),            // unknown ESC command
      std::string("\x1D\x7A", 2),                // unknown GS command
      std::string("abc\x07\n", 5),               // a stray control byte
      std::string("\x1B", 1),                    // truncated
      std::string("\x1D(k\x10\x00" "1P0abc", 11),  // pL pH longer than the data
      "no final LF",
      std::string("ab\x1B" "E\x01" "cd\n", 8),   // style change in the middle of a row
      std::string("\xE4\n", 2),                  // a high byte before ESC t 16
  };
  for (size_t i = 0; i < garbage.size(); ++i) {
    EXPECT_FALSE(DecodeEscPos(garbage[i]).ok()) << "garbage case " << i;
  }
}

TEST(FileSinkTest, AppendsEveryWrite) {
  testing::ScratchDir dir;
  const std::string path = dir.Sub("printer.bin");
  FileSink sink(path);
  ASSERT_TRUE(sink.Write(std::string("abc\0", 4)).ok());
  ASSERT_TRUE(sink.Write("def").ok());
  EXPECT_EQ(ReadFile(path), std::string("abc\0def", 7));

  FileSink missing(dir.Sub("no/such/dir/lp0"));
  const Status status = missing.Write("x");
  EXPECT_EQ(status.code(), StatusCode::kIoError);
  EXPECT_NE(status.message().find(dir.Sub("no/such/dir/lp0")), std::string::npos) << status.ToString();
}

TEST(MakeSinkTest, ParsesUris) {
  testing::ScratchDir dir;
  for (const std::string& uri : {"file:" + dir.Sub("a.bin"), "file://" + dir.Sub("a.bin"), dir.Sub("a.bin")}) {
    auto sink = MakeSink(uri);
    ASSERT_TRUE(sink.ok()) << uri << ": " << sink.status().ToString();
    ASSERT_TRUE((*sink)->Write("x").ok());
  }
  EXPECT_EQ(ReadFile(dir.Sub("a.bin")), "xxx");

  for (const char* good : {"tcp:127.0.0.1:9100", "tcp:printer.local:9100", "tcp:[::1]:9100", "./relative/path"}) {
    EXPECT_TRUE(MakeSink(good).ok()) << good;
  }
  for (const char* bad : {"tcp:host", "ftp:x", "", "tcp::9100", "tcp:host:", "tcp:host:0", "tcp:host:65536",
                          "tcp:host:91a", "tcp:::1:9100", "tcp:[::1]", "file:", "file://host/x"}) {
    auto sink = MakeSink(bad);
    ASSERT_FALSE(sink.ok()) << bad;
    EXPECT_EQ(sink.status().code(), StatusCode::kInvalidArgument) << bad;
    if (*bad != '\0') {
      EXPECT_NE(sink.status().message().find(bad), std::string::npos) << sink.status().ToString();
    }
  }
}

// A TCP listener on 127.0.0.1 and a free port; the port is 0 when setup failed.
class Listener {
 public:
  explicit Listener(bool listen_now) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = 0;
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) return;
    socklen_t size = sizeof(address);
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0) return;
    if (listen_now && ::listen(fd_, 1) != 0) return;
    port_ = ntohs(address.sin_port);
  }
  ~Listener() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

TEST(TcpSinkTest, ClosedPortFailsNamingHostAndPort) {
  Listener bound_only(false);  // bound but never listening: connects are refused
  const uint16_t port = bound_only.port();
  ASSERT_NE(port, 0);
  bound_only.Close();
  TcpSink sink("127.0.0.1", port);
  const Status status = sink.Write("x");
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("127.0.0.1:" + std::to_string(port)), std::string::npos) << status.ToString();
}

TEST(TcpSinkTest, DeliversExactBytesToAListeningPrinter) {
  Listener listener(true);
  ASSERT_NE(listener.port(), 0);
  std::string received;
  std::thread printer([&] {
    const int connection = ::accept(listener.fd(), nullptr, nullptr);
    if (connection < 0) return;
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::read(connection, buffer, sizeof(buffer));
      if (n <= 0) break;
      received.append(buffer, static_cast<size_t>(n));
    }
    ::close(connection);
  });
  PrintableReceipt r = SampleReceipt();
  r.qr_payload = std::string(300, '\0') + "end";
  const std::string job = RenderEscPos(r, {}) + CashDrawerKick();
  auto sink = MakeSink("tcp:127.0.0.1:" + std::to_string(listener.port()));
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  const Status status = (*sink)->Write(job);
  printer.join();
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(received, job);
}

// Records every Write as one frame.
class MemorySink : public ByteSink {
 public:
  Status Write(std::string_view bytes) override {
    frames.emplace_back(bytes);
    return Status::Ok();
  }
  std::vector<std::string> frames;
};

// The two rows of a frame; fails the test unless the frame is two LF-terminated rows.
std::vector<std::string> Rows(const std::string& frame) {
  std::vector<std::string> rows;
  std::istringstream in(frame);
  for (std::string row; std::getline(in, row);) rows.push_back(row);
  EXPECT_EQ(rows.size(), 2u) << frame;
  EXPECT_TRUE(!frame.empty() && frame.back() == '\n');
  for (const auto& row : rows) EXPECT_EQ(Utf8Length(row), CustomerDisplay::kColumns) << "\"" << row << "\"";
  return rows;
}

TEST(CustomerDisplayTest, WritesTwoRowsOfTwentyCharacters) {
  MemorySink sink;
  CustomerDisplay display(sink);
  ASSERT_TRUE(display.ShowLine("Cola 0.5l", 240).ok());
  ASSERT_TRUE(display.ShowLine("Großpackung Äpfel süß, extra lang", -5).ok());
  ASSERT_TRUE(display.ShowTotal(1234).ok());
  ASSERT_TRUE(display.ShowChange(66).ok());
  ASSERT_TRUE(display.Clear().ok());
  ASSERT_TRUE(display.ShowLine("Line\nbreak", -9223372036854775807).ok());
  ASSERT_EQ(sink.frames.size(), 6u);

  EXPECT_EQ(sink.frames[0], "Cola 0.5l           \n            2.40 EUR\n");
  EXPECT_EQ(Rows(sink.frames[0])[0], "Cola 0.5l           ");
  EXPECT_EQ(Rows(sink.frames[1]), (std::vector<std::string>{"Großpackung Äpfel sü", "           -0.05 EUR"}));
  EXPECT_EQ(Rows(sink.frames[2]), (std::vector<std::string>{"TOTAL               ", "           12.34 EUR"}));
  EXPECT_EQ(Rows(sink.frames[3]), (std::vector<std::string>{"CHANGE              ", "            0.66 EUR"}));
  EXPECT_EQ(Rows(sink.frames[4]), (std::vector<std::string>(2, std::string(20, ' '))));
  EXPECT_EQ(Rows(sink.frames[5]), (std::vector<std::string>{"Line?break          ", std::string(20, '#')}));

  CustomerDisplay german(sink, {"€", "SUMME", "RÜCKGELD"});
  ASSERT_TRUE(german.ShowChange(100000000000000).ok());
  EXPECT_EQ(Rows(sink.frames.back()), (std::vector<std::string>{"RÜCKGELD            ", "  1000000000000.00 €"}));
}

TEST(CustomerDisplayTest, SinkErrorsReachTheCaller) {
  testing::ScratchDir dir;
  FileSink sink(dir.Sub("missing/display"));
  CustomerDisplay display(sink);
  const Status status = display.ShowTotal(100);
  EXPECT_EQ(status.code(), StatusCode::kIoError);
  EXPECT_NE(status.message().find("customer display"), std::string::npos) << status.ToString();

  FileSink file(dir.Sub("display.txt"));
  CustomerDisplay tailed(file);
  ASSERT_TRUE(tailed.ShowLine("Brot", 350).ok());
  ASSERT_TRUE(tailed.ShowTotal(350).ok());
  EXPECT_EQ(ReadFile(dir.Sub("display.txt")),
            "Brot                \n            3.50 EUR\nTOTAL               \n            3.50 EUR\n");
}

}  // namespace
}  // namespace pos
