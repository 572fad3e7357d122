// BenchReport: the figures of one pos_bench run, each beside its target or limit
// and the peers measured in the same run, printed as a table or as JSON.
//
// JSON (--json), one object:
//   {"machine": {...}, "preliminary": bool,
//    "figures": [{"section", "name", "value", "unit", "rounds": [..],
//                 "reference": name|null, "ratio": x|null, "target": text,
//                 "met": true|false|null, "note": text}, ...],
//    "pending": [{"section", "why"}]}
// `value` is the median of `rounds`; `ratio` is value / the reference figure's
// value; `met` is null for figures without a target (peers, limits).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pos::bench {

double Median(std::vector<double> values);

struct Figure {
  std::string section;  // "1. durable receipts, 8 front ends"
  std::string name;     // "register (pos serve)"
  double value = 0;     // the median of rounds
  std::string unit;     // "receipts/s"
  std::vector<double> rounds;
  std::optional<std::string> reference;  // the figure the ratio is taken against
  std::optional<double> ratio;
  std::string target;                    // "≥ 0.50 × raw RocksDB", "limit", "peer"
  std::optional<bool> met;
  std::string note;
};

class BenchReport {
 public:
  // Adds a figure whose value is the median of `rounds`; returns its index.
  size_t Add(std::string section, std::string name, std::vector<double> rounds, std::string unit,
             std::string target = "", std::string note = "");
  Figure& at(size_t index) { return figures_[index]; }
  const std::vector<Figure>& figures() const { return figures_; }

  // Sets figure `index`'s ratio to `reference` and whether ratio >= at_least.
  void Compare(size_t index, size_t reference, std::optional<double> at_least);
  // A target on the value itself: met when value < below (or value >= at_least).
  void Bound(size_t index, std::optional<double> at_least, std::optional<double> below);
  // A section this run did not measure, and why (e.g. sync: issue 9, item 3).
  void Pending(std::string section, std::string why);

  void set_machine(nlohmann::json machine) { machine_ = std::move(machine); }
  void set_preliminary(bool preliminary) { preliminary_ = preliminary; }

  void PrintTable(std::ostream& out) const;
  nlohmann::json ToJson() const;

 private:
  std::vector<Figure> figures_;
  std::vector<std::pair<std::string, std::string>> pending_;
  nlohmann::json machine_ = nlohmann::json::object();
  bool preliminary_ = false;
};

// Kernel, CPU model, core count, memory and the file system under `work_dir`.
nlohmann::json DescribeMachine(const std::string& work_dir);

}  // namespace pos::bench
