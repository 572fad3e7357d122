// Domain values (receipts, totals, reports, the till's state) as the result
// tables of the command API (adapters/api.fbs). Pure encoding, no decisions.
#pragma once

#include <cstdint>
#include <string>

#include <flatbuffers/flatbuffers.h>

#include "adapters/api_generated.h"
#include "domain/register.h"

namespace pos::api {

// What the status view says about the node beyond the register's own state.
struct NodeFacts {
  std::string node_name;
  std::string node_id_hex;
  uint64_t last_sequence = 0;
};

flatbuffers::Offset<Line> EncodeLine(flatbuffers::FlatBufferBuilder& fbb, const pos::ReceiptLine& line);
flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<TaxLine>>> EncodeTaxLines(
    flatbuffers::FlatBufferBuilder& fbb, const std::vector<pos::TaxLineTotal>& tax_lines);
flatbuffers::Offset<Report> EncodeReport(flatbuffers::FlatBufferBuilder& fbb, const pos::ZReport& report, bool is_z);
// An open or parked receipt, with its totals, payments and tax lines.
flatbuffers::Offset<ReceiptView> EncodeReceipt(flatbuffers::FlatBufferBuilder& fbb, const pos::Receipt& receipt);
// A closed receipt as the register remembers it: lines and total.
flatbuffers::Offset<ReceiptView> EncodeClosedReceipt(flatbuffers::FlatBufferBuilder& fbb,
                                                     const pos::ClosedReceiptRecord& record);
flatbuffers::Offset<StatusView> EncodeStatus(flatbuffers::FlatBufferBuilder& fbb, const pos::Register& state,
                                             const NodeFacts& node);

PaymentType ToApi(pos::PaymentType type);
ReceiptState ToApi(pos::ReceiptStatus status);

}  // namespace pos::api
