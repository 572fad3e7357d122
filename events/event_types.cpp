#include "events/event_types.h"

#include <array>

#include "events/master_data_generated.h"
#include "events/handover_generated.h"
#include "events/backup_generated.h"
#include "events/device_generated.h"
#include "events/fiscal_generated.h"
#include "events/hub_accounts_generated.h"
#include "events/fiscal_at_se_generated.h"
#include "events/license_generated.h"
#include "events/node_generated.h"
#include "events/receipts_generated.h"
#include "events/register_generated.h"
#include "events/sync_generated.h"
#include "flatbuffers/minireflect.h"

namespace pos {
namespace {

template <typename Table>
bool VerifyPayload(const uint8_t* bytes, size_t size) {
  flatbuffers::Verifier verifier(bytes, size, /*max_depth=*/32, /*max_tables=*/100000);
  return verifier.VerifyBuffer<Table>(nullptr);
}

template <typename Table>
constexpr EventTypeInfo Entry(EventType type, std::string_view name, EventCategory category) {
  return EventTypeInfo{type, name, category, &VerifyPayload<Table>, &Table::MiniReflectTypeTable};
}

constexpr std::array kEventTypes = {
    Entry<fb::NodeInitialised>(EventType::kNodeInitialised, "NodeInitialised", EventCategory::kSystem),
    Entry<fb::NodeKeyCreated>(EventType::kNodeKeyCreated, "NodeKeyCreated", EventCategory::kSystem),
    Entry<fb::TaxRateCreated>(EventType::kTaxRateCreated, "TaxRateCreated", EventCategory::kMasterData),
    Entry<fb::TaxRateChanged>(EventType::kTaxRateChanged, "TaxRateChanged", EventCategory::kMasterData),
    Entry<fb::TaxRateRetired>(EventType::kTaxRateRetired, "TaxRateRetired", EventCategory::kMasterData),
    Entry<fb::ArticleCreated>(EventType::kArticleCreated, "ArticleCreated", EventCategory::kMasterData),
    Entry<fb::ArticleChanged>(EventType::kArticleChanged, "ArticleChanged", EventCategory::kMasterData),
    Entry<fb::ArticleRetired>(EventType::kArticleRetired, "ArticleRetired", EventCategory::kMasterData),
    Entry<fb::UserCreated>(EventType::kUserCreated, "UserCreated", EventCategory::kMasterData),
    Entry<fb::UserChanged>(EventType::kUserChanged, "UserChanged", EventCategory::kMasterData),
    Entry<fb::UserRetired>(EventType::kUserRetired, "UserRetired", EventCategory::kMasterData),
    Entry<fb::ReceiptOpened>(EventType::kReceiptOpened, "ReceiptOpened", EventCategory::kReceipt),
    Entry<fb::LineAdded>(EventType::kLineAdded, "LineAdded", EventCategory::kReceipt),
    Entry<fb::LineVoided>(EventType::kLineVoided, "LineVoided", EventCategory::kReceipt),
    Entry<fb::LineDiscountGranted>(EventType::kLineDiscountGranted, "LineDiscountGranted", EventCategory::kReceipt),
    Entry<fb::ReceiptDiscountGranted>(EventType::kReceiptDiscountGranted, "ReceiptDiscountGranted",
                                      EventCategory::kReceipt),
    Entry<fb::PaymentAdded>(EventType::kPaymentAdded, "PaymentAdded", EventCategory::kReceipt),
    Entry<fb::ReceiptParked>(EventType::kReceiptParked, "ReceiptParked", EventCategory::kReceipt),
    Entry<fb::ReceiptResumed>(EventType::kReceiptResumed, "ReceiptResumed", EventCategory::kReceipt),
    Entry<fb::ReceiptCancelled>(EventType::kReceiptCancelled, "ReceiptCancelled", EventCategory::kReceipt),
    Entry<fb::ReceiptClosed>(EventType::kReceiptClosed, "ReceiptClosed", EventCategory::kReceipt),
    Entry<fb::CashierSignedOn>(EventType::kCashierSignedOn, "CashierSignedOn", EventCategory::kRegister),
    Entry<fb::CashierSignedOff>(EventType::kCashierSignedOff, "CashierSignedOff", EventCategory::kRegister),
    Entry<fb::CashMovementRecorded>(EventType::kCashMovementRecorded, "CashMovementRecorded",
                                    EventCategory::kRegister),
    Entry<fb::DayClosed>(EventType::kDayClosed, "DayClosed", EventCategory::kRegister),
    Entry<fb::PermissionDenied>(EventType::kPermissionDenied, "PermissionDenied", EventCategory::kRegister),
    Entry<fb::DeviceBound>(EventType::kDeviceBound, "DeviceBound", EventCategory::kDevice),
    Entry<fb::DeviceRebound>(EventType::kDeviceRebound, "DeviceRebound", EventCategory::kDevice),
    Entry<fb::TseInitialised>(EventType::kTseInitialised, "TseInitialised", EventCategory::kFiscal),
    Entry<fb::TseClientRegistered>(EventType::kTseClientRegistered, "TseClientRegistered", EventCategory::kFiscal),
    Entry<fb::TseTransactionStarted>(EventType::kTseTransactionStarted, "TseTransactionStarted",
                                     EventCategory::kFiscal),
    Entry<fb::TseTransactionFinished>(EventType::kTseTransactionFinished, "TseTransactionFinished",
                                      EventCategory::kFiscal),
    Entry<fb::TseDeactivated>(EventType::kTseDeactivated, "TseDeactivated", EventCategory::kFiscal),
    Entry<fb::TseDecommissioned>(EventType::kTseDecommissioned, "TseDecommissioned", EventCategory::kFiscal),
    Entry<fb::TseOutageBegan>(EventType::kTseOutageBegan, "TseOutageBegan", EventCategory::kFiscal),
    Entry<fb::TseOutageEnded>(EventType::kTseOutageEnded, "TseOutageEnded", EventCategory::kFiscal),
    Entry<fb::TseTransactionUpdated>(EventType::kTseTransactionUpdated, "TseTransactionUpdated",
                                     EventCategory::kFiscal),
    Entry<fb::RksvRegisterInitialised>(EventType::kRksvRegisterInitialised, "RksvRegisterInitialised", EventCategory::kFiscal),
    Entry<fb::RksvSignatureDeviceAdded>(EventType::kRksvSignatureDeviceAdded, "RksvSignatureDeviceAdded", EventCategory::kFiscal),
    Entry<fb::RksvReceiptSigned>(EventType::kRksvReceiptSigned, "RksvReceiptSigned", EventCategory::kFiscal),
    Entry<fb::ScuInitialised>(EventType::kScuInitialised, "ScuInitialised", EventCategory::kFiscal),
    Entry<fb::ScuReceiptRegistered>(EventType::kScuReceiptRegistered, "ScuReceiptRegistered", EventCategory::kFiscal),
    Entry<fb::LicenseLoaded>(EventType::kLicenseLoaded, "LicenseLoaded", EventCategory::kLicense),
    Entry<fb::SeatActivated>(EventType::kSeatActivated, "SeatActivated", EventCategory::kLicense),
    Entry<fb::SeatDeactivated>(EventType::kSeatDeactivated, "SeatDeactivated", EventCategory::kLicense),
    Entry<fb::SeatReleased>(EventType::kSeatReleased, "SeatReleased", EventCategory::kLicense),
    Entry<fb::SeatsOverAssigned>(EventType::kSeatsOverAssigned, "SeatsOverAssigned", EventCategory::kLicense),
    Entry<fb::SyncJoined>(EventType::kSyncJoined, "SyncJoined", EventCategory::kSync),
    Entry<fb::SyncModeChanged>(EventType::kSyncModeChanged, "SyncModeChanged", EventCategory::kSync),
    Entry<fb::SyncSwitched>(EventType::kSyncSwitched, "SyncSwitched", EventCategory::kSync),
    Entry<fb::SyncLeft>(EventType::kSyncLeft, "SyncLeft", EventCategory::kSync),
    Entry<fb::TillMigrated>(EventType::kTillMigrated, "TillMigrated", EventCategory::kDevice),
    Entry<fb::BackupTaken>(EventType::kBackupTaken, "BackupTaken", EventCategory::kSystem),
    Entry<fb::HubAccountCreated>(EventType::kHubAccountCreated, "HubAccountCreated", EventCategory::kAccount),
    Entry<fb::TillAdmitted>(EventType::kTillAdmitted, "TillAdmitted", EventCategory::kAccount),
    Entry<fb::LoginFailed>(EventType::kLoginFailed, "LoginFailed", EventCategory::kAccount),
    Entry<fb::TillRevoked>(EventType::kTillRevoked, "TillRevoked", EventCategory::kAccount),
    Entry<fb::PasswordResetRequested>(EventType::kPasswordResetRequested, "PasswordResetRequested",
                                      EventCategory::kAccount),
    Entry<fb::PasswordResetApproved>(EventType::kPasswordResetApproved, "PasswordResetApproved",
                                     EventCategory::kAccount),
    Entry<fb::ReceiptHandedOver>(EventType::kReceiptHandedOver, "ReceiptHandedOver", EventCategory::kReceipt),
    Entry<fb::ReceiptTakenOver>(EventType::kReceiptTakenOver, "ReceiptTakenOver", EventCategory::kReceipt),
    Entry<fb::ReceiptClaimGranted>(EventType::kReceiptClaimGranted, "ReceiptClaimGranted", EventCategory::kReceipt),
};

// Prints payloads as JSON text, except that every string field whose name ends in
// "password_hash" is printed as "(redacted)": stored password hashes never leave
// the store through `pos log` or any other reader of PayloadToJson.
class SecretRedactingVisitor final : public flatbuffers::ToStringVisitor {
 public:
  SecretRedactingVisitor()
      : flatbuffers::ToStringVisitor(/*delimiter=*/" ", /*quotes=*/true, /*indent=*/"", /*vdelimited=*/true) {}

  void Field(size_t field_idx, size_t set_idx, flatbuffers::ElementaryType type, bool is_vector,
             const flatbuffers::TypeTable* type_table, const char* name, const uint8_t* val) override {
    secret_ = name != nullptr && std::string_view(name).ends_with("password_hash");
    flatbuffers::ToStringVisitor::Field(field_idx, set_idx, type, is_vector, type_table, name, val);
  }
  void String(const flatbuffers::String* str) override {
    if (secret_) {
      s += "\"(redacted)\"";
    } else {
      flatbuffers::ToStringVisitor::String(str);
    }
  }

 private:
  bool secret_ = false;
};

}  // namespace

std::string_view EventCategoryName(EventCategory category) {
  switch (category) {
    case EventCategory::kSystem: return "system";
    case EventCategory::kMasterData: return "masterdata";
    case EventCategory::kReceipt: return "receipt";
    case EventCategory::kFiscal: return "fiscal";
    case EventCategory::kLicense: return "license";
    case EventCategory::kDevice: return "device";
    case EventCategory::kSync: return "sync";
    case EventCategory::kRegister: return "register";
    case EventCategory::kAccount: return "account";
  }
  return "unknown";
}

const EventTypeInfo* FindEventType(uint32_t id) {
  for (const auto& info : kEventTypes) {
    if (static_cast<uint32_t>(info.type) == id) return &info;
  }
  return nullptr;
}

const EventTypeInfo* FindEventTypeByName(std::string_view name) {
  for (const auto& info : kEventTypes) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::span<const EventTypeInfo> AllEventTypes() { return kEventTypes; }

std::string PayloadToJson(uint32_t type_id, std::span<const uint8_t> payload) {
  const EventTypeInfo* info = FindEventType(type_id);
  if (info == nullptr || !info->verify_payload(payload.data(), payload.size())) return "{}";
  SecretRedactingVisitor visitor;
  flatbuffers::IterateFlatBuffer(payload.data(), info->payload_type_table(), &visitor);
  return visitor.s;
}

}  // namespace pos
