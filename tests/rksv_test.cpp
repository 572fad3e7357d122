// The Austrian fiscal profile (domain/fiscal/at, docs/fiscal-at.md): crypto and the
// receipt format against independently computed values, the register's RKSV chain
// through RegisterService on a real store (every receipt type, device failure and
// the Sammelbeleg, several devices, closing), the DEP7 export and our verifier,
// which must name the first bad receipt of a tampered export.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "adapters/till_peripherals.h"
#include "domain/fiscal/at/dep7_export.h"
#include "domain/fiscal/at/dep7_verifier.h"
#include "domain/fiscal/at/rksv_crypto.h"
#include "domain/fiscal/at/rksv_events.h"
#include "domain/fiscal/at/rksv_fiscal_module.h"
#include "domain/fiscal/at/rksv_receipt.h"
#include "domain/fiscal/atomic_file.h"
#include "domain/master_data_service.h"
#include "domain/register_service.h"
#include "engine/pin_hash.h"
#include "events/event_view.h"
#include "projections/builtin_projections.h"
#include "tests/test_support.h"

namespace pos {
namespace {

using namespace fiscal::at;
using testing::ScratchDir;

constexpr const char* kAesKey = "WQRtiiya3hYh/Uz44Bv3x8ETl1nrH6nCdErn69g5/lU=";

// Values computed with the openssl command line (enc -aes-256-ctr, sha256sum), not with this code.
TEST(RksvCrypto, TurnoverCounterMatchesOpensslAes256Ctr) {
  const std::string key = *Base64Decode(kAesKey, "key");
  const std::string iv = TurnoverIv("CASHBOX-DEMO-1", "CASHBOX-DEMO-1-Receipt-ID-13");
  EXPECT_EQ(*EncryptTurnover(key, iv, 37476, 8), "rwOkdXON4k0=");
  EXPECT_EQ(*EncryptTurnover(key, iv, 37476, 5), "rwOk5xc=");
  EXPECT_EQ(*EncryptTurnover(key, iv, -1234, 8), "UPxbioxyiwc=");
  EXPECT_EQ(*DecryptTurnover(key, iv, "rwOkdXON4k0="), 37476);
  EXPECT_EQ(*DecryptTurnover(key, iv, "rwOk5xc="), 37476);
  EXPECT_EQ(*DecryptTurnover(key, iv, "UPxbioxyiwc="), -1234);
  EXPECT_EQ(*DecryptTurnover(key, iv, *EncryptTurnover(key, iv, -5, 5)), -5);
  EXPECT_FALSE(EncryptTurnover(key, iv, 1, 4).ok());
  EXPECT_FALSE(EncryptTurnover(key, iv, 1, 9).ok());
  EXPECT_FALSE(EncryptTurnover("short", iv, 1, 8).ok());
  EXPECT_EQ(ChainValue("CASHBOX-DEMO-1"), "cg8hNU5ihto=");
}

TEST(RksvCrypto, Base64IsStrict) {
  EXPECT_EQ(Base64Encode("STO"), "U1RP");
  EXPECT_EQ(Base64Encode("TRA"), "VFJB");
  EXPECT_EQ(Base64UrlEncode("{\"alg\":\"ES256\"}"), kJwsHeader);
  EXPECT_EQ(*Base64UrlDecode(Base64UrlEncode(std::string("\xff\xfe\x00x", 4)), "x"), std::string("\xff\xfe\x00x", 4));
  auto bad = Base64Decode("ab$d", "the thing");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("the thing"), std::string::npos);
  EXPECT_FALSE(Base64Decode("abc", "x").ok());
}

TEST(RksvReceipt, AmountsAndPayloadRoundTrip) {
  EXPECT_EQ(FormatAmount(0), "0,00");
  EXPECT_EQ(FormatAmount(-99), "-0,99");
  EXPECT_EQ(FormatAmount(123450), "1234,50");
  EXPECT_EQ(*ParseAmount("-37,11"), -3711);
  EXPECT_FALSE(ParseAmount("1.234,50").ok());
  EXPECT_FALSE(ParseAmount("12,5").ok());
  MachineCode code{"AT0", "KASSE-1", "R-17", "2016-03-11T03:57:08", {12034, -3711, 0, 1, 5}, "rwOkdXON4k0=",
                   "U:ATU12345678-K1", "cg8hNU5ihto="};
  const std::string payload = code.Payload();
  EXPECT_EQ(payload,
            "_R1-AT0_KASSE-1_R-17_2016-03-11T03:57:08_120,34_-37,11_0,00_0,01_0,05_rwOkdXON4k0=_U:ATU12345678-K1_"
            "cg8hNU5ihto=");
  auto parsed = ParsePayload(payload);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->amounts, code.amounts);
  EXPECT_EQ(parsed->key_id, code.key_id);
  EXPECT_FALSE(ParsePayload("_R1-AT0_a_b").ok());
  EXPECT_FALSE(ParsePayload(payload.substr(1)).ok());
  EXPECT_EQ(FormatDateTime(*ParseDateTimeAsUtc("2016-03-11T03:57:08"), true), "2016-03-11T03:57:08");
}

// A till on a real store with the Austrian tax rates, an RKSV register and a supervisor signed on.
class RksvTillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<ManualClock>(1'700'000'000'000'000);
    StoreOptions options;
    options.clock = clock_;
    auto store = EventStore::Create(dir_.Sub("store"), {.node_name = "till-at"}, options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    StartRunner();
    MasterDataService master(*store_, *runner_);
    ASSERT_TRUE(master.AddTaxRate({"A", "Normal", 2000}, "root").ok());
    ASSERT_TRUE(master.AddTaxRate({"B", "Ermaessigt", 1000}, "root").ok());
    ASSERT_TRUE(master.AddTaxRate({"D", "German", 700}, "root").ok());
    ASSERT_TRUE(master.AddArticle({"1001", "Kaffee", 350, "A", "drinks", {}}, "root").ok());
    ASSERT_TRUE(master.AddArticle({"1002", "Semmel", 120, "B", "bakery", {}}, "root").ok());
    ASSERT_TRUE(master.AddArticle({"1003", "Import", 500, "D", "misc", {}}, "root").ok());
    ASSERT_TRUE(master.AddUser({"sam", "Sam", UserRole::kSupervisor, *HashSecret("2222", 1000)}, "root").ok());

    RksvInitOptions init;
    init.register_id = "KASSE-1";
    init.company_id = "U:ATU12345678";
    init.aes_key_base64 = kAesKey;
    init.devices = 2;
    init.utc_clock = true;
    auto reg = RksvRegister::Create(RksvDirOf(*store_), init);
    ASSERT_TRUE(reg.ok()) << reg.status().ToString();
    reg.value().reset();
    Load();
  }

  void StartRunner() {
    runner_ = std::make_unique<ProjectionRunner>(*store_);
    ASSERT_TRUE(RegisterBuiltinProjections(*runner_).ok());
    ASSERT_TRUE(runner_->CatchUp().ok());
  }

  // Opens the register and the till as a fresh process would.
  void Load() {
    svc_.reset();
    till_.reset();
    auto till = OpenTillRksv(*store_);
    ASSERT_TRUE(till.ok()) << till.status().ToString();
    ASSERT_TRUE(till->has_value());
    till_ = std::move(till).value();
    auto svc = RegisterService::Load(*store_, *runner_, clock_);
    ASSERT_TRUE(svc.ok()) << svc.status().ToString();
    svc_ = std::move(svc).value();
    svc_->SetFiscalModule(till_->module.get());
    if (!svc_->state().signed_on().has_value()) {
      ASSERT_TRUE(svc_->SignOn("sam", "2222").ok());
    }
  }

  RksvFiscalModule& Module() { return *till_->module; }
  RksvRegister& Reg() { return *till_->reg; }
  int64_t Now() { return clock_->NowMicros(); }

  void Initialise() {
    auto start = Module().Initialise(Now(), "sam");
    ASSERT_TRUE(start.ok()) << start.status().ToString();
    EXPECT_EQ(start->kind, ReceiptKind::kStart);
  }

  // Sells the articles (code, quantity) and closes; returns the outcome.
  Result<CloseOutcome> Sell(const std::vector<std::pair<std::string, int64_t>>& lines, bool training = false,
                            uint64_t refund_of = 0) {
    clock_->Advance(60'000'000);
    POS_ASSIGN_OR_RETURN(std::string id, svc_->Open(std::nullopt, refund_of, training));
    int64_t total = 0;
    for (const auto& [code, qty] : lines) {
      POS_ASSIGN_OR_RETURN(ReceiptLine line, svc_->AddLine(id, code, qty));
      total += line.Amount();
    }
    if (total != 0) POS_RETURN_IF_ERROR(svc_->Pay(id, Payment{PaymentType::kCash, total, ""}));
    return svc_->Close(id);
  }

  static ReceiptSignedRecord SignedOf(const CloseOutcome& outcome) {
    for (const NewEvent& e : outcome.fiscal_events) {
      if (e.type == EventType::kRksvReceiptSigned) return *DecodeReceiptSignedPayload(e.payload);
    }
    ADD_FAILURE() << "no RksvReceiptSigned among the close's fiscal events";
    return {};
  }

  MachineCode CodeOf(const ReceiptSignedRecord& r) { return *ParsePayload(ParseCompactJws(r.compact_jws)->payload); }

  Result<Dep7Report> ExportAndVerify() {
    POS_ASSIGN_OR_RETURN(std::string dep, BuildDep7(*store_));
    POS_ASSIGN_OR_RETURN(std::string keys, BuildKeyContainer(*store_, Reg()));
    return VerifyDep7(dep, keys);
  }

  ScratchDir dir_;
  std::shared_ptr<ManualClock> clock_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<ProjectionRunner> runner_;
  std::optional<TillRksv> till_;
  std::unique_ptr<RegisterService> svc_;
};

TEST_F(RksvTillTest, NoSaleBeforeTheStartbeleg) {
  auto open = svc_->Open();
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.status().message().find("Startbeleg"), std::string::npos);
  EXPECT_FALSE(BuildDep7(*store_).ok());  // nothing to export yet
}

TEST_F(RksvTillTest, EveryReceiptTypeJoinsOneVerifiableChain) {
  Initialise();
  auto sale = Sell({{"1001", 2}, {"1002", 3}});  // 7,00 Normal + 3,60 Ermaessigt-1
  ASSERT_TRUE(sale.ok()) << sale.status().ToString();
  ReceiptSignedRecord standard = SignedOf(*sale);
  EXPECT_EQ(standard.kind, "standard");
  EXPECT_EQ(standard.turnover_counter, 1060);
  MachineCode code = CodeOf(standard);
  EXPECT_EQ(code.zda_id, "AT0");
  EXPECT_EQ(code.register_id, "KASSE-1");
  EXPECT_EQ(code.key_id, "U:ATU12345678-K1");
  EXPECT_EQ((TaxSetAmounts{700, 360, 0, 0, 0}), code.amounts);
  EXPECT_EQ(*DecryptTurnover(Reg().aes_key(), TurnoverIv("KASSE-1", code.receipt_id), code.turnover), 1060);

  auto training = Sell({{"1001", 1}}, /*training=*/true);
  ASSERT_TRUE(training.ok()) << training.status().ToString();
  EXPECT_EQ(CodeOf(SignedOf(*training)).turnover, kTrainingMarker);
  EXPECT_EQ(SignedOf(*training).turnover_counter, 1060);

  auto refund = Sell({{"1001", -1}}, false, sale->number);
  ASSERT_TRUE(refund.ok()) << refund.status().ToString();
  ReceiptSignedRecord storno = SignedOf(*refund);
  EXPECT_EQ(storno.kind, "storno");
  EXPECT_EQ(CodeOf(storno).turnover, kStornoMarker);
  EXPECT_EQ(CodeOf(storno).amounts[0], -350);
  EXPECT_EQ(storno.turnover_counter, 710);

  // A cancelled receipt was never handed out: it is not signed.
  auto cancelled = svc_->Open();
  ASSERT_TRUE(cancelled.ok());
  ASSERT_TRUE(svc_->AddLine(*cancelled, "1001", 1).ok());
  ASSERT_TRUE(svc_->Cancel(*cancelled, "customer left", Approval{"sam", "2222"}).ok());

  for (ReceiptKind kind : {ReceiptKind::kNull, ReceiptKind::kMonth, ReceiptKind::kYear}) {
    auto own = Module().IssueNullReceipt(kind, Now(), "sam");
    ASSERT_TRUE(own.ok()) << own.status().ToString();
    EXPECT_EQ(own->kind, kind);
    EXPECT_EQ(own->turnover, 710);
  }
  auto report = ExportAndVerify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->receipts, 7u);  // start, standard, training, storno, null, month, year
  EXPECT_EQ(report->turnover, 710);
  EXPECT_EQ(report->storno, 1u);
  EXPECT_EQ(report->training, 1u);

  // The Schlussbeleg ends the register: no more receipts, no more sales.
  ASSERT_TRUE(Module().IssueNullReceipt(ReceiptKind::kClosing, Now(), "sam").ok());
  EXPECT_FALSE(Module().IssueNullReceipt(ReceiptKind::kNull, Now(), "sam").ok());
  auto after = svc_->Open();
  ASSERT_FALSE(after.ok());
  EXPECT_NE(after.status().message().find("Schlussbeleg"), std::string::npos);
  ASSERT_TRUE(ExportAndVerify().ok());
}

TEST_F(RksvTillTest, TheChainSurvivesAReopen) {
  Initialise();
  ASSERT_TRUE(Sell({{"1001", 1}}).ok());
  Load();
  auto sale = Sell({{"1002", 1}});
  ASSERT_TRUE(sale.ok());
  EXPECT_EQ(SignedOf(*sale).turnover_counter, 470);
  auto report = ExportAndVerify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->receipts, 3u);
}

TEST_F(RksvTillTest, DeviceFailureNeverBlocksASaleAndASammelbelegFollowsRecovery) {
  Initialise();
  ASSERT_TRUE(Reg().SetDeviceFailed(0, true).ok());
  auto failed = Sell({{"1001", 1}});
  ASSERT_TRUE(failed.ok()) << failed.status().ToString();
  ReceiptSignedRecord record = SignedOf(*failed);
  EXPECT_TRUE(record.device_failed);
  EXPECT_EQ(ParseCompactJws(record.compact_jws)->signature, kDeviceFailedText);
  EXPECT_EQ(*Base64UrlDecode(record.compact_jws.substr(record.compact_jws.rfind('.') + 1), "sig"),
            "Sicherheitseinrichtung ausgefallen");
  // The counter still counts while the device is down.
  EXPECT_EQ(record.turnover_counter, 350);

  // A key file that cannot be read is a failure too.
  ASSERT_TRUE(Reg().SetDeviceFailed(0, false).ok());
  std::filesystem::rename(Reg().dir() + "/device-0.key.pem", Reg().dir() + "/device-0.moved");
  auto unreadable = Sell({{"1002", 1}});
  ASSERT_TRUE(unreadable.ok()) << unreadable.status().ToString();
  EXPECT_TRUE(SignedOf(*unreadable).device_failed);
  std::filesystem::rename(Reg().dir() + "/device-0.moved", Reg().dir() + "/device-0.key.pem");

  // Recovery: the next sale is preceded by a Sammelbeleg in the rksv stream.
  auto recovered = Sell({{"1002", 2}});
  ASSERT_TRUE(recovered.ok()) << recovered.status().ToString();
  EXPECT_FALSE(SignedOf(*recovered).device_failed);
  std::vector<std::string> kinds;
  ASSERT_TRUE(store_->ScanOrigin(store_->node_id(), 1, [&](uint64_t, std::string_view bytes) {
    auto event = EventView::Parse(bytes);
    if (event.ok() && static_cast<EventType>(event->type()) == EventType::kRksvReceiptSigned) {
      kinds.push_back(DecodeReceiptSigned(*event)->kind);
    }
    return true;
  }).ok());
  EXPECT_EQ(kinds, (std::vector<std::string>{"start", "standard", "standard", "collective", "standard"}));
  auto report = ExportAndVerify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->failed_signatures, 2u);
  EXPECT_EQ(report->turnover, 350 + 120 + 240);
}

TEST_F(RksvTillTest, ANullReceiptAfterAFailureIsTheSammelbeleg) {
  Initialise();
  ASSERT_TRUE(Reg().SetDeviceFailed(0, true).ok());
  ASSERT_TRUE(Sell({{"1001", 1}}).ok());
  // The Sammelbeleg needs a working device.
  auto refused = Module().IssueNullReceipt(ReceiptKind::kNull, Now(), "sam");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(Reg().SetDeviceFailed(0, false).ok());
  auto collective = Module().IssueNullReceipt(ReceiptKind::kNull, Now(), "sam");
  ASSERT_TRUE(collective.ok()) << collective.status().ToString();
  EXPECT_EQ(collective->kind, ReceiptKind::kCollective);
  EXPECT_TRUE(ExportAndVerify().ok());
}

TEST_F(RksvTillTest, SeveralDevicesSignOneChainInGroups) {
  Initialise();
  ASSERT_TRUE(Sell({{"1001", 1}}).ok());
  ASSERT_TRUE(Reg().SelectDevice(1).ok());
  auto second = Sell({{"1001", 1}});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(CodeOf(SignedOf(*second)).key_id, "U:ATU12345678-K2");
  ASSERT_TRUE(Reg().SelectDevice(0).ok());
  ASSERT_TRUE(Sell({{"1002", 1}}).ok());
  auto report = ExportAndVerify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->groups, 3u);
  EXPECT_EQ(report->receipts, 4u);
  EXPECT_FALSE(Reg().SelectDevice(7).ok());
}

TEST_F(RksvTillTest, ARateWithoutTaxSetRefusesTheCloseAndSignsNothing) {
  Initialise();
  auto id = svc_->Open();
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(svc_->AddLine(*id, "1003", 1).ok());
  ASSERT_TRUE(svc_->Pay(*id, Payment{PaymentType::kCash, 500, ""}).ok());
  const uint64_t before = store_->LastSequence();
  auto closed = svc_->Close(*id);
  ASSERT_FALSE(closed.ok());
  EXPECT_NE(closed.status().message().find("no RKSV tax set"), std::string::npos) << closed.status().ToString();
  EXPECT_EQ(store_->LastSequence(), before);  // neither the close nor a signature was written
  EXPECT_NE(svc_->state().FindReceipt(*id), nullptr);  // the receipt is still open
  auto state = Module().State();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->receipts, 1u);
}

TEST_F(RksvTillTest, ThePrintedReceiptCarriesTheRksvQrCode) {
  Initialise();
  auto sale = Sell({{"1001", 1}});
  ASSERT_TRUE(sale.ok());
  Receipt receipt;  // the journal form's source; the QR comes from the fiscal events alone
  receipt.id = "r-1";
  ReceiptPrintJob job = TillPeripherals::ToPrintJob(receipt, *sale, Now());
  EXPECT_TRUE(job.qr_payload.starts_with("_R1-AT0_KASSE-1_")) << job.qr_payload;
  const CompactJws jws = *ParseCompactJws(SignedOf(*sale).compact_jws);
  EXPECT_EQ(job.qr_payload, QrCodeOf(jws));
}

// Tampering: a verified export, changed in one way each, names the bad receipt.
class Dep7TamperTest : public RksvTillTest {
 protected:
  void SetUp() override {
    RksvTillTest::SetUp();
    Initialise();
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(Sell({{"1001", 1 + i}}).ok());
    dep_ = nlohmann::json::parse(*BuildDep7(*store_));
    keys_ = nlohmann::json::parse(*BuildKeyContainer(*store_, Reg()));
    ASSERT_TRUE(VerifyDep7(dep_.dump(), keys_.dump()).ok());
  }
  std::string& Jws(size_t i) { return dep_["Belege-Gruppe"][0]["Belege-kompakt"][i].get_ref<std::string&>(); }
  // Re-signs a changed payload with the device's own key, so only the content check can catch it.
  std::string Resign(const MachineCode& code) {
    const std::string input = std::string(kJwsHeader) + "." + Base64UrlEncode(code.Payload());
    auto pem = fiscal::ReadWholeFile(Reg().dir() + "/device-0.key.pem");
    auto key = PrivateKeyFromPem(*pem);
    return input + "." + Base64UrlEncode(*SignEs256(*key, input));
  }
  Status Verify() { return VerifyDep7(dep_.dump(), keys_.dump()).status(); }

  nlohmann::json dep_, keys_;
};

TEST_F(Dep7TamperTest, AChangedAmountBreaksTheSignature) {
  MachineCode code = *ParsePayload(ParseCompactJws(Jws(2))->payload);
  code.amounts[0] += 100;
  const std::string jws = Jws(2);
  Jws(2) = jws.substr(0, jws.find('.') + 1) + Base64UrlEncode(code.Payload()) + jws.substr(jws.rfind('.'));
  Status s = Verify();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_TRUE(s.message().starts_with("receipt 3 ")) << s.message();
  EXPECT_NE(s.message().find("signature"), std::string::npos) << s.message();
}

TEST_F(Dep7TamperTest, AChangedAmountResignedBreaksTheCounter) {
  MachineCode code = *ParsePayload(ParseCompactJws(Jws(2))->payload);
  code.amounts[0] += 100;
  Jws(2) = Resign(code);
  Jws(3) = Resign([&] {  // keep the chain intact so only the counter is wrong
    MachineCode next = *ParsePayload(ParseCompactJws(Jws(3))->payload);
    next.chain = ChainValue(Jws(2));
    return next;
  }());
  Status s = Verify();
  EXPECT_TRUE(s.message().starts_with("receipt 3 ")) << s.message();
  EXPECT_NE(s.message().find("turnover counter"), std::string::npos) << s.message();
}

TEST_F(Dep7TamperTest, AWrongCounterIsNamed) {
  MachineCode code = *ParsePayload(ParseCompactJws(Jws(3))->payload);
  code.turnover = *EncryptTurnover(Reg().aes_key(), TurnoverIv(code.register_id, code.receipt_id), 999999, 8);
  Jws(3) = Resign(code);
  Status s = Verify();
  EXPECT_TRUE(s.message().starts_with("receipt 4 ")) << s.message();
  EXPECT_NE(s.message().find("decrypts to 9999,99"), std::string::npos) << s.message();
}

TEST_F(Dep7TamperTest, ABrokenChainIsNamed) {
  auto& list = dep_["Belege-Gruppe"][0]["Belege-kompakt"];
  list.erase(list.begin() + 2);  // a receipt removed
  Status s = Verify();
  EXPECT_TRUE(s.message().starts_with("receipt 3 ")) << s.message();
  EXPECT_NE(s.message().find("chaining value"), std::string::npos) << s.message();
}

TEST_F(Dep7TamperTest, AWrongKeyIsNamed) {
  auto other = fiscal::GenerateP256Key();
  keys_["certificateOrPublicKeyMap"]["U:ATU12345678-K1"]["signatureCertificateOrPublicKey"] =
      Base64Encode(*fiscal::PublicKeyDer(*other));
  Status s = Verify();
  EXPECT_TRUE(s.message().starts_with("receipt 1 ")) << s.message();
  EXPECT_NE(s.message().find("does not verify with key U:ATU12345678-K1"), std::string::npos) << s.message();
  keys_["certificateOrPublicKeyMap"].erase("U:ATU12345678-K1");
  EXPECT_NE(Verify().message().find("not in the key container"), std::string::npos);
}

TEST_F(Dep7TamperTest, MalformedInputGetsAClearError) {
  EXPECT_EQ(VerifyDep7("{not json", keys_.dump()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(VerifyDep7("{}", keys_.dump()).status().message().find("Belege-Gruppe"), std::string::npos);
  nlohmann::json keys = keys_;
  keys["base64AESKey"] = "c2hvcnQ=";
  EXPECT_NE(VerifyDep7(dep_.dump(), keys.dump()).status().message().find("32"), std::string::npos);
  Jws(1) = "not-a-jws";
  Status s = Verify();
  EXPECT_TRUE(s.message().starts_with("receipt 2")) << s.message();
}

}  // namespace
}  // namespace pos
