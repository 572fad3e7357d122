// The command API's dispatcher: request bytes in, reply bytes out (adapters/api.fbs,
// docs/api.md). Plain C++: no CAF, no ZeroMQ, so the daemon (through the register
// actor) and the CLI's direct mode run the very same code path.
//
// Every request is verified before it is read: at most api::kMaxMessageBytes
// (64 KiB), FlatBuffers verifier depth 16 and 1000 tables, the "PAPI" file
// identifier, a known command type with its table present. Anything else gets an
// error reply ("malformed request: …") and touches nothing. Errors of the
// register come back as error replies with StatusCodeName(code) and the message.
#pragma once

#include <string>
#include <string_view>

#include "adapters/sale_observer.h"
#include "domain/register_service.h"
#include "engine/event_store.h"

namespace pos {

// `store` (optional) fills the node name, node id and log position of GetStatus.
// `observer` (optional) hears of added lines and closed receipts once durable.
// Never throws; not thread-safe (one caller per RegisterService).
std::string Dispatch(RegisterService& service, std::string_view request_bytes, const EventStore* store = nullptr,
                     SaleObserver* observer = nullptr);

}  // namespace pos
