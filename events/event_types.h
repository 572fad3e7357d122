// The registry of event types: a stable numeric id per type, its name, its
// sync category, and how to verify and print its payload.
//
// Ids are never reused and never renumbered (docs/events.md). A later issue adds
// its types here: one enumerator, one line in event_types.cpp.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace flatbuffers {
struct TypeTable;
}

namespace pos {

enum class EventType : uint32_t {
  kNodeInitialised = 1,
  kNodeKeyCreated = 2,

  kTaxRateCreated = 100,
  kTaxRateChanged = 101,
  kTaxRateRetired = 102,
  kArticleCreated = 110,
  kArticleChanged = 111,
  kArticleRetired = 112,
  kUserCreated = 120,
  kUserChanged = 121,
  kUserRetired = 122,

  kReceiptOpened = 200,
  kLineAdded = 201,
  kLineVoided = 202,
  kLineDiscountGranted = 203,
  kReceiptDiscountGranted = 204,
  kPaymentAdded = 205,
  kReceiptParked = 206,
  kReceiptResumed = 207,
  kReceiptCancelled = 208,
  kReceiptClosed = 209,

  kCashierSignedOn = 300,
  kCashierSignedOff = 301,
  kCashMovementRecorded = 302,
  kDayClosed = 303,
  kPermissionDenied = 304,

  kDeviceBound = 400,
  kDeviceRebound = 401,

  kTseInitialised = 500,
  kTseClientRegistered = 501,
  kTseTransactionStarted = 502,
  kTseTransactionFinished = 503,
  kTseDeactivated = 504,
  kTseDecommissioned = 505,
  kTseOutageBegan = 506,
  kTseOutageEnded = 507,
  kTseTransactionUpdated = 508,

  // Austria, RKSV (events/fiscal_at_se.fbs, docs/fiscal-at.md)
  kRksvRegisterInitialised = 520,
  kRksvSignatureDeviceAdded = 521,
  kRksvReceiptSigned = 522,
  // Sweden, control unit (events/fiscal_at_se.fbs, docs/fiscal-se.md)
  kScuInitialised = 540,
  kScuReceiptRegistered = 541,

  kLicenseLoaded = 600,
  kSeatActivated = 601,
  kSeatDeactivated = 602,
  kSeatReleased = 603,
  kSeatsOverAssigned = 604,

  // Sync (events/sync.fbs, docs/sync.md): the till's membership in a site, stream "sync".
  kSyncJoined = 700,
  kSyncModeChanged = 701,
  kSyncSwitched = 702,
  kSyncLeft = 703,

  kTillMigrated = 800,
  kBackupTaken = 801,

  // Hub accounts (events/hub_accounts.fbs, docs/sync.md): never leave the hub.
  kHubAccountCreated = 720,
  kTillAdmitted = 721,
  kLoginFailed = 722,
  kTillRevoked = 723,
  kPasswordResetRequested = 724,
  kPasswordResetApproved = 725,

  // Receipt hand-over (events/handover.fbs, docs/sync.md "Receipt hand-over").
  kReceiptHandedOver = 740,
  kReceiptTakenOver = 741,
  kReceiptClaimGranted = 742,
};

// What a type is for replication (sync modes choose categories) and for readers.
enum class EventCategory : uint8_t {
  kSystem = 0,      // node lifecycle
  kMasterData = 1,  // articles, tax rates, users
  kReceipt = 2,
  kFiscal = 3,
  kLicense = 4,
  kDevice = 5,
  kSync = 6,
  kRegister = 7,    // a till's own register: sign-on, cash movements, day closing
  kAccount = 8,     // hub accounts: never leaves the hub (password hashes, till admissions)
};

std::string_view EventCategoryName(EventCategory category);

struct EventTypeInfo {
  EventType type;
  std::string_view name;
  EventCategory category;
  // True when `bytes` is a well-formed payload buffer of this type.
  bool (*verify_payload)(const uint8_t* bytes, size_t size);
  // The FlatBuffers mini-reflection table of the payload's root table.
  const flatbuffers::TypeTable* (*payload_type_table)();
};

const EventTypeInfo* FindEventType(uint32_t id);
const EventTypeInfo* FindEventTypeByName(std::string_view name);
std::span<const EventTypeInfo> AllEventTypes();

// The payload rendered as a JSON object text ("{}" when the type is unknown).
std::string PayloadToJson(uint32_t type_id, std::span<const uint8_t> payload);

}  // namespace pos
