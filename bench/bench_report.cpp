#include "bench/bench_report.h"

#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <thread>

namespace pos::bench {

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

size_t BenchReport::Add(std::string section, std::string name, std::vector<double> rounds, std::string unit,
                        std::string target, std::string note) {
  Figure figure;
  figure.section = std::move(section);
  figure.name = std::move(name);
  figure.value = Median(rounds);
  figure.rounds = std::move(rounds);
  figure.unit = std::move(unit);
  figure.target = std::move(target);
  figure.note = std::move(note);
  figures_.push_back(std::move(figure));
  return figures_.size() - 1;
}

void BenchReport::Compare(size_t index, size_t reference, std::optional<double> at_least) {
  Figure& figure = figures_[index];
  const Figure& ref = figures_[reference];
  figure.reference = ref.name;
  if (ref.value > 0) figure.ratio = figure.value / ref.value;
  if (at_least.has_value()) {
    const bool met = figure.ratio.has_value() && *figure.ratio >= *at_least;
    figure.met = figure.met.value_or(true) && met;
  }
}

void BenchReport::Bound(size_t index, std::optional<double> at_least, std::optional<double> below) {
  Figure& figure = figures_[index];
  bool met = true;
  if (at_least.has_value()) met = met && figure.value >= *at_least;
  if (below.has_value()) met = met && figure.value < *below;
  figure.met = figure.met.value_or(true) && met;
}

void BenchReport::Pending(std::string section, std::string why) {
  pending_.emplace_back(std::move(section), std::move(why));
}

namespace {

std::string Number(double value) {
  std::ostringstream out;
  if (value >= 100) {
    out << std::fixed << std::setprecision(0) << value;
  } else if (value >= 1) {
    out << std::fixed << std::setprecision(2) << value;
  } else {
    out << std::setprecision(3) << value;
  }
  return out.str();
}

}  // namespace

void BenchReport::PrintTable(std::ostream& out) const {
  if (preliminary_) out << "PRELIMINARY: quick mode sizes, not the figures of docs/BENCHMARKS.md\n";
  std::string section;
  for (const Figure& f : figures_) {
    if (f.section != section) {
      section = f.section;
      out << "\n" << section << "\n";
      out << "  " << std::left << std::setw(44) << "figure" << std::right << std::setw(14) << "median" << "  "
          << std::left << std::setw(12) << "unit" << std::right << std::setw(9) << "ratio" << "  " << std::left
          << std::setw(38) << "target" << "met\n";
    }
    std::string rounds;
    for (double r : f.rounds) rounds += (rounds.empty() ? "" : " ") + Number(r);
    out << "  " << std::left << std::setw(44) << f.name << std::right << std::setw(14) << Number(f.value) << "  "
        << std::left << std::setw(12) << f.unit << std::right << std::setw(9)
        << (f.ratio.has_value() ? Number(*f.ratio) + "x" : std::string("")) << "  " << std::left << std::setw(38)
        << f.target << (f.met.has_value() ? (*f.met ? "yes" : "NO") : "") << "\n";
    out << "      rounds: " << rounds;
    if (f.reference.has_value()) out << "; ratio against " << *f.reference;
    if (!f.note.empty()) out << "; " << f.note;
    out << "\n";
  }
  for (const auto& [pending_section, why] : pending_) out << "\n" << pending_section << "\n  not measured: " << why << "\n";
}

nlohmann::json BenchReport::ToJson() const {
  nlohmann::json figures = nlohmann::json::array();
  for (const Figure& f : figures_) {
    figures.push_back({{"section", f.section},
                       {"name", f.name},
                       {"value", f.value},
                       {"unit", f.unit},
                       {"rounds", f.rounds},
                       {"reference", f.reference.has_value() ? nlohmann::json(*f.reference) : nlohmann::json()},
                       {"ratio", f.ratio.has_value() ? nlohmann::json(*f.ratio) : nlohmann::json()},
                       {"target", f.target},
                       {"met", f.met.has_value() ? nlohmann::json(*f.met) : nlohmann::json()},
                       {"note", f.note}});
  }
  nlohmann::json pending = nlohmann::json::array();
  for (const auto& [section, why] : pending_) pending.push_back({{"section", section}, {"why", why}});
  return {{"machine", machine_}, {"preliminary", preliminary_}, {"figures", figures}, {"pending", pending}};
}

nlohmann::json DescribeMachine(const std::string& work_dir) {
  nlohmann::json machine;
  utsname name{};
  if (uname(&name) == 0) machine["kernel"] = std::string(name.sysname) + " " + name.release;
  machine["cores"] = std::thread::hardware_concurrency();
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      machine["cpu"] = line.substr(line.find(':') + 2);
      break;
    }
  }
  std::ifstream meminfo("/proc/meminfo");
  for (std::string line; std::getline(meminfo, line);) {
    if (line.rfind("MemTotal:", 0) == 0) {
      machine["memory_kb"] = std::stoll(line.substr(9));
      break;
    }
  }
  std::ifstream loadavg("/proc/loadavg");
  std::string load;
  if (std::getline(loadavg, load)) machine["loadavg"] = load;
  struct statfs fs {};
  if (statfs(work_dir.c_str(), &fs) == 0) {
    std::ostringstream type;
    type << "0x" << std::hex << static_cast<unsigned long>(fs.f_type);
    machine["work_fs_type"] = type.str();
  }
  machine["work_dir"] = work_dir;
  return machine;
}

}  // namespace pos::bench
