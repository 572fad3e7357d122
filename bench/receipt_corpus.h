// ReceiptCorpus: receipts as a till stored them, command by command, read back
// from its log. The peers of figure 1 store exactly these event bytes, so every
// system stores the same receipts.
//
// Grouping rule (how RegisterService batches a receipt's commands): a command
// starts at ReceiptOpened, LineAdded, LineVoided, LineDiscountGranted,
// ReceiptDiscountGranted, PaymentAdded, or at TseTransactionFinished (which the
// TSE puts immediately before ReceiptClosed / ReceiptCancelled); every other
// event of the receipt stream (TseTransactionStarted / Updated, ReceiptClosed,
// ReceiptCancelled) belongs to the command before it. Only receipts that were
// closed are taken.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/event_store.h"

namespace pos::bench {

struct CorpusCommand {
  std::string stream;
  std::vector<std::string> events;  // sealed event bytes, in log order
};
using CorpusReceipt = std::vector<CorpusCommand>;

struct ReceiptCorpus {
  std::vector<CorpusReceipt> receipts;  // in the order they were opened
  uint64_t events = 0;
  uint64_t event_bytes = 0;
  uint64_t commands = 0;
};

Result<ReceiptCorpus> ReadReceiptCorpus(const EventStore& store);

// A store that a front end hands one command's events to. Store() returns once
// they are durable (fsynced): the same guarantee the till gives before its ack.
class CommandSink {
 public:
  virtual ~CommandSink() = default;
  virtual Status Store(size_t front_end, const CorpusCommand& command) = 0;
};

}  // namespace pos::bench
