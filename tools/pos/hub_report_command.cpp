// `pos hub report site|z|tills`: the site hub's read models (projections/hub_projections.h).
//
// The hub's store is opened directly, its projections brought up to date here;
// while `pos hub serve` holds the store, it is read through a read-only RocksDB
// view instead, showing what the running hub's projections hold (it keeps them
// up to date as events arrive).
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <ctime>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "engine/store_layout.h"
#include "projections/hub_projections.h"
#include "projections/receipt_journal.h"
#include "projections/site_totals.h"
#include "projections/till_status.h"
#include "projections/z_reports.h"
#include "tools/pos/cli_context.h"
#include "tools/pos/progress_bar.h"

namespace pos::cli {
namespace {

// Readers of the hub's projections, from whichever way the store could be opened.
class HubReadModels {
 public:
  static Result<std::unique_ptr<HubReadModels>> Open(const Context& context) {
    auto models = std::make_unique<HubReadModels>();
    auto store = EventStore::Open(context.options.data_dir);
    if (store.ok()) {
      models->store_ = std::move(store).value();
      models->runner_ = std::make_unique<ProjectionRunner>(*models->store_);
      POS_RETURN_IF_ERROR(RegisterHubProjections(*models->runner_));
      ProgressBar bar("projections", !context.options.quiet && !context.options.json);
      POS_RETURN_IF_ERROR(models->runner_->CatchUp([&](uint64_t done, uint64_t total) { bar.Update(done, total); })
                              .WithContext("bringing the hub's projections up to date"));
      bar.Finish();
      return models;
    }
    if (store.status().code() != StatusCode::kBusy) return store.status();
    POS_RETURN_IF_ERROR(models->OpenReadOnly(context.options.data_dir));
    return models;
  }

  ~HubReadModels() {
    for (auto* handle : handles_) readonly_->DestroyColumnFamilyHandle(handle);
  }

  Result<ProjectionReader> Reader(std::string_view name) const {
    if (runner_ != nullptr) return runner_->Reader(name);
    auto it = families_.find(std::string(layout::kProjectionFamilyPrefix) + std::string(name));
    if (it == families_.end()) {
      return Status::NotFound("the running hub has no projection '" + std::string(name) +
                              "' yet; restart `pos hub serve` with this version of pos");
    }
    return ProjectionReader(readonly_.get(), it->second);
  }

 private:
  Status OpenReadOnly(const std::string& path) {
    rocksdb::DBOptions options;
    std::vector<std::string> names;
    auto s = rocksdb::DB::ListColumnFamilies(options, path, &names);
    if (!s.ok()) return Status::IoError("reading the families of the hub store at " + path + ": " + s.ToString());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const std::string& name : names) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    rocksdb::DB* db = nullptr;
    s = rocksdb::DB::OpenForReadOnly(options, path, descriptors, &handles_, &db);
    if (!s.ok()) return Status::IoError("opening the hub store at " + path + " read-only: " + s.ToString());
    readonly_.reset(db);
    for (auto* handle : handles_) families_[handle->GetName()] = handle;
    return Status::Ok();
  }

  std::unique_ptr<EventStore> store_;
  std::unique_ptr<ProjectionRunner> runner_;
  std::unique_ptr<rocksdb::DB> readonly_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> families_;
};

std::string Amount(int64_t minor) {
  const bool negative = minor < 0;
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  std::ostringstream out;
  out << (negative ? "-" : "") << magnitude / 100 << "." << std::setw(2) << std::setfill('0') << magnitude % 100;
  return out.str();
}

std::string UtcTime(int64_t us) {
  if (us == 0) return "-";
  const std::time_t seconds = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%SZ", &tm);
  return text;
}

nlohmann::json TotalsJson(const SiteDayTotals& t) {
  return {{"receipts", t.receipts}, {"refunds", t.refunds}, {"cancelled", t.cancelled},
          {"total", t.total},       {"payments", t.payments}};
}

Status ReportSite(Context& context, const std::string& day) {
  POS_ASSIGN_OR_RETURN(auto models, HubReadModels::Open(context));
  POS_ASSIGN_OR_RETURN(ProjectionReader reader, models->Reader(SiteTotalsProjection::kName));
  SiteTotalsView view(reader);
  std::map<std::string, SiteDayTotals> rows;
  if (day.empty()) {
    POS_ASSIGN_OR_RETURN(rows, view.Days());
  } else {
    POS_ASSIGN_OR_RETURN(rows, view.Day(day));
  }
  if (context.options.json) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, totals] : rows) out[key] = TotalsJson(totals);
    context.PrintJson(day.empty() ? nlohmann::json{{"days", out}} : nlohmann::json{{"day", day}, {"tills", out}});
    return Status::Ok();
  }
  if (rows.empty()) {
    std::cout << (day.empty() ? "no receipts at this site yet" : "no receipts on " + day) << "\n";
    return Status::Ok();
  }
  std::cout << std::left << std::setw(34) << (day.empty() ? "day" : "till") << std::right << std::setw(9) << "receipts"
            << std::setw(9) << "refunds" << std::setw(11) << "cancelled" << std::setw(14) << "total" << "\n";
  for (const auto& [key, t] : rows) {
    std::cout << std::left << std::setw(34) << key << std::right << std::setw(9) << t.receipts << std::setw(9)
              << t.refunds << std::setw(11) << t.cancelled << std::setw(14) << Amount(t.total) << "\n";
  }
  return Status::Ok();
}

Status ReportZ(Context& context, const std::string& till) {
  POS_ASSIGN_OR_RETURN(auto models, HubReadModels::Open(context));
  POS_ASSIGN_OR_RETURN(ProjectionReader reader, models->Reader(ZReportsProjection::kName));
  ZReportsView view(reader);
  std::vector<ZReportRecord> reports;
  if (till.empty()) {
    POS_ASSIGN_OR_RETURN(reports, view.All());
  } else {
    POS_ASSIGN_OR_RETURN(reports, view.OfTill(TillKey(till)));
  }
  if (context.options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& z : reports) {
      out.push_back({{"till", z.till},
                     {"z_number", z.z_number},
                     {"closed_at_us", z.closed_at_us},
                     {"closed_by", z.closed_by},
                     {"first_receipt", z.first_receipt},
                     {"last_receipt", z.last_receipt},
                     {"receipts", z.receipts},
                     {"refunds", z.refunds},
                     {"cancelled", z.cancelled},
                     {"total", z.total},
                     {"payments", z.payments},
                     {"expected_cash", z.expected_cash}});
    }
    context.PrintJson({{"z_reports", out}});
    return Status::Ok();
  }
  if (reports.empty()) {
    std::cout << "no Z reports " << (till.empty() ? "at this site" : "of till " + till) << " yet\n";
    return Status::Ok();
  }
  std::cout << std::left << std::setw(34) << "till" << std::right << std::setw(5) << "Z" << std::setw(23) << "closed at"
            << std::setw(10) << "receipts" << std::setw(14) << "total" << "\n";
  for (const auto& z : reports) {
    std::cout << std::left << std::setw(34) << z.till << std::right << std::setw(5) << z.z_number << std::setw(23)
              << UtcTime(z.closed_at_us) << std::setw(10) << z.receipts << std::setw(14) << Amount(z.total) << "\n";
  }
  return Status::Ok();
}

Status ReportTills(Context& context) {
  POS_ASSIGN_OR_RETURN(auto models, HubReadModels::Open(context));
  POS_ASSIGN_OR_RETURN(ProjectionReader reader, models->Reader(TillStatusProjection::kName));
  POS_ASSIGN_OR_RETURN(std::vector<TillStatusRecord> nodes, TillStatusView(reader).All());
  const int64_t now_us = DefaultClock()->NowMicros();
  auto age_seconds = [&](int64_t us) { return us == 0 ? int64_t{-1} : (now_us - us) / 1000000; };
  if (context.options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& n : nodes) {
      out.push_back({{"node_id", n.node},
                     {"name", n.name},
                     {"hub", n.hub},
                     {"events", n.events},
                     {"last_seq", n.last_seq},
                     {"last_event_us", n.last_event_us},
                     {"last_event_age_s", age_seconds(n.last_event_us)},
                     {"last_event_type", n.last_type},
                     {"last_receipt", n.last_receipt},
                     {"last_receipt_us", n.last_receipt_us},
                     {"last_z", n.last_z}});
    }
    context.PrintJson({{"nodes", out}});
    return Status::Ok();
  }
  std::cout << std::left << std::setw(14) << "name" << std::setw(34) << "node id" << std::right << std::setw(9)
            << "events" << std::setw(23) << "last event" << std::setw(10) << "age (s)" << std::setw(9) << "receipt"
            << std::setw(5) << "Z" << "\n";
  for (const auto& n : nodes) {
    std::cout << std::left << std::setw(14) << (n.name + (n.hub ? " (hub)" : "")) << std::setw(34) << n.node
              << std::right << std::setw(9) << n.events << std::setw(23) << UtcTime(n.last_event_us) << std::setw(10)
              << age_seconds(n.last_event_us) << std::setw(9) << n.last_receipt << std::setw(5) << n.last_z << "\n";
  }
  return Status::Ok();
}

CLI::App* HubCommand(CLI::App& app) {
  auto found = app.get_subcommands([](const CLI::App* sub) { return sub->get_name() == "hub"; });
  if (!found.empty()) return found.front();
  return app.add_subcommand("hub", "The site hub: accounts and the sync server tills replicate to (docs/sync.md)");
}

}  // namespace

void AddHubReportCommands(CLI::App& app, Context& context) {
  CLI::App* hub = HubCommand(app);
  auto* report = hub->add_subcommand("report", "Site reports from the hub's log: totals per day, Z reports, tills");
  report->require_subcommand(1);
  report->footer(
      "Reads the hub's store (--data). While `pos hub serve` runs, it reads what the running hub's projections\n"
      "hold (read-only); otherwise it brings them up to date first. Amounts are in minor units in --json.\n"
      "Examples:\n"
      "  pos --data hub hub report site                 every day's site totals\n"
      "  pos --data hub hub report site --day 2026-11-24  that day per till\n"
      "  pos --data hub hub report z --till 3f2a…        Z reports (Z-Bon) of one till\n"
      "  pos --data hub --json hub report tills          last event and its age per till");

  auto day = std::make_shared<std::string>();
  auto* site = report->add_subcommand("site", "Sales of every till per UTC day (receipts, refunds, cancelled, total)");
  site->add_option("--day", *day, "One day (YYYY-MM-DD), per till; without it: every day, site totals");
  site->callback([&context, day] {
    if (Status s = ReportSite(context, *day); !s.ok()) context.Fail(s);
  });

  auto till = std::make_shared<std::string>();
  auto* z = report->add_subcommand("z", "The Z reports (Z-Bon) of every till, as each till closed its day");
  z->add_option("--till", *till, "Only this till (node id hex, as `pos hub report tills` shows it)");
  z->callback([&context, till] {
    if (Status s = ReportZ(context, *till); !s.ok()) context.Fail(s);
  });

  auto* tills = report->add_subcommand(
      "tills", "Every node in the hub's log: events held, last event time and age (the till's lag), last receipt and Z");
  tills->callback([&context] {
    if (Status s = ReportTills(context); !s.ok()) context.Fail(s);
  });
}

}  // namespace pos::cli
