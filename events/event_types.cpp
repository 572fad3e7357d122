#include "events/event_types.h"

#include <array>

#include "events/master_data_generated.h"
#include "events/node_generated.h"
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
    Entry<fb::TaxRateCreated>(EventType::kTaxRateCreated, "TaxRateCreated", EventCategory::kMasterData),
    Entry<fb::TaxRateChanged>(EventType::kTaxRateChanged, "TaxRateChanged", EventCategory::kMasterData),
    Entry<fb::TaxRateRetired>(EventType::kTaxRateRetired, "TaxRateRetired", EventCategory::kMasterData),
    Entry<fb::ArticleCreated>(EventType::kArticleCreated, "ArticleCreated", EventCategory::kMasterData),
    Entry<fb::ArticleChanged>(EventType::kArticleChanged, "ArticleChanged", EventCategory::kMasterData),
    Entry<fb::ArticleRetired>(EventType::kArticleRetired, "ArticleRetired", EventCategory::kMasterData),
    Entry<fb::UserCreated>(EventType::kUserCreated, "UserCreated", EventCategory::kMasterData),
    Entry<fb::UserChanged>(EventType::kUserChanged, "UserChanged", EventCategory::kMasterData),
    Entry<fb::UserRetired>(EventType::kUserRetired, "UserRetired", EventCategory::kMasterData),
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
  flatbuffers::ToStringVisitor visitor(/*delimiter=*/" ", /*quotes=*/true, /*indent=*/"",
                                       /*vdelimited=*/true);
  flatbuffers::IterateFlatBuffer(payload.data(), info->payload_type_table(), &visitor);
  return visitor.s;
}

}  // namespace pos
