// The German fiscal module: the software TSE (lifecycle, PIN and PUK, counters,
// signatures), its integration into the register (TseTransactionStarted after
// ReceiptOpened, TseTransactionFinished immediately before ReceiptClosed, the
// outage path), the receipt print data, and the export with its verifier.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "domain/fiscal/kassenbeleg.h"
#include "domain/fiscal/software_tse.h"
#include "domain/fiscal/tse_crypto.h"
#include "domain/fiscal/tse_events.h"
#include "domain/fiscal/tse_export.h"
#include "domain/fiscal/tse_fiscal_module.h"
#include "domain/fiscal/tse_journal.h"
#include "domain/fiscal/tse_log_message.h"
#include "domain/master_data_service.h"
#include "domain/register_service.h"
#include "domain/till_snapshot.h"
#include "engine/bytes.h"
#include "engine/pin_hash.h"
#include "engine/sha256.h"
#include "events/event_types.h"
#include "events/event_view.h"
#include "events/fiscal_generated.h"
#include "events/receipts_generated.h"
#include "projections/builtin_projections.h"
#include "tests/test_support.h"

namespace pos {
namespace {

using fiscal::SoftwareTse;
using fiscal::TseFiscalModule;
using testing::ScratchDir;

constexpr const char* kPin = "123456";

// The signature of the message with `counter` in the TSE journal of `tse_dir`.
std::string JournalSignature(const std::string& tse_dir, uint64_t counter) {
  std::string found;
  Status read = fiscal::TseJournal::Read(tse_dir + "/log/journal", [&](const fiscal::TseJournalRecord& record) {
    auto message = fiscal::TseLogMessage::Decode(record.log_message);
    if (message.ok() && message->signature_counter == counter) found = record.signature;
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.ToString();
  EXPECT_EQ(found.size(), 64u) << "no signature " << counter;
  return found;
}

// Rewrites the journal of `tse_dir` without the message with `counter`.
void RemoveFromJournal(const std::string& tse_dir, uint64_t counter) {
  std::vector<fiscal::TseJournalRecord> kept;
  const std::string path = tse_dir + "/log/journal";
  ASSERT_TRUE(fiscal::TseJournal::Read(path, [&](const fiscal::TseJournalRecord& record) {
                auto message = fiscal::TseLogMessage::Decode(record.log_message);
                if (!message.ok() || message->signature_counter != counter) kept.push_back(record);
                return Status::Ok();
              }).ok());
  ASSERT_TRUE(fiscal::TseJournal::WriteAll(path, kept).ok());
}

Status SeedCatalog(EventStore& store, ProjectionRunner& runner) {
  MasterDataService master(store, runner);
  POS_RETURN_IF_ERROR(master.AddTaxRate({"A", "Standard", 1900}, "root"));
  POS_RETURN_IF_ERROR(master.AddTaxRate({"B", "Reduced", 700}, "root"));
  POS_RETURN_IF_ERROR(master.AddArticle({"1001", "Coffee", 250, "A", "drinks", {"4000001"}}, "root"));
  POS_RETURN_IF_ERROR(master.AddArticle({"1002", "Bread", 390, "B", "bakery", {"4000002"}}, "root"));
  POS_ASSIGN_OR_RETURN(std::string hash, HashSecret("1111", 1000));
  POS_RETURN_IF_ERROR(master.AddUser({"anna", "Anna", UserRole::kCashier, hash}, "root"));
  POS_ASSIGN_OR_RETURN(std::string sam, HashSecret("2222", 1000));
  return master.AddUser({"sam", "Sam", UserRole::kSupervisor, sam}, "root");
}

struct LoggedEvent {
  uint64_t seq = 0;
  std::string bytes;
  EventView view() const { return *EventView::Parse(bytes); }
};

class TseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Create(dir_.Sub("store"), {.node_name = "till-1"});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ASSERT_NO_FATAL_FAILURE(StartRunner());
    Status seeded = SeedCatalog(*store_, *runner_);
    ASSERT_TRUE(seeded.ok()) << seeded.ToString();
    ASSERT_NO_FATAL_FAILURE(InitTse());
    ASSERT_NO_FATAL_FAILURE(LoadService());
    Status on = svc_->SignOn("anna", "1111");
    ASSERT_TRUE(on.ok()) << on.ToString();
  }

  void StartRunner() {
    runner_ = std::make_unique<ProjectionRunner>(*store_);
    ASSERT_TRUE(RegisterBuiltinProjections(*runner_).ok());
    Status caught_up = runner_->CatchUp();
    ASSERT_TRUE(caught_up.ok()) << caught_up.ToString();
  }

  std::string TseDir() const { return fiscal::TseDirOf(*store_); }

  void InitTse() {
    auto tse = SoftwareTse::Open(TseDir());
    ASSERT_TRUE(tse.ok()) << tse.status().ToString();
    auto puk = (*tse)->Initialise(kPin, 1'700'000'000'000'000);
    ASSERT_TRUE(puk.ok()) << puk.status().ToString();
    puk_ = *puk;
    Status reg = (*tse)->RegisterClient(kPin, ToHex(store_->node_id()));
    ASSERT_TRUE(reg.ok()) << reg.ToString();
  }

  // Opens the TSE and the register as a fresh process would.
  void LoadService() {
    svc_.reset();
    till_.reset();
    auto till = fiscal::OpenTillTse(*store_);
    ASSERT_TRUE(till.ok()) << till.status().ToString();
    ASSERT_TRUE(till->has_value());
    till_ = std::move(till).value();
    auto service = RegisterService::Load(*store_, *runner_);
    ASSERT_TRUE(service.ok()) << service.status().ToString();
    svc_ = std::move(service).value();
    svc_->SetFiscalModule(till_->module.get());
  }

  void Reopen() {
    svc_.reset();
    till_.reset();
    runner_.reset();
    store_.reset();
    auto store = EventStore::Open(dir_.Sub("store"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ASSERT_NO_FATAL_FAILURE(StartRunner());
    ASSERT_NO_FATAL_FAILURE(LoadService());
  }

  SoftwareTse& Tse() { return *till_->tse; }

  // Opens, sells a coffee and a bread for cash, closes: the receipt id.
  std::string Sell() {
    auto id = svc_->Open();
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    if (!id.ok()) return "";
    EXPECT_TRUE(svc_->AddLine(*id, "1001", 1).ok());
    EXPECT_TRUE(svc_->AddLine(*id, "1002", 2).ok());
    Status paid = svc_->Pay(*id, {PaymentType::kCash, 2000, ""});
    EXPECT_TRUE(paid.ok()) << paid.ToString();
    auto closed = svc_->Close(*id);
    EXPECT_TRUE(closed.ok()) << closed.status().ToString();
    return *id;
  }

  std::vector<LoggedEvent> Log() const {
    std::vector<LoggedEvent> out;
    Status s = store_->ScanLog(1, store_->LastSequence(), [&](uint64_t seq, std::string_view bytes) {
      out.push_back({seq, std::string(bytes)});
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  std::vector<LoggedEvent> OfType(EventType type) const {
    std::vector<LoggedEvent> out;
    for (auto& e : Log()) {
      if (e.view().type() == static_cast<uint32_t>(type)) out.push_back(e);
    }
    return out;
  }

  ScratchDir dir_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<ProjectionRunner> runner_;
  std::optional<fiscal::TillTse> till_;
  std::unique_ptr<RegisterService> svc_;
  std::string puk_;
};

std::string Bytes(const flatbuffers::Vector<uint8_t>* v) {
  return v == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(v->data()), v->size());
}

TEST_F(TseTest, FinishedEventIsSignedAndSitsImmediatelyBeforeReceiptClosed) {
  const std::string id = Sell();
  Sell();
  const auto log = Log();
  int finished = 0;
  for (size_t i = 0; i < log.size(); ++i) {
    const EventView view = log[i].view();
    if (view.type() == static_cast<uint32_t>(EventType::kTseTransactionStarted)) {
      ASSERT_GT(i, 0u);
      EXPECT_EQ(log[i - 1].view().type(), static_cast<uint32_t>(EventType::kReceiptOpened));
      EXPECT_EQ(log[i - 1].view().stream(), view.stream());
    }
    if (view.type() != static_cast<uint32_t>(EventType::kTseTransactionFinished)) continue;
    ++finished;
    ASSERT_LT(i + 1, log.size());
    const EventView next = log[i + 1].view();
    EXPECT_EQ(next.type(), static_cast<uint32_t>(EventType::kReceiptClosed));
    EXPECT_EQ(next.stream(), view.stream());
    EXPECT_EQ(next.stream_version(), view.stream_version() + 1);
    EXPECT_TRUE(view.stream().starts_with("receipt/"));
    const auto* f = view.PayloadAs<fb::TseTransactionFinished>();
    ASSERT_NE(f, nullptr);
    EXPECT_FALSE(f->outage());
    EXPECT_EQ(f->process_type()->str(), "Kassenbeleg-V1");
    EXPECT_EQ(f->signature_algorithm()->str(), "ecdsa-plain-SHA256");
    EXPECT_EQ(f->client_id()->str(), ToHex(store_->node_id()));
    const std::string der = Bytes(f->public_key());
    const Sha256Digest digest = Sha256(der);
    EXPECT_EQ(f->tse_serial()->str(), ToHex(AsStringView(digest)));
    EXPECT_TRUE(f->process_data()->str().find("^2.50_7.80_0.00_0.00_0.00^10.30:Bar") != std::string::npos)
        << f->process_data()->str();
    EXPECT_TRUE(f->qr_code()->str().starts_with("V0;" + ToHex(store_->node_id()) + ";Kassenbeleg-V1;"));
    // Rebuild the signed message from the event and verify it with OpenSSL.
    fiscal::TseLogMessage m;
    m.operation = "FinishTransaction";
    m.client_id = f->client_id()->str();
    m.process_data = f->process_data()->str();
    m.process_type = f->process_type()->str();
    m.transaction_number = f->transaction_number();
    m.signature_counter = f->signature_counter();
    m.log_time_us = f->log_time_us();
    m.serial = std::string(AsStringView(digest));
    auto key = fiscal::PublicKeyFromDer(der);
    ASSERT_TRUE(key.ok());
    EXPECT_TRUE(fiscal::VerifyPlain(*key, m.Encode(), Bytes(f->signature())));
    m.process_data += "x";
    EXPECT_FALSE(fiscal::VerifyPlain(*key, m.Encode(), Bytes(f->signature())));
    // The printed receipt's fiscal lines and QR code.
    const fiscal::FiscalPrint print = fiscal::FiscalPrintOf(*f);
    EXPECT_EQ(print.qr_payload, f->qr_code()->str());
    ASSERT_FALSE(print.lines.empty());
    EXPECT_NE(print.lines[0].find(f->tse_serial()->str()), std::string::npos);
  }
  EXPECT_EQ(finished, 2);
  EXPECT_FALSE(svc_->state().FindReceipt(id));
}

TEST_F(TseTest, CountersAreMonotonicAndGapFreeAcrossRestarts) {
  Sell();
  ASSERT_NO_FATAL_FAILURE(Reopen());
  Sell();
  ASSERT_NO_FATAL_FAILURE(Reopen());
  Sell();
  std::vector<uint64_t> counters;
  std::vector<uint64_t> transactions;
  for (const auto& e : OfType(EventType::kTseTransactionStarted)) {
    const auto* p = e.view().PayloadAs<fb::TseTransactionStarted>();
    counters.push_back(p->signature_counter());
    transactions.push_back(p->transaction_number());
  }
  for (const auto& e : OfType(EventType::kTseTransactionFinished)) {
    counters.push_back(e.view().PayloadAs<fb::TseTransactionFinished>()->signature_counter());
  }
  for (const auto& e : OfType(EventType::kTseTransactionUpdated)) {
    counters.push_back(e.view().PayloadAs<fb::TseTransactionUpdated>()->signature_counter());
  }
  std::sort(counters.begin(), counters.end());
  ASSERT_EQ(counters.size(), 15u);  // per sale: start, two lines, a payment, finish
  for (size_t i = 0; i < counters.size(); ++i) EXPECT_EQ(counters[i], i + 1);
  EXPECT_EQ(transactions, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(Tse().signature_counter(), 15u);
  EXPECT_EQ(Tse().last_transaction_number(), 3u);
}

TEST_F(TseTest, CountersNeverGoBelowTheEventLogWhenTheTseStateIsRolledBack) {
  const std::string state = TseDir() + "/state.json";
  std::filesystem::copy_file(state, dir_.Sub("state.backup"));
  Sell();
  Sell();  // counters 1..10, transactions 1..2
  // The TSE directory restored from an old backup: state and log lose the sales.
  svc_.reset();
  till_.reset();
  std::filesystem::copy_file(dir_.Sub("state.backup"), state, std::filesystem::copy_options::overwrite_existing);
  for (const auto& entry : std::filesystem::directory_iterator(TseDir() + "/log")) std::filesystem::remove(entry);
  ASSERT_NO_FATAL_FAILURE(LoadService());
  EXPECT_EQ(Tse().signature_counter(), 10u);
  EXPECT_EQ(Tse().last_transaction_number(), 2u);
  Sell();
  const auto finished = OfType(EventType::kTseTransactionFinished);
  ASSERT_EQ(finished.size(), 3u);
  const auto* last = finished.back().view().PayloadAs<fb::TseTransactionFinished>();
  EXPECT_EQ(last->transaction_number(), 3u);
  EXPECT_EQ(last->signature_counter(), 15u);
}

// The TSE module's start-up snapshot ("snapshot/tse", domain/till_snapshot.h):
// used only when its head is an own event the log holds with that hash and it
// names this TSE; otherwise the counters come from a scan of the whole log.
TEST_F(TseTest, CountersComeFromAProvenSnapshotOfThisTseAndElseFromTheWholeLog) {
  const std::string state = TseDir() + "/state.json";
  std::filesystem::copy_file(state, dir_.Sub("state.backup"));
  Sell();
  Sell();  // counters 1..10, transactions 1..2
  auto head_bytes = store_->ReadEvent(store_->LastSequence());
  ASSERT_TRUE(head_bytes.ok());
  auto head = EventView::Parse(*head_bytes);
  ASSERT_TRUE(head.ok());
  ASSERT_EQ(head->origin(), store_->node_id());
  const SnapshotHead proven{head->origin_seq(), std::string(head->hash())};
  const std::string serial = Tse().serial_hex();
  // Counters far above the log's, so a snapshot that is used shows.
  auto snapshot = [](const SnapshotHead& at, const std::string& tse_serial, uint32_t format = 1) {
    std::string bytes;
    SnapshotWriter w(bytes);
    w.Str(tse_serial);
    w.U64(40);  // transaction number
    w.U64(90);  // signature counter
    w.Bool(false);
    return EncodeSnapshot(format, at, bytes);
  };
  struct Case {
    std::string name;
    std::string bytes;
  };
  const std::vector<Case> refused = {
      {"names another TSE", snapshot(proven, std::string(serial.size(), '0'))},
      {"names its head with another hash", snapshot({proven.origin_seq, std::string(32, 'x')}, serial)},
      {"names an event beyond the log", snapshot({proven.origin_seq + 3, proven.hash}, serial)},
      {"is of another format", snapshot(proven, serial, 7)},
      {"is cut short", snapshot(proven, serial).substr(0, 4 + 8 + 32 + 10)},
  };
  for (const Case& c : refused) {
    SCOPED_TRACE("a snapshot that " + c.name);
    // The TSE's own state rolled back: only the log (or a snapshot) knows the counters.
    svc_.reset();
    till_.reset();
    std::filesystem::copy_file(dir_.Sub("state.backup"), state, std::filesystem::copy_options::overwrite_existing);
    for (const auto& entry : std::filesystem::directory_iterator(TseDir() + "/log")) std::filesystem::remove(entry);
    ASSERT_TRUE(store_->PutSnapshot("tse", c.bytes).ok());
    ASSERT_NO_FATAL_FAILURE(LoadService());
    EXPECT_FALSE(till_->module->snapshot_used());
    EXPECT_EQ(Tse().signature_counter(), 10u);
    EXPECT_EQ(Tse().last_transaction_number(), 2u);
  }
  ASSERT_TRUE(store_->PutSnapshot("tse", snapshot(proven, serial)).ok());
  ASSERT_NO_FATAL_FAILURE(LoadService());
  EXPECT_TRUE(till_->module->snapshot_used());
  EXPECT_EQ(Tse().signature_counter(), 90u);
  EXPECT_EQ(Tse().last_transaction_number(), 40u);
  Sell();
  const auto finished = OfType(EventType::kTseTransactionFinished);
  ASSERT_EQ(finished.size(), 3u);
  EXPECT_EQ(finished.back().view().PayloadAs<fb::TseTransactionFinished>()->transaction_number(), 41u);
}

TEST_F(TseTest, ALostStateWriteIsRepairedFromTheTseLog) {
  const std::string state = TseDir() + "/state.json";
  std::filesystem::copy_file(state, dir_.Sub("state.backup"));
  Sell();  // counters 1..5, transaction 1
  // A crash after the signed messages were durable but before state.json was:
  // the TSE's own log counts, and the event log agrees.
  svc_.reset();
  till_.reset();
  std::filesystem::copy_file(dir_.Sub("state.backup"), state, std::filesystem::copy_options::overwrite_existing);
  {
    auto tse = SoftwareTse::Open(TseDir());  // closed again before the till opens it
    ASSERT_TRUE(tse.ok());
    EXPECT_EQ((*tse)->signature_counter(), 5u);
    EXPECT_EQ((*tse)->last_transaction_number(), 1u);
  }
  ASSERT_NO_FATAL_FAILURE(LoadService());
  Sell();
  const std::string tar = dir_.Sub("after-crash.tar");
  ASSERT_TRUE(fiscal::WriteTseExport(Tse(), tar, 1).ok());
  auto verified = fiscal::VerifyTseExport(tar);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(verified->signature_counter, 10u);
  EXPECT_EQ(verified->last_transaction_number, 2u);
}

TEST_F(TseTest, DeactivatedTseRefusesToSignWithAClearMessage) {
  ASSERT_TRUE(Tse().Deactivate(kPin).ok());
  const uint64_t before = store_->LastSequence();
  auto id = svc_->Open();
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(id.status().message().find("deactivated"), std::string::npos) << id.status().message();
  EXPECT_EQ(store_->LastSequence(), before);
  EXPECT_TRUE(OfType(EventType::kTseOutageBegan).empty());
  auto signed_log = Tse().StartTransaction(ToHex(store_->node_id()), "Kassenbeleg-V1", "", "x", 1);
  EXPECT_EQ(signed_log.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(TseTest, DeactivationRefusesClosingButAnOpenReceiptCanBeCancelled) {
  auto id = svc_->Open();
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(svc_->AddLine(*id, "1001", 1).ok());
  ASSERT_TRUE(svc_->Pay(*id, {PaymentType::kCash, 250, ""}).ok());
  ASSERT_TRUE(Tse().Deactivate(kPin).ok());
  auto closed = svc_->Close(*id);
  ASSERT_FALSE(closed.ok());
  EXPECT_NE(closed.status().message().find("deactivated"), std::string::npos) << closed.status().message();
  Status cancelled = svc_->Cancel(*id, "TSE out of service", Approval{"sam", "2222"});
  EXPECT_TRUE(cancelled.ok()) << cancelled.ToString();
  EXPECT_EQ(svc_->state().FindReceipt(*id), nullptr);
}

TEST_F(TseTest, OutageClosesReceiptsLogsOnceAndRecovers) {
  Tse().SimulateFailure(true);
  const std::string a = Sell();
  const std::string b = Sell();
  EXPECT_TRUE(till_->module->in_outage());
  EXPECT_EQ(OfType(EventType::kTseOutageBegan).size(), 1u);
  auto finished = OfType(EventType::kTseTransactionFinished);
  ASSERT_EQ(finished.size(), 2u);
  for (const auto& e : finished) {
    const auto* f = e.view().PayloadAs<fb::TseTransactionFinished>();
    EXPECT_TRUE(f->outage());
    EXPECT_EQ(Bytes(f->signature()), "");
    EXPECT_EQ(Bytes(f->public_key()), "");
    const fiscal::FiscalPrint print = fiscal::FiscalPrintOf(*f);
    EXPECT_EQ(print.lines.at(0), "TSE ausgefallen");
    EXPECT_EQ(print.qr_payload, "");
  }
  EXPECT_EQ(svc_->state().last_receipt_number(), 2u);

  // A missing key file is an outage too; the outage state survives a restart.
  Tse().SimulateFailure(false);
  std::filesystem::rename(TseDir() + "/key.pem", dir_.Sub("key.pem"));
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_TRUE(till_->module->in_outage());
  Sell();
  EXPECT_EQ(OfType(EventType::kTseOutageBegan).size(), 1u);
  EXPECT_TRUE(OfType(EventType::kTseOutageEnded).empty());

  // The key is back: signing resumes and the outage ends, once.
  std::filesystem::rename(dir_.Sub("key.pem"), TseDir() + "/key.pem");
  Sell();
  Sell();
  EXPECT_FALSE(till_->module->in_outage());
  EXPECT_EQ(OfType(EventType::kTseOutageEnded).size(), 1u);
  finished = OfType(EventType::kTseTransactionFinished);
  ASSERT_EQ(finished.size(), 5u);
  EXPECT_FALSE(finished[3].view().PayloadAs<fb::TseTransactionFinished>()->outage());
  EXPECT_FALSE(finished[4].view().PayloadAs<fb::TseTransactionFinished>()->outage());
  EXPECT_EQ(svc_->state().last_receipt_number(), 5u);
  // The receipts opened in the outage had no TSE transaction: tx numbers stay dense.
  EXPECT_EQ(Tse().last_transaction_number(), 2u);
}

TEST_F(TseTest, CancelledReceiptFinishesItsTransaction) {
  auto id = svc_->Open();
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(svc_->AddLine(*id, "1001", 1).ok());
  Status cancelled = svc_->Cancel(*id, "customer left", Approval{"sam", "2222"});
  ASSERT_TRUE(cancelled.ok()) << cancelled.ToString();
  const auto log = Log();
  const EventView last = log.back().view();
  EXPECT_EQ(last.type(), static_cast<uint32_t>(EventType::kReceiptCancelled));
  const EventView before = log[log.size() - 2].view();
  ASSERT_EQ(before.type(), static_cast<uint32_t>(EventType::kTseTransactionFinished));
  EXPECT_TRUE(before.PayloadAs<fb::TseTransactionFinished>()->process_data()->str().starts_with("AVBelegabbruch^"));
  EXPECT_TRUE(Tse().open_transactions().empty());
}

TEST_F(TseTest, ExportRoundTripAndTamperedSignatureIsNamed) {
  Sell();
  Sell();
  Sell();
  const std::string tar = dir_.Sub("tse.tar");
  auto written = fiscal::WriteTseExport(Tse(), tar, 1'700'000'100'000'000);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->messages, 15u);
  EXPECT_EQ(written->updates, 9u);
  auto verified = fiscal::VerifyTseExport(tar);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(verified->messages, 15u);
  EXPECT_EQ(verified->signature_counter, 15u);
  EXPECT_EQ(verified->last_transaction_number, 3u);
  EXPECT_EQ(verified->finished_transactions, 3u);
  EXPECT_EQ(verified->updates, 9u);
  EXPECT_EQ(verified->serial, Tse().serial_hex());

  // Flip one byte of the signature of counter 4 inside the tar.
  std::string bytes;
  {
    std::ifstream in(tar, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string sig = JournalSignature(TseDir(), 4);
  ASSERT_EQ(sig.size(), 64u);
  const size_t at = bytes.find(sig);
  ASSERT_NE(at, std::string::npos);
  bytes[at + 10] = static_cast<char>(bytes[at + 10] ^ 0x01);
  const std::string tampered = dir_.Sub("tampered.tar");
  {
    std::ofstream out(tampered, std::ios::binary);
    out << bytes;
  }
  auto bad = fiscal::VerifyTseExport(tampered);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
  EXPECT_NE(bad.status().message().find("Sig-0000000004"), std::string::npos) << bad.status().message();
  EXPECT_NE(bad.status().message().find("does not verify"), std::string::npos) << bad.status().message();
}

TEST_F(TseTest, ExportWithAMissingMessageShowsTheGap) {
  Sell();
  Sell();
  RemoveFromJournal(TseDir(), 2);
  const std::string tar = dir_.Sub("gap.tar");
  ASSERT_TRUE(fiscal::WriteTseExport(Tse(), tar, 1).ok());
  auto bad = fiscal::VerifyTseExport(tar);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("signature counter 3 where 2 was due"), std::string::npos)
      << bad.status().message();
}

TEST_F(TseTest, WrongPinIsRefusedAndBlocksAfterThreeTriesUntilThePuk) {
  Status wrong = Tse().Deactivate("999999");
  EXPECT_EQ(wrong.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(wrong.message().find("wrong TSE admin PIN"), std::string::npos) << wrong.message();
  EXPECT_EQ(Tse().lifecycle(), fiscal::TseLifecycle::kInitialised);
  EXPECT_FALSE(Tse().RegisterClient("000000", "other").ok());
  EXPECT_FALSE(Tse().RegisterClient("000001", "other").ok());
  Status blocked = Tse().RegisterClient(kPin, "other");  // right PIN, but blocked now
  EXPECT_EQ(blocked.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(blocked.message().find("blocked"), std::string::npos) << blocked.message();
  EXPECT_EQ(Tse().Unblock("0000000000").code(), StatusCode::kPermissionDenied);
  ASSERT_TRUE(Tse().Unblock(puk_).ok());
  Status ok = Tse().RegisterClient(kPin, "other");
  EXPECT_TRUE(ok.ok()) << ok.ToString();
  // Selling is unaffected by the admin PIN.
  Sell();
  EXPECT_EQ(OfType(EventType::kTseTransactionFinished).size(), 1u);
}

TEST_F(TseTest, DecommissionDestroysTheKeyButTheExportStillVerifies) {
  Sell();
  ASSERT_TRUE(Tse().Decommission(kPin).ok());
  EXPECT_FALSE(std::filesystem::exists(TseDir() + "/key.pem"));
  auto id = svc_->Open();
  EXPECT_EQ(id.status().code(), StatusCode::kFailedPrecondition);
  const std::string tar = dir_.Sub("final.tar");
  ASSERT_TRUE(fiscal::WriteTseExport(Tse(), tar, 1).ok());
  auto verified = fiscal::VerifyTseExport(tar);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(verified->messages, 5u);
}

// UpdateTransaction: every change of an open receipt (a line added or voided, a
// payment) is signed with the receipt's transaction number and the next counter,
// in the receipt's own batch right after the receipt event.
TEST_F(TseTest, UpdatesAreSignedInTheReceiptBatchWithTheSameTransaction) {
  auto id = svc_->Open();
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  ASSERT_TRUE(svc_->AddLine(*id, "1001", 1).ok());
  auto bread = svc_->AddLine(*id, "1002", 2);
  ASSERT_TRUE(bread.ok()) << bread.status().ToString();
  Status voided = svc_->VoidLine(*id, bread->line_no);
  ASSERT_TRUE(voided.ok()) << voided.ToString();
  ASSERT_TRUE(svc_->Pay(*id, {PaymentType::kCash, 250, ""}).ok());
  auto closed = svc_->Close(*id);
  ASSERT_TRUE(closed.ok()) << closed.status().ToString();

  const auto log = Log();
  const auto started = OfType(EventType::kTseTransactionStarted);
  const auto finished = OfType(EventType::kTseTransactionFinished);
  ASSERT_EQ(started.size(), 1u);
  ASSERT_EQ(finished.size(), 1u);
  const auto* f = finished[0].view().PayloadAs<fb::TseTransactionFinished>();
  const uint64_t tx = started[0].view().PayloadAs<fb::TseTransactionStarted>()->transaction_number();
  EXPECT_EQ(tx, 1u);
  EXPECT_EQ(started[0].view().PayloadAs<fb::TseTransactionStarted>()->signature_counter(), 1u);
  const std::string der = Bytes(f->public_key());
  auto key = fiscal::PublicKeyFromDer(der);
  ASSERT_TRUE(key.ok());
  std::vector<std::string> changes;
  uint64_t expected_counter = 2;
  for (size_t i = 0; i < log.size(); ++i) {
    const EventView view = log[i].view();
    if (view.type() != static_cast<uint32_t>(EventType::kTseTransactionUpdated)) continue;
    ASSERT_GT(i, 0u);
    const EventView before = log[i - 1].view();
    EXPECT_EQ(before.stream(), view.stream());
    EXPECT_EQ(view.stream(), "receipt/" + *id);
    EXPECT_EQ(view.stream_version(), before.stream_version() + 1);
    EXPECT_NE(before.type(), static_cast<uint32_t>(EventType::kTseTransactionUpdated));
    const auto* u = view.PayloadAs<fb::TseTransactionUpdated>();
    ASSERT_NE(u, nullptr);
    EXPECT_FALSE(u->outage());
    EXPECT_EQ(u->receipt_id()->str(), *id);
    EXPECT_EQ(u->transaction_number(), tx);
    EXPECT_EQ(u->signature_counter(), expected_counter++);
    EXPECT_EQ(u->tse_serial()->str(), f->tse_serial()->str());
    changes.push_back(u->process_data()->str());
    // Rebuild the signed message and verify it with OpenSSL.
    fiscal::TseLogMessage m;
    m.operation = "UpdateTransaction";
    m.client_id = u->client_id()->str();
    m.process_data = u->process_data()->str();
    m.process_type = u->process_type()->str();
    m.transaction_number = u->transaction_number();
    m.signature_counter = u->signature_counter();
    m.log_time_us = u->log_time_us();
    m.serial = std::string(AsStringView(Sha256(der)));
    EXPECT_TRUE(fiscal::VerifyPlain(*key, m.Encode(), Bytes(u->signature())));
    m.operation = "FinishTransaction";
    EXPECT_FALSE(fiscal::VerifyPlain(*key, m.Encode(), Bytes(u->signature())));
  }
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_TRUE(changes[0].starts_with("Position^1001^1^")) << changes[0];
  EXPECT_TRUE(changes[1].starts_with("Position^1002^2^")) << changes[1];
  EXPECT_EQ(changes[2], "Storno^" + std::to_string(bread->line_no));
  EXPECT_EQ(changes[3], "Zahlung^cash^250");
  EXPECT_EQ(f->transaction_number(), tx);
  EXPECT_EQ(f->signature_counter(), 6u);
  EXPECT_TRUE(Tse().open_transactions().empty());
}

// An update the TSE cannot sign marks nothing, never blocks the sale, and logs
// the outage once; the next signature that works ends it.
TEST_F(TseTest, AnUpdateInAnOutageAddsNothingAndTheSaleGoesOn) {
  auto id = svc_->Open();
  ASSERT_TRUE(id.ok());
  Tse().SimulateFailure(true);
  ASSERT_TRUE(svc_->AddLine(*id, "1001", 1).ok());
  ASSERT_TRUE(svc_->Pay(*id, {PaymentType::kCash, 250, ""}).ok());
  EXPECT_TRUE(OfType(EventType::kTseTransactionUpdated).empty());
  EXPECT_EQ(OfType(EventType::kTseOutageBegan).size(), 1u);
  EXPECT_TRUE(till_->module->in_outage());
  Tse().SimulateFailure(false);
  auto closed = svc_->Close(*id);
  ASSERT_TRUE(closed.ok()) << closed.status().ToString();
  EXPECT_EQ(OfType(EventType::kTseOutageEnded).size(), 1u);
  const auto finished = OfType(EventType::kTseTransactionFinished);
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0].view().PayloadAs<fb::TseTransactionFinished>()->signature_counter(), 2u);
  const std::string tar = dir_.Sub("outage.tar");
  ASSERT_TRUE(fiscal::WriteTseExport(Tse(), tar, 1).ok());
  auto verified = fiscal::VerifyTseExport(tar);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(verified->messages, 2u);
  EXPECT_EQ(verified->updates, 0u);
}

// Restart recovery counts TseTransactionUpdated: a TSE state rolled back below an
// update's counter continues above it.
TEST_F(TseTest, RecoveryCountsUpdatesSoCountersNeverRepeat) {
  const std::string state = TseDir() + "/state.json";
  std::filesystem::copy_file(state, dir_.Sub("state.backup"));
  auto id = svc_->Open();
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(svc_->AddLine(*id, "1001", 1).ok());
  ASSERT_TRUE(svc_->AddLine(*id, "1002", 1).ok());  // counters 1..3, the last one an update
  svc_.reset();
  till_.reset();
  std::filesystem::copy_file(dir_.Sub("state.backup"), state, std::filesystem::copy_options::overwrite_existing);
  for (const auto& entry : std::filesystem::directory_iterator(TseDir() + "/log")) std::filesystem::remove(entry);
  ASSERT_NO_FATAL_FAILURE(LoadService());
  EXPECT_EQ(Tse().signature_counter(), 3u);
  EXPECT_EQ(Tse().last_transaction_number(), 1u);
}

struct CliRun {
  int exit_code = -1;
  std::string out;
};

// Runs `pos --data DATA ARGS` with `input` on stdin; stdout and stderr together.
CliRun Pos(const std::string& data, const std::string& args, const std::string& input = "") {
  const std::string command = "printf '%s\\n' '" + input + "' | '" + testing::BinaryDir() + "/tools/pos/pos' --data '" +
                              data + "' " + args + " 2>&1";
  CliRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

TEST(TseCliTest, InitRegisterSellExportVerifyAndTamper) {
  ScratchDir dir;
  const std::string data = dir.Sub("till");
  ASSERT_EQ(Pos(data, "init --node-name till-1").exit_code, 0);
  ASSERT_EQ(Pos(data, "catalog import '" + std::string(POS_SOURCE_DIR) + "/samples/catalog.json'").exit_code, 0);
  CliRun init = Pos(data, "tse init --admin-pin-stdin", "123456");
  ASSERT_EQ(init.exit_code, 0) << init.out;
  EXPECT_NE(init.out.find("PUK "), std::string::npos) << init.out;
  CliRun reg = Pos(data, "tse register-client --admin-pin-stdin", "123456");
  ASSERT_EQ(reg.exit_code, 0) << reg.out;
  EXPECT_EQ(Pos(data, "tse deactivate --admin-pin-stdin", "000000").exit_code, 1);
  ASSERT_EQ(Pos(data, "sale sign-on --user anna --pin-stdin", "4711").exit_code, 0);
  CliRun opened = Pos(data, "sale open");
  ASSERT_EQ(opened.exit_code, 0) << opened.out;
  std::string id = opened.out.substr(0, opened.out.find_first_of(" \n"));
  ASSERT_EQ(Pos(data, "sale add --receipt " + id + " --article 1001 --qty 2").exit_code, 0);
  ASSERT_EQ(Pos(data, "sale pay --receipt " + id + " --type cash --amount 10").exit_code, 0);
  CliRun closed = Pos(data, "sale close --receipt " + id);
  ASSERT_EQ(closed.exit_code, 0) << closed.out;
  CliRun status = Pos(data, "--json tse status");
  ASSERT_EQ(status.exit_code, 0) << status.out;
  EXPECT_NE(status.out.find("\"signature_counter\": 4"), std::string::npos) << status.out;  // start, line, payment, finish
  const std::string tar = dir.Sub("tse.tar");
  CliRun exported = Pos(data, "tse export '" + tar + "'");
  ASSERT_EQ(exported.exit_code, 0) << exported.out;
  CliRun verified = Pos(data, "tse verify-export '" + tar + "'");
  EXPECT_EQ(verified.exit_code, 0) << verified.out;
  // Tamper: one byte of the first signature.
  std::string bytes;
  {
    std::ifstream in(tar, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string sig = JournalSignature(data + "/tse", 1);
  const size_t at = bytes.find(sig);
  ASSERT_NE(at, std::string::npos);
  bytes[at] = static_cast<char>(bytes[at] ^ 0x80);
  {
    std::ofstream out(tar, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  CliRun bad = Pos(data, "tse verify-export '" + tar + "'");
  EXPECT_EQ(bad.exit_code, 3) << bad.out;
  EXPECT_NE(bad.out.find("Sig-0000000001"), std::string::npos) << bad.out;
}

TEST(KassenbelegTest, ProcessDataAndQrCode) {
  FiscalReceipt receipt;
  receipt.receipt_id = "abcd-1";
  receipt.totals.tax_lines = {{"A", 1900, 250, 210, 40}, {"B", 700, 780, 729, 51}};
  receipt.payments = {{PaymentType::kCash, 530, ""}, {PaymentType::kCard, 500, ""}};
  EXPECT_EQ(fiscal::KassenbelegProcessData(receipt), "Beleg^2.50_7.80_0.00_0.00_0.00^5.30:Bar_5.00:Unbar");
  receipt.training = true;
  EXPECT_EQ(fiscal::KassenbelegProcessData(receipt), "AVTraining^2.50_7.80_0.00_0.00_0.00^5.30:Bar_5.00:Unbar");
  FiscalReceipt refund;
  refund.totals.tax_lines = {{"A", 1900, -250, -210, -40}};
  refund.payments = {{PaymentType::kCash, -250, ""}};
  EXPECT_EQ(fiscal::KassenbelegProcessData(refund), "Beleg^-2.50_0.00_0.00_0.00_0.00^-2.50:Bar");
  EXPECT_EQ(fiscal::IsoTime(1'700'000'000'123'456), "2023-11-14T22:13:20.123Z");
  const std::string qr = fiscal::QrCode({"till", "Kassenbeleg-V1", "Beleg^x", 7, 15, 1'700'000'000'000'000,
                                         1'700'000'001'000'000, std::string(64, '\x01'), "key"});
  EXPECT_EQ(qr.substr(0, qr.find(";ecdsa")),
            "V0;till;Kassenbeleg-V1;Beleg^x;7;15;2023-11-14T22:13:20.000Z;2023-11-14T22:13:21.000Z");
  EXPECT_TRUE(qr.ends_with(";" + fiscal::Base64("key")));
}

TEST(TseLogMessageTest, EncodingRoundTrips) {
  fiscal::TseLogMessage m;
  m.operation = "StartTransaction";
  m.client_id = "c";
  m.process_type = "Kassenbeleg-V1";
  m.transaction_number = 3;
  m.signature_counter = 9;
  m.log_time_us = -5;
  m.serial = std::string(32, 'x');
  auto back = fiscal::TseLogMessage::Decode(m.Encode());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->Encode(), m.Encode());
  EXPECT_EQ(back->log_time_us, -5);
  EXPECT_FALSE(fiscal::TseLogMessage::Decode(m.Encode() + "z").ok());
}

// `pos serve`: the TSE lives in its own actor and the register actor signs through
// the TseProxy. A sale over the command API (the CLI through the daemon) yields
// TseTransactionStarted / Updated / Finished with one transaction and dense
// counters, and the TSE export taken after the daemon stopped verifies.
TEST(TseDaemonTest, ASaleOverTheApiIsSignedByTheTseActor) {
  ScratchDir dir;
  const std::string data = dir.Sub("till");
  ASSERT_EQ(Pos(data, "init --node-name till-1").exit_code, 0);
  ASSERT_EQ(Pos(data, "catalog import '" + std::string(POS_SOURCE_DIR) + "/samples/catalog.json'").exit_code, 0);
  ASSERT_EQ(Pos(data, "tse init --admin-pin-stdin", "123456").exit_code, 0);
  ASSERT_EQ(Pos(data, "tse register-client --admin-pin-stdin", "123456").exit_code, 0);

  const std::string binary = testing::BinaryDir() + "/tools/pos/pos";
  const std::string log = dir.Sub("serve.log");
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    execl(binary.c_str(), binary.c_str(), "--data", data.c_str(), "serve", "--listen", "tcp://127.0.0.1:*",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  auto serve_log = [&] {
    std::ifstream in(log);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  };
  bool ready = false;
  for (int i = 0; i < 200 && !ready; ++i) {
    std::ifstream in(data + "/serve.json");
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    ready = text.find(std::to_string(pid)) != std::string::npos;
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!ready) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    FAIL() << "pos serve did not start; log:\n" << serve_log();
  }

  std::string id;
  {
    EXPECT_EQ(Pos(data, "sale sign-on --user anna --pin-stdin", "4711").exit_code, 0);
    CliRun opened = Pos(data, "sale open");
    EXPECT_EQ(opened.exit_code, 0) << opened.out;
    id = opened.out.substr(0, opened.out.find_first_of(" \n"));
    EXPECT_EQ(Pos(data, "sale add --receipt " + id + " --article 1001 --qty 2").exit_code, 0);
    EXPECT_EQ(Pos(data, "sale add --receipt " + id + " --article 1001 --qty 1").exit_code, 0);
    EXPECT_EQ(Pos(data, "sale pay --receipt " + id + " --type cash --amount 20").exit_code, 0);
    CliRun closed = Pos(data, "sale close --receipt " + id);
    EXPECT_EQ(closed.exit_code, 0) << closed.out;
  }
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  for (int i = 0; i < 500; ++i) {
    if (waitpid(pid, &status, WNOHANG) == pid) break;
    if (i == 499) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      FAIL() << "pos serve did not stop on SIGTERM; log:\n" << serve_log();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << serve_log();

  {
    auto store = EventStore::Open(data);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    std::vector<std::pair<uint32_t, uint64_t>> signed_events;  // (type, signature counter) in log order
    std::set<uint64_t> transactions;
    Status scanned = (*store)->ScanLog(1, (*store)->LastSequence(), [&](uint64_t, std::string_view bytes) {
      auto view = EventView::Parse(bytes);
      if (!view.ok()) return false;
      switch (static_cast<EventType>(view->type())) {
        case EventType::kTseTransactionStarted: {
          const auto* p = view->PayloadAs<fb::TseTransactionStarted>();
          EXPECT_FALSE(p->outage());
          signed_events.emplace_back(view->type(), p->signature_counter());
          transactions.insert(p->transaction_number());
          break;
        }
        case EventType::kTseTransactionUpdated: {
          const auto* p = view->PayloadAs<fb::TseTransactionUpdated>();
          EXPECT_FALSE(p->outage());
          EXPECT_EQ(view->stream(), "receipt/" + id);
          signed_events.emplace_back(view->type(), p->signature_counter());
          transactions.insert(p->transaction_number());
          break;
        }
        case EventType::kTseTransactionFinished: {
          const auto* p = view->PayloadAs<fb::TseTransactionFinished>();
          EXPECT_FALSE(p->outage());
          signed_events.emplace_back(view->type(), p->signature_counter());
          transactions.insert(p->transaction_number());
          break;
        }
        default: break;
      }
      return true;
    });
    ASSERT_TRUE(scanned.ok()) << scanned.ToString();
    const std::vector<std::pair<uint32_t, uint64_t>> expected = {
        {static_cast<uint32_t>(EventType::kTseTransactionStarted), 1},
        {static_cast<uint32_t>(EventType::kTseTransactionUpdated), 2},
        {static_cast<uint32_t>(EventType::kTseTransactionUpdated), 3},
        {static_cast<uint32_t>(EventType::kTseTransactionUpdated), 4},
        {static_cast<uint32_t>(EventType::kTseTransactionFinished), 5}};
    EXPECT_EQ(signed_events, expected) << serve_log();
    EXPECT_EQ(transactions, (std::set<uint64_t>{1}));
  }

  const std::string tar = dir.Sub("tse.tar");
  CliRun exported = Pos(data, "tse export '" + tar + "'");
  ASSERT_EQ(exported.exit_code, 0) << exported.out;
  CliRun verified = Pos(data, "--json tse verify-export '" + tar + "'");
  EXPECT_EQ(verified.exit_code, 0) << verified.out;
  EXPECT_NE(verified.out.find("\"updates\": 3"), std::string::npos) << verified.out;
  EXPECT_NE(verified.out.find("\"signature_counter\": 5"), std::string::npos) << verified.out;
}

// ---- The TSE journal (domain/fiscal/tse_journal.h) ----

fiscal::TseJournalRecord NumberedRecord(int i) {
  return fiscal::TseJournalRecord{"message-" + std::to_string(i), std::string(64, static_cast<char>('a' + i % 26)),
                                  i % 2 ? "receipt-" + std::to_string(i) : ""};
}

std::vector<fiscal::TseJournalRecord> ReadAll(const std::string& path) {
  std::vector<fiscal::TseJournalRecord> records;
  Status read = fiscal::TseJournal::Read(path, [&](const fiscal::TseJournalRecord& r) {
    records.push_back(r);
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.ToString();
  return records;
}

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void AppendBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << bytes;
}

TEST(TseJournalTest, RecordsRoundTripAndATornTailIsCutBeforeTheNextAppend) {
  ScratchDir dir;
  const std::string path = dir.Sub("journal");
  {
    auto journal = fiscal::TseJournal::Open(path, nullptr);
    ASSERT_TRUE(journal.ok()) << journal.status().ToString();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE((*journal)->Append(NumberedRecord(i)).ok());
    EXPECT_TRUE((*journal)->HasUnsynced());
    ASSERT_TRUE((*journal)->Sync().ok());
    EXPECT_FALSE((*journal)->HasUnsynced());
  }
  const auto size = std::filesystem::file_size(path);
  AppendBytes(path, std::string("\x00\x00\x00\x50partial", 11));  // a crash mid-append
  std::vector<std::string> replayed;
  auto journal = fiscal::TseJournal::Open(path, [&](const fiscal::TseJournalRecord& r) {
    replayed.push_back(r.log_message);
    return Status::Ok();
  });
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  EXPECT_EQ(replayed, (std::vector<std::string>{"message-0", "message-1", "message-2"}));
  EXPECT_EQ(std::filesystem::file_size(path), size);  // the torn tail is gone
  ASSERT_TRUE((*journal)->Append(NumberedRecord(3)).ok());
  ASSERT_TRUE((*journal)->Sync().ok());
  const auto records = ReadAll(path);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[3].log_message, "message-3");
  EXPECT_EQ(records[1].reference, "receipt-1");
  EXPECT_EQ(records[2].signature, std::string(64, 'c'));
}

TEST(TseJournalTest, AZeroFilledTailIsCutButADamagedRecordBeforeGoodOnesRefusesToOpen) {
  ScratchDir dir;
  const std::string path = dir.Sub("journal");
  ASSERT_TRUE(fiscal::TseJournal::WriteAll(path, {NumberedRecord(0), NumberedRecord(1), NumberedRecord(2)}).ok());
  const std::string good = ReadFileBytes(path);
  AppendBytes(path, std::string(300, '\0'));
  EXPECT_EQ(ReadAll(path).size(), 3u);
  ASSERT_TRUE(fiscal::TseJournal::Open(path, nullptr).ok());
  EXPECT_EQ(ReadFileBytes(path), good);

  std::string damaged = good;
  damaged[10] = static_cast<char>(damaged[10] ^ 0x01);  // inside record 1's body
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << damaged; }
  auto opened = fiscal::TseJournal::Open(path, nullptr);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kCorruption);
  EXPECT_NE(opened.status().message().find("damaged record #1"), std::string::npos) << opened.status().message();
  EXPECT_EQ(ReadFileBytes(path), damaged);  // nothing was cut
}

TEST(TseJournalTest, OnlyOneWriterAtATime) {
  ScratchDir dir;
  const std::string path = dir.Sub("journal");
  auto first = fiscal::TseJournal::Open(path, nullptr);
  ASSERT_TRUE(first.ok());
  auto second = fiscal::TseJournal::Open(path, nullptr);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("in use by another process"), std::string::npos);
}

// A process signing in a loop is killed with SIGKILL: every signature it returned
// is in the journal, and the counters go on without a gap or a repeat.
TEST(TseJournalTest, SignaturesSurviveSigkillAndCountersStayGapFree) {
  ScratchDir dir;
  const std::string tse_dir = dir.Sub("tse");
  {
    auto tse = SoftwareTse::Open(tse_dir);
    ASSERT_TRUE(tse.ok());
    ASSERT_TRUE((*tse)->Initialise(kPin, 1).ok());
    ASSERT_TRUE((*tse)->RegisterClient(kPin, "client").ok());
  }
  for (int round = 0; round < 3; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      auto tse = SoftwareTse::Open(tse_dir);
      if (!tse.ok()) ::_exit(2);
      for (;;) {
        auto started = (*tse)->StartTransaction("client", "Kassenbeleg-V1", "", "r", 2);
        if (!started.ok()) ::_exit(3);
        auto finished = (*tse)->FinishTransaction("client", started->message.transaction_number, "Kassenbeleg-V1",
                                                  "Beleg^1.00", 3);
        if (!finished.ok()) ::_exit(4);
        const uint64_t acked = finished->message.signature_counter;
        if (::write(fds[1], &acked, sizeof(acked)) != sizeof(acked)) ::_exit(5);
      }
    }
    ::close(fds[1]);
    uint64_t acked = 0;
    uint64_t value = 0;
    for (int n = 0; n < 40 && ::read(fds[0], &value, sizeof(value)) == sizeof(value); ++n) acked = value;
    ::kill(child, SIGKILL);
    int wstatus = 0;
    ::waitpid(child, &wstatus, 0);
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(wstatus)) << "the signer exited by itself: " << wstatus;
    auto tse = SoftwareTse::Open(tse_dir);
    ASSERT_TRUE(tse.ok()) << tse.status().ToString();
    EXPECT_GE((*tse)->signature_counter(), acked);
    uint64_t expected = 1;
    for (const auto& record : ReadAll(tse_dir + "/log/journal")) {
      auto message = fiscal::TseLogMessage::Decode(record.log_message);
      ASSERT_TRUE(message.ok());
      EXPECT_EQ(message->signature_counter, expected++);
    }
    EXPECT_EQ(expected - 1, (*tse)->signature_counter());
  }
}

}  // namespace
}  // namespace pos
