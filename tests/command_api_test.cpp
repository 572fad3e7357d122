// The till's command API: the dispatcher on request bytes (a sale, permissions,
// hostile input), then a real `pos serve` daemon over ZeroMQ on loopback (a sale,
// garbage frames, the CLI through the daemon, SIGTERM), and a SIGKILL mid-sale
// after which every acknowledged close is in the log and numbering continues.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "adapters/api_codec.h"
#include "adapters/command_dispatcher.h"
#include "adapters/serve_file.h"
#include "adapters/till_peripherals.h"
#include "adapters/zmq_command_client.h"
#include "domain/master_data_service.h"
#include "domain/register_service.h"
#include "engine/bytes.h"
#include "engine/pin_hash.h"
#include "projections/receipt_journal.h"
#include "projections/builtin_projections.h"
#include "tests/escpos_decoder.h"
#include "tests/test_support.h"

namespace pos {
namespace {

using flatbuffers::FlatBufferBuilder;

// ---- building requests ----------------------------------------------------

template <typename T>
std::string Finish(FlatBufferBuilder& fbb, api::Command type, flatbuffers::Offset<T> command, uint64_t id = 7) {
  return api::FinishRequest(fbb, id, type, command.Union());
}

std::string SignOnRequest(const std::string& user, const std::string& pin) {
  FlatBufferBuilder fbb;
  return Finish(fbb, api::Command::SignOn, api::CreateSignOnDirect(fbb, user.c_str(), pin.c_str()));
}
std::string OpenRequest() {
  FlatBufferBuilder fbb;
  return Finish(fbb, api::Command::Open, api::CreateOpen(fbb));
}
std::string AddRequest(const std::string& receipt, const std::string& article, int64_t qty,
                       std::optional<int64_t> price = std::nullopt, const std::string& approver = "",
                       const std::string& approver_pin = "") {
  FlatBufferBuilder fbb;
  flatbuffers::Offset<api::Approval> approval;
  if (!approver.empty()) approval = api::CreateApprovalDirect(fbb, approver.c_str(), approver_pin.c_str());
  return Finish(fbb, api::Command::AddLine,
                api::CreateAddLineDirect(fbb, receipt.c_str(), article.c_str(), qty, price.has_value(),
                                         price.value_or(0), approval));
}
std::string PayRequest(const std::string& receipt, api::PaymentType type, int64_t amount) {
  FlatBufferBuilder fbb;
  return Finish(fbb, api::Command::Pay, api::CreatePayDirect(fbb, receipt.c_str(), type, amount, ""));
}
std::string CloseRequest(const std::string& receipt) {
  FlatBufferBuilder fbb;
  return Finish(fbb, api::Command::Close, api::CreateCloseDirect(fbb, receipt.c_str()));
}
std::string StatusRequest() {
  FlatBufferBuilder fbb;
  return Finish(fbb, api::Command::GetStatus, api::CreateGetStatus(fbb));
}
std::string GetReceiptRequest(const std::string& id, uint64_t number) {
  FlatBufferBuilder fbb;
  return Finish(fbb, api::Command::GetReceipt, api::CreateGetReceiptDirect(fbb, id.c_str(), number));
}
std::string XReportRequest() {
  FlatBufferBuilder fbb;
  return Finish(fbb, api::Command::XReport, api::CreateXReport(fbb));
}

api::ReplyMessage Parse(const std::string& bytes) {
  auto reply = api::ReplyMessage::Parse(bytes);
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  if (!reply.ok()) std::abort();
  return std::move(reply).value();
}

// ---- a node with a catalog ------------------------------------------------

// Tax rate A 19 %, article 1001 Espresso 2.40 (barcode 4006381333931),
// cashier alice (PIN 1234), supervisor bob (PIN 9999).
void PrepareCatalog(EventStore& store, ProjectionRunner& runner) {
  MasterDataService master(store, runner);
  ASSERT_TRUE(master.AddTaxRate({"A", "Standard", 1900}, "admin").ok());
  Article espresso{"1001", "Espresso", 240, "A", "drinks", {"4006381333931"}};
  ASSERT_TRUE(master.AddArticle(espresso, "admin").ok());
  auto alice_pin = HashSecret("1234", 1000);
  auto bob_pin = HashSecret("9999", 1000);
  ASSERT_TRUE(alice_pin.ok() && bob_pin.ok());
  ASSERT_TRUE(master.AddUser({"alice", "Alice", UserRole::kCashier, *alice_pin}, "admin").ok());
  ASSERT_TRUE(master.AddUser({"bob", "Bob", UserRole::kSupervisor, *bob_pin}, "admin").ok());
}

void CreateNode(const std::string& path) {
  auto store = EventStore::Create(path, {.node_name = "till-1"});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ProjectionRunner runner(**store);
  ASSERT_TRUE(RegisterBuiltinProjections(runner).ok());
  ASSERT_TRUE(runner.CatchUp().ok());
  PrepareCatalog(**store, runner);
}

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Create(dir_.Sub("store"), {.node_name = "till-1"});
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    runner_ = std::make_unique<ProjectionRunner>(*store_);
    ASSERT_TRUE(RegisterBuiltinProjections(*runner_).ok());
    ASSERT_TRUE(runner_->CatchUp().ok());
    PrepareCatalog(*store_, *runner_);
    auto service = RegisterService::Load(*store_, *runner_);
    ASSERT_TRUE(service.ok());
    service_ = std::move(service).value();
  }

  api::ReplyMessage Call(const std::string& request) { return Parse(Dispatch(*service_, request, store_.get())); }

  // Dispatches bytes that must be refused as malformed, changing nothing.
  void ExpectMalformed(std::string_view bytes, const std::string& what) {
    const uint64_t before = store_->LastSequence();
    const size_t open_before = service_->state().OpenReceipts().size();
    const std::string reply_bytes = Dispatch(*service_, bytes, store_.get());
    auto reply = api::ReplyMessage::Parse(reply_bytes);
    ASSERT_TRUE(reply.ok()) << what << ": " << reply.status().ToString();
    EXPECT_FALSE(reply->reply().ok()) << what;
    EXPECT_EQ(reply->status().code(), StatusCode::kInvalidArgument) << what;
    EXPECT_NE(reply->status().message().find("malformed request"), std::string::npos)
        << what << ": " << reply->status().message();
    EXPECT_EQ(store_->LastSequence(), before) << what;
    EXPECT_EQ(service_->state().OpenReceipts().size(), open_before) << what;
  }

  // sign on alice, open, 2 x 1001, pay cash 10.00, close: returns the receipt id.
  std::string Sale() {
    EXPECT_TRUE(Call(SignOnRequest("alice", "1234")).reply().ok());
    auto opened = Call(OpenRequest());
    EXPECT_TRUE(opened.reply().ok()) << opened.status().ToString();
    return opened.reply().result_as_ReceiptOpened()->receipt_id()->str();
  }

  testing::ScratchDir dir_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<ProjectionRunner> runner_;
  std::unique_ptr<RegisterService> service_;
};

TEST_F(DispatcherTest, AFullSaleThroughRequestBytes) {
  auto signed_on = Call(SignOnRequest("alice", "1234"));
  ASSERT_TRUE(signed_on.reply().ok()) << signed_on.status().ToString();
  EXPECT_EQ(signed_on.reply().request_id(), 7u);
  EXPECT_EQ(signed_on.reply().result_type(), api::ResultData::Empty);

  auto opened = Call(OpenRequest());
  ASSERT_EQ(opened.reply().result_type(), api::ResultData::ReceiptOpened);
  const std::string receipt = opened.reply().result_as_ReceiptOpened()->receipt_id()->str();

  auto added = Call(AddRequest(receipt, "1001", 2));
  ASSERT_TRUE(added.reply().ok()) << added.status().ToString();
  const api::LineAdded* line = added.reply().result_as_LineAdded();
  ASSERT_NE(line, nullptr);
  EXPECT_EQ(line->line_no(), 1u);
  EXPECT_EQ(line->amount(), 480);
  EXPECT_EQ(line->line()->name()->str(), "Espresso");
  auto scanned = Call(AddRequest(receipt, "4006381333931", 1));
  ASSERT_TRUE(scanned.reply().ok());
  EXPECT_EQ(scanned.reply().result_as_LineAdded()->receipt_total(), 720);

  // A cashier may not override a price without a supervisor's approval; the
  // refusal is recorded (a PermissionDenied event) and reported as such.
  auto refused = Call(AddRequest(receipt, "1001", 1, 100));
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(refused.reply().error_code()->str(), "permission denied");
  auto wrong_pin = Call(AddRequest(receipt, "1001", 1, 100, "bob", "0000"));
  EXPECT_EQ(wrong_pin.status().code(), StatusCode::kPermissionDenied);
  auto approved = Call(AddRequest(receipt, "1001", 1, 100, "bob", "9999"));
  ASSERT_TRUE(approved.reply().ok()) << approved.status().ToString();
  EXPECT_TRUE(approved.reply().result_as_LineAdded()->line()->price_overridden());

  auto missing = Call(AddRequest(receipt, "nope", 1));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.reply().error_code()->str(), "not found");

  auto view = Call(GetReceiptRequest(receipt, 0));
  ASSERT_EQ(view.reply().result_type(), api::ResultData::ReceiptView);
  EXPECT_EQ(view.reply().result_as_ReceiptView()->lines()->size(), 3u);
  EXPECT_EQ(view.reply().result_as_ReceiptView()->total(), 820);
  EXPECT_EQ(view.reply().result_as_ReceiptView()->state(), api::ReceiptState::Open);

  auto short_close = Call(CloseRequest(receipt));
  EXPECT_EQ(short_close.status().code(), StatusCode::kFailedPrecondition);

  ASSERT_TRUE(Call(PayRequest(receipt, api::PaymentType::Cash, 1000)).reply().ok());
  auto closed = Call(CloseRequest(receipt));
  ASSERT_TRUE(closed.reply().ok()) << closed.status().ToString();
  const api::Closed* result = closed.reply().result_as_Closed();
  EXPECT_EQ(result->number(), 1u);
  EXPECT_EQ(result->total(), 820);
  EXPECT_EQ(result->change(), 180);
  ASSERT_EQ(result->tax_lines()->size(), 1u);
  EXPECT_EQ(result->tax_lines()->Get(0)->gross(), 820);

  auto by_number = Call(GetReceiptRequest("", 1));
  ASSERT_TRUE(by_number.reply().ok());
  EXPECT_EQ(by_number.reply().result_as_ReceiptView()->receipt_id()->str(), receipt);
  EXPECT_EQ(by_number.reply().result_as_ReceiptView()->state(), api::ReceiptState::Closed);

  auto status = Call(StatusRequest());
  const api::StatusView* s = status.reply().result_as_StatusView();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->node_name()->str(), "till-1");
  EXPECT_EQ(s->signed_on()->str(), "alice");
  EXPECT_EQ(s->last_receipt_number(), 1u);
  EXPECT_EQ(s->open_receipts()->size(), 0u);
  EXPECT_EQ(s->last_sequence(), store_->LastSequence());

  auto x = Call(XReportRequest());
  ASSERT_EQ(x.reply().result_type(), api::ResultData::Report);
  EXPECT_FALSE(x.reply().result_as_Report()->is_z());
  EXPECT_EQ(x.reply().result_as_Report()->total(), 820);
  EXPECT_EQ(x.reply().result_as_Report()->expected_cash(), 820);
}

// The till's peripherals hear of a sale through the dispatcher: the display
// shows each line, the printer prints the closed receipt and kicks the drawer on
// cash, and a reprint from the journal is marked as a copy.
TEST_F(DispatcherTest, PeripheralsPrintTheClosedReceiptKickTheDrawerAndShowLines) {
  const std::string printer = dir_.Sub("printer.bin");
  const std::string display = dir_.Sub("display.txt");
  {
    std::ofstream config(dir_.Sub("store") + "/peripherals.json");
    config << R"({"printer": "file:)" << printer << R"(", "drawer": true, "display": ")" << display
           << R"(", "shop_name": "Café Test", "footer": ["Danke!"]})";
  }
  auto peripherals = TillPeripherals::ForNode(dir_.Sub("store"), *store_);
  ASSERT_TRUE(peripherals.ok()) << peripherals.status().ToString();
  auto call = [&](const std::string& request) {
    return Parse(Dispatch(*service_, request, store_.get(), peripherals->get()));
  };
  ASSERT_TRUE(call(SignOnRequest("alice", "1234")).reply().ok());
  const std::string receipt = call(OpenRequest()).reply().result_as_ReceiptOpened()->receipt_id()->str();
  ASSERT_TRUE(call(AddRequest(receipt, "1001", 2)).reply().ok());
  ASSERT_TRUE(call(PayRequest(receipt, api::PaymentType::Cash, 1000)).reply().ok());
  auto closed = call(CloseRequest(receipt));
  ASSERT_TRUE(closed.reply().ok()) << closed.status().ToString();

  std::ifstream shown(display);
  std::vector<std::string> rows;
  for (std::string row; std::getline(shown, row);) rows.push_back(row);
  ASSERT_EQ(rows.size(), 4u);  // the line (2 rows), then the change (2 rows)
  EXPECT_EQ(rows[0], "Espresso            ");
  EXPECT_NE(rows[1].find("4.80"), std::string::npos) << rows[1];
  EXPECT_NE(rows[3].find("5.20"), std::string::npos) << rows[3];

  std::ifstream printed_file(printer, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(printed_file)), std::istreambuf_iterator<char>());
  auto tokens = testing::DecodeEscPos(bytes);
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  const auto text = testing::TextRows(*tokens);
  auto has_row = [&](const std::string& part) {
    return std::any_of(text.begin(), text.end(), [&](const std::string& row) { return row.find(part) != std::string::npos; });
  };
  EXPECT_TRUE(has_row("Café Test"));
  EXPECT_TRUE(has_row("Receipt 1"));
  EXPECT_TRUE(has_row("Espresso"));
  EXPECT_TRUE(has_row("4.80"));
  EXPECT_TRUE(has_row("Danke!"));
  EXPECT_FALSE(has_row("COPY"));
  // Without a fiscal module the QR code (native GS ( k) carries the receipt reference.
  auto qr = std::find_if(tokens->begin(), tokens->end(),
                         [](const testing::EscPosToken& t) { return t.kind == testing::EscPosToken::Kind::kQrStore; });
  ASSERT_NE(qr, tokens->end());
  EXPECT_EQ(qr->data, "POS;till-1;1;480");
  EXPECT_EQ(std::count_if(tokens->begin(), tokens->end(),
                          [](const testing::EscPosToken& t) { return t.kind == testing::EscPosToken::Kind::kDrawerKick; }),
            1);

  // Reprint from the journal: a copy, same figures.
  ASSERT_TRUE(runner_->CatchUp().ok());
  auto journal = runner_->Reader("receipt_journal");
  ASSERT_TRUE(journal.ok());
  auto record = ReceiptJournalView(*journal).Find(ToHex(store_->node_id()), 1);
  ASSERT_TRUE(record.ok() && record->has_value());
  auto job = TillPeripherals::ReprintJob(**record, *store_);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE((*peripherals)->Reprint(*job).ok());
  std::ifstream again(printer, std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>());
  auto reprint = testing::DecodeEscPos(std::string_view(all).substr(bytes.size()));
  ASSERT_TRUE(reprint.ok()) << reprint.status().ToString();
  const auto copy_rows = testing::TextRows(*reprint);
  EXPECT_TRUE(std::any_of(copy_rows.begin(), copy_rows.end(), [](const std::string& r) { return r.find("COPY") != std::string::npos; }));
  EXPECT_TRUE(std::any_of(copy_rows.begin(), copy_rows.end(), [](const std::string& r) { return r.find("4.80") != std::string::npos; }));
}

TEST(PeripheralConfigTest, BadConfigurationNamesTheKey) {
  EXPECT_TRUE(ParsePeripheralConfig("{}", "p.json").ok());
  auto typo = ParsePeripheralConfig(R"({"printr": "file:/x"})", "p.json");
  EXPECT_NE(typo.status().message().find("\"printr\" is not a known key"), std::string::npos) << typo.status().message();
  auto columns = ParsePeripheralConfig(R"({"columns": 100})", "p.json");
  EXPECT_NE(columns.status().message().find("24 to 64"), std::string::npos);
  auto drawer = ParsePeripheralConfig(R"({"drawer": true})", "p.json");
  EXPECT_NE(drawer.status().message().find("needs a \"printer\""), std::string::npos);
  EXPECT_FALSE(ParsePeripheralConfig("not json", "p.json").ok());
  auto sink = TillPeripherals::Create(*ParsePeripheralConfig(R"({"printer": "ftp:x"})", "p.json"), "t", "EUR");
  EXPECT_EQ(sink.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(DispatcherTest, MalformedRequestsGetAnErrorReplyAndChangeNothing) {
  const std::string receipt = Sale();
  ASSERT_FALSE(receipt.empty());

  std::mt19937 random(4711);
  for (int i = 0; i < 500; ++i) {
    std::string garbage(random() % 300, '\0');
    for (char& c : garbage) c = static_cast<char>(random());
    ExpectMalformed(garbage, "random garbage #" + std::to_string(i));
  }
  ExpectMalformed("", "empty");

  // Cutting a buffer short is refused, unless only the trailing alignment padding
  // (at most 3 bytes after the last string's terminator) was cut.
  const std::string valid = AddRequest(receipt, "1001", 1);
  for (size_t length = 0; length + 3 < valid.size(); ++length) {
    ExpectMalformed(std::string_view(valid).substr(0, length), "truncated to " + std::to_string(length));
  }

  FlatBufferBuilder bogus;
  auto close = api::CreateCloseDirect(bogus, receipt.c_str());
  ExpectMalformed(Finish(bogus, static_cast<api::Command>(200), close), "unknown union type");
  FlatBufferBuilder none;
  ExpectMalformed(api::FinishRequest(none, 1, api::Command::NONE, 0), "no command");
  FlatBufferBuilder tableless;
  ExpectMalformed(api::FinishRequest(tableless, 1, api::Command::Close, 0), "command type without a table");

  FlatBufferBuilder wrong_id;
  wrong_id.Finish(api::CreateRequest(wrong_id, 1, api::Command::GetStatus, api::CreateGetStatus(wrong_id).Union()),
                  "XXXX");
  ExpectMalformed(std::string_view(reinterpret_cast<const char*>(wrong_id.GetBufferPointer()), wrong_id.GetSize()),
                  "wrong file identifier");

  // Structurally valid, but above 64 KiB.
  ExpectMalformed(AddRequest(receipt, std::string(70 * 1024, '1'), 1), "oversize");

  // A valid request of the same shape is still served.
  auto after = Call(AddRequest(receipt, "1001", 1));
  EXPECT_TRUE(after.reply().ok()) << after.status().ToString();
}

TEST_F(DispatcherTest, MutatedRequestsNeverCrashTheDispatcher) {
  const std::string receipt = Sale();
  const std::vector<std::string> seeds = {AddRequest(receipt, "1001", 1, 100, "bob", "9999"),
                                          PayRequest(receipt, api::PaymentType::Card, 100), StatusRequest(),
                                          GetReceiptRequest(receipt, 0)};
  std::mt19937 random(815);
  for (int i = 0; i < 3000; ++i) {
    std::string bytes = seeds[static_cast<size_t>(i) % seeds.size()];
    for (int flips = 1 + static_cast<int>(random() % 4); flips > 0; --flips) {
      bytes[random() % bytes.size()] = static_cast<char>(random());
    }
    auto reply = api::ReplyMessage::Parse(Dispatch(*service_, bytes, store_.get()));
    ASSERT_TRUE(reply.ok()) << "mutation #" << i;
  }
}

// ---- the daemon -----------------------------------------------------------

std::string PosBinary() { return testing::BinaryDir() + "/tools/pos/pos"; }

// Starts `pos --data DIR serve --listen ENDPOINT`, output to DIR/../serve.log.
pid_t StartDaemon(const std::string& data, const std::string& listen, const std::string& log) {
  const std::string binary = PosBinary();
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    execl(binary.c_str(), binary.c_str(), "--data", data.c_str(), "serve", "--listen", listen.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// Waits for serve.json to name `pid`; returns its endpoint ("" on timeout).
std::string WaitForServeFile(const std::string& data, pid_t pid) {
  for (int i = 0; i < 200; ++i) {
    auto info = ReadServeFile(data);
    if (info.ok() && info->has_value() && (*info)->pid == pid) return (*info)->endpoint;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "";
}

// waitpid with a deadline; returns the wait status or -1.
int WaitExit(pid_t pid, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return -1;
}

struct CliRun {
  int exit_code = -1;
  std::string out;
};

// Runs `pos --data DIR ARGS` with `input` on stdin; stdout captured.
CliRun RunPos(const std::string& data, const std::string& args, const std::string& input = "") {
  std::string command = "printf '%s\\n' '" + input + "' | '" + PosBinary() + "' --data '" + data + "' " + args +
                        " 2>&1";
  CliRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

api::ReplyMessage Call(ZmqCommandClient& client, const std::string& request) {
  auto bytes = client.Call(request);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  if (!bytes.ok()) std::abort();
  return Parse(*bytes);
}

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.Sub("node");
    CreateNode(data_);
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  void Start() {
    pid_ = StartDaemon(data_, "tcp://127.0.0.1:*", dir_.Sub("serve.log"));
    ASSERT_GT(pid_, 0);
    endpoint_ = WaitForServeFile(data_, pid_);
    ASSERT_FALSE(endpoint_.empty()) << "the daemon did not start; log:\n" << Log();
    ASSERT_EQ(endpoint_.rfind("tcp://127.0.0.1:", 0), 0u) << endpoint_;
  }

  std::string Log() const {
    std::ifstream in(dir_.Sub("serve.log"));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  testing::ScratchDir dir_;
  std::string data_;
  pid_t pid_ = -1;
  std::string endpoint_;
};

TEST_F(DaemonTest, ServesSalesOverZeroMqSurvivesGarbageAndStopsOnSigterm) {
  Start();
  ZmqCommandClient client(endpoint_, std::chrono::seconds(10));
  ASSERT_TRUE(Call(client, SignOnRequest("alice", "1234")).reply().ok());
  auto opened = Call(client, OpenRequest());
  ASSERT_TRUE(opened.reply().ok()) << opened.status().ToString();
  const std::string receipt = opened.reply().result_as_ReceiptOpened()->receipt_id()->str();
  ASSERT_TRUE(Call(client, AddRequest(receipt, "1001", 3)).reply().ok());
  ASSERT_TRUE(Call(client, PayRequest(receipt, api::PaymentType::Card, 720)).reply().ok());
  auto closed = Call(client, CloseRequest(receipt));
  ASSERT_TRUE(closed.reply().ok()) << closed.status().ToString();
  EXPECT_EQ(closed.reply().result_as_Closed()->number(), 1u);
  EXPECT_EQ(closed.reply().result_as_Closed()->total(), 720);

  // Garbage on the wire: bad bytes, no delimiter, too many frames.
  {
    zmq::context_t context(1);
    zmq::socket_t dealer(context, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    dealer.set(zmq::sockopt::rcvtimeo, 5000);
    dealer.connect(endpoint_);
    auto expect_error_reply = [&](const std::string& what) {
      std::vector<zmq::message_t> frames;
      ASSERT_TRUE(zmq::recv_multipart(dealer, std::back_inserter(frames))) << what << ": no reply";
      ASSERT_EQ(frames.size(), 2u) << what;
      EXPECT_EQ(frames[0].size(), 0u) << what;
      auto reply = api::ReplyMessage::Parse(frames[1].to_string());
      ASSERT_TRUE(reply.ok()) << what;
      EXPECT_FALSE(reply->reply().ok()) << what;
      EXPECT_NE(reply->status().message().find("malformed request"), std::string::npos) << what;
    };
    dealer.send(zmq::message_t(), zmq::send_flags::sndmore);
    dealer.send(zmq::str_buffer("\x01\x02garbage that is no flatbuffer"), zmq::send_flags::none);
    expect_error_reply("garbage bytes");
    dealer.send(zmq::str_buffer("no delimiter"), zmq::send_flags::none);
    expect_error_reply("no delimiter");
    dealer.send(zmq::message_t(), zmq::send_flags::sndmore);
    dealer.send(zmq::str_buffer("one"), zmq::send_flags::sndmore);
    dealer.send(zmq::str_buffer("two"), zmq::send_flags::none);
    expect_error_reply("too many frames");
    std::string big(100 * 1024, 'x');
    dealer.send(zmq::message_t(), zmq::send_flags::sndmore);
    dealer.send(zmq::buffer(big), zmq::send_flags::none);
    expect_error_reply("oversize request");
  }
  auto still = Call(client, StatusRequest());
  ASSERT_TRUE(still.reply().ok());
  EXPECT_EQ(still.reply().result_as_StatusView()->last_receipt_number(), 1u);

  // The CLI goes through the daemon (the store is locked by it: direct mode could not open it).
  CliRun status = RunPos(data_, "--json sale status");
  ASSERT_EQ(status.exit_code, 0) << status.out;
  auto json = nlohmann::json::parse(status.out);
  EXPECT_EQ(json["signed_on"], "alice");
  EXPECT_EQ(json["last_receipt_number"], 1);
  CliRun open = RunPos(data_, "sale open");
  ASSERT_EQ(open.exit_code, 0) << open.out;
  const std::string cli_receipt = open.out.substr(0, open.out.find('\n'));
  EXPECT_EQ(RunPos(data_, "sale add --receipt " + cli_receipt + " --article 1001 --qty 2").exit_code, 0);
  CliRun override_refused = RunPos(data_, "sale add --receipt " + cli_receipt + " --article 1001 --price 1.00");
  EXPECT_EQ(override_refused.exit_code, 1);
  EXPECT_NE(override_refused.out.find("may not price_override"), std::string::npos) << override_refused.out;
  CliRun approved = RunPos(data_,
                           "sale add --receipt " + cli_receipt +
                               " --article 1001 --price 1.00 --approve-by bob --approver-pin-stdin",
                           "9999");
  EXPECT_EQ(approved.exit_code, 0) << approved.out;
  EXPECT_EQ(RunPos(data_, "sale pay --receipt " + cli_receipt + " --type cash --amount 10").exit_code, 0);
  CliRun cli_close = RunPos(data_, "--json sale close --receipt " + cli_receipt);
  ASSERT_EQ(cli_close.exit_code, 0) << cli_close.out;
  auto close_json = nlohmann::json::parse(cli_close.out);
  EXPECT_EQ(close_json["number"], 2);
  EXPECT_EQ(close_json["total"], "5.80");
  EXPECT_EQ(close_json["change"], "4.20");

  // SIGTERM: a clean stop, serve.json removed, the store usable again.
  ASSERT_EQ(kill(pid_, SIGTERM), 0);
  int status_code = WaitExit(pid_, std::chrono::seconds(10));
  pid_ = -1;
  ASSERT_TRUE(WIFEXITED(status_code)) << Log();
  EXPECT_EQ(WEXITSTATUS(status_code), 0) << Log();
  EXPECT_FALSE(std::filesystem::exists(ServeFilePath(data_)));
  CliRun direct = RunPos(data_, "--json sale status");
  ASSERT_EQ(direct.exit_code, 0) << direct.out;
  EXPECT_EQ(nlohmann::json::parse(direct.out)["last_receipt_number"], 2);
}

TEST_F(DaemonTest, SigkillMidSaleLosesNoAcknowledgedCloseAndNumberingContinues) {
  // A clean stop first leaves the register's start-up snapshot: the restart after
  // the kill starts from it and must replay what the killed daemon sold after it.
  Start();
  ASSERT_EQ(kill(pid_, SIGTERM), 0);
  ASSERT_TRUE(WIFEXITED(WaitExit(pid_, std::chrono::seconds(10)))) << Log();
  pid_ = -1;
  Start();
  std::map<uint64_t, std::string> acknowledged;  // number -> receipt id
  std::atomic<bool> stop{false};
  std::thread seller([&] {
    ZmqCommandClient client(endpoint_, std::chrono::seconds(2));
    auto call = [&](const std::string& request) -> std::optional<api::ReplyMessage> {
      auto bytes = client.Call(request);
      if (!bytes.ok()) return std::nullopt;
      auto reply = api::ReplyMessage::Parse(*bytes);
      if (!reply.ok() || !reply->reply().ok()) return std::nullopt;
      return std::move(reply).value();
    };
    if (!call(SignOnRequest("alice", "1234"))) return;
    while (!stop.load()) {
      auto opened = call(OpenRequest());
      if (!opened) return;
      const std::string receipt = opened->reply().result_as_ReceiptOpened()->receipt_id()->str();
      if (!call(AddRequest(receipt, "1001", 1)) || !call(PayRequest(receipt, api::PaymentType::Cash, 240))) return;
      auto closed = call(CloseRequest(receipt));
      if (!closed) return;
      acknowledged[closed->reply().result_as_Closed()->number()] = receipt;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_EQ(kill(pid_, SIGKILL), 0);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  stop.store(true);
  seller.join();
  ASSERT_GE(acknowledged.size(), 3u) << "too few sales before the kill; log:\n" << Log();

  // serve.json names a dead process now: the CLI works on the store directly.
  ASSERT_TRUE(std::filesystem::exists(ServeFilePath(data_)));
  CliRun status = RunPos(data_, "--json sale status");
  ASSERT_EQ(status.exit_code, 0) << status.out;
  const uint64_t last = nlohmann::json::parse(status.out)["last_receipt_number"].get<uint64_t>();
  EXPECT_GE(last, acknowledged.rbegin()->first);
  EXPECT_LE(last, acknowledged.rbegin()->first + 1);  // at most the close in flight at the kill

  {
    auto store = EventStore::Open(data_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ProjectionRunner runner(**store);
    ASSERT_TRUE(RegisterBuiltinProjections(runner).ok());
    ASSERT_TRUE(runner.CatchUp().ok());
    auto service = RegisterService::Load(**store, runner);
    ASSERT_TRUE(service.ok());
    EXPECT_TRUE((*service)->load_report().from_snapshot) << (*service)->load_report().snapshot_refused;
    EXPECT_GT((*service)->load_report().replayed_events, 0u) << "the killed daemon's sales come from the log";
    for (uint64_t number = 1; number <= last; ++number) {
      EXPECT_NE((*service)->state().FindClosed(number), nullptr) << "gap at receipt number " << number;
    }
    for (const auto& [number, receipt] : acknowledged) {
      const ClosedReceiptRecord* record = (*service)->state().FindClosed(number);
      ASSERT_NE(record, nullptr) << "acknowledged close " << number << " is not in the log";
      EXPECT_EQ(record->receipt_id, receipt);
    }
  }

  // The next sale (CLI, direct mode) gets the next number.
  CliRun open = RunPos(data_, "sale open");
  ASSERT_EQ(open.exit_code, 0) << open.out;
  const std::string receipt = open.out.substr(0, open.out.find('\n'));
  ASSERT_EQ(RunPos(data_, "sale add --receipt " + receipt + " --article 1001").exit_code, 0);
  ASSERT_EQ(RunPos(data_, "sale pay --receipt " + receipt + " --type card --amount 2.40").exit_code, 0);
  CliRun closed = RunPos(data_, "--json sale close --receipt " + receipt);
  ASSERT_EQ(closed.exit_code, 0) << closed.out;
  EXPECT_EQ(nlohmann::json::parse(closed.out)["number"].get<uint64_t>(), last + 1);
  EXPECT_EQ(RunPos(data_, "verify").exit_code, 0);
}

}  // namespace
}  // namespace pos
