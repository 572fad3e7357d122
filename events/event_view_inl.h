// Template part of event_view.h.
#pragma once

#include "flatbuffers/flatbuffers.h"

namespace pos {

template <typename Table>
const Table* EventView::PayloadAs() const {
  std::span<const uint8_t> bytes = payload();
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!verifier.VerifyBuffer<Table>(nullptr)) return nullptr;
  return flatbuffers::GetRoot<Table>(bytes.data());
}

}  // namespace pos
