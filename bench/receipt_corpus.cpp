#include "bench/receipt_corpus.h"

#include <map>

#include "events/event_types.h"
#include "events/event_view.h"

namespace pos::bench {
namespace {

bool StartsCommand(EventType type) {
  switch (type) {
    case EventType::kReceiptOpened:
    case EventType::kLineAdded:
    case EventType::kLineVoided:
    case EventType::kLineDiscountGranted:
    case EventType::kReceiptDiscountGranted:
    case EventType::kPaymentAdded:
    case EventType::kTseTransactionFinished:
      return true;
    default:
      return false;
  }
}

}  // namespace

Result<ReceiptCorpus> ReadReceiptCorpus(const EventStore& store) {
  std::vector<CorpusReceipt> opened;
  std::vector<bool> closed;
  std::map<std::string, size_t, std::less<>> by_stream;
  Status failed;
  POS_RETURN_IF_ERROR(store.ScanLog(1, store.LastSequence(), [&](uint64_t seq, std::string_view bytes) {
    auto view = EventView::Parse(bytes);
    if (!view.ok()) {
      failed = view.status().WithContext("event " + std::to_string(seq));
      return false;
    }
    const std::string_view stream = view->stream();
    if (!stream.starts_with("receipt/")) return true;
    const auto type = static_cast<EventType>(view->type());
    if (type == EventType::kReceiptOpened) {
      by_stream[std::string(stream)] = opened.size();
      opened.emplace_back();
      closed.push_back(false);
    }
    auto it = by_stream.find(stream);
    if (it == by_stream.end()) return true;  // opened before the corpus starts
    CorpusReceipt& receipt = opened[it->second];
    if (StartsCommand(type) || receipt.empty()) receipt.push_back({std::string(stream), {}});
    receipt.back().events.emplace_back(bytes);
    if (type == EventType::kReceiptClosed) closed[it->second] = true;
    return true;
  }));
  POS_RETURN_IF_ERROR(failed);
  ReceiptCorpus corpus;
  for (size_t i = 0; i < opened.size(); ++i) {
    if (!closed[i]) continue;
    for (const CorpusCommand& command : opened[i]) {
      ++corpus.commands;
      corpus.events += command.events.size();
      for (const std::string& event : command.events) corpus.event_bytes += event.size();
    }
    corpus.receipts.push_back(std::move(opened[i]));
  }
  if (corpus.receipts.empty()) return Status::NotFound("the log of " + store.path() + " holds no closed receipt");
  return corpus;
}

}  // namespace pos::bench
