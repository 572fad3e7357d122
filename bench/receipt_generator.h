// ReceiptGenerator: fills a fixture till's log with realistic trading, fast.
//
// Every receipt is decided by the real domain Register (so numbers, totals, tax
// lines, streams and versions are exactly what the till writes) and carries the
// German TSE's events where RegisterService puts them: TseTransactionStarted
// after ReceiptOpened, TseTransactionUpdated after each LineAdded and
// PaymentAdded, TseTransactionFinished before ReceiptClosed. The TSE fields are
// those the software TSE fills (serial, client, counters, process data, QR code),
// but the signatures are random bytes of the real length (64 bytes r||s): signing
// millions of messages would only measure ECDSA.
//
// A receipt is 6 commands = 12 events: open, 3 lines (1-3 pieces), one payment
// (cash rounded up to the next 5.00, or card), close. After `receipts_per_day`
// receipts the supervisor closes the day (DayClosed). The commands are appended
// through EventStore::AppendMany in large groups, so hash chains, indexes and
// versions are the real ones; only the fsync per command is amortised.
#pragma once

#include <cstdint>
#include <functional>

#include "engine/event_store.h"

namespace pos::bench {

struct GeneratorOptions {
  uint64_t events = 0;                // stop once the log holds at least this many events
  int articles = 200;                 // the fixture's catalog size (till_fixture.h)
  uint32_t receipts_per_day = 400;
  size_t commands_per_append = 4096;  // commands handed to one AppendMany
  uint64_t seed = 1;
  std::string tse_serial_hex;         // the till's TSE (SoftwareTse::serial_hex()), so counters continue it
  std::function<void(uint64_t done, uint64_t total)> progress;
};

// Appends to a till built by CreateTillFixture (signs the cashier on first if
// nobody is). Resumable: a store that already holds events continues from its state.
Status GenerateReceipts(EventStore& store, const GeneratorOptions& options);

}  // namespace pos::bench
