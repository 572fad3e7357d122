// The DSFinV-K export (Digitale Schnittstelle der Finanzverwaltung für
// Kassensysteme, taxonomy 2.3): the cash point closings (Z reports) of a date
// range as the CSV tables of the single-record module, the master data module
// and the cash point closing module, with their GDPdU index.xml.
//
// Plain C++ over the projection views (z_reports, receipt_journal, catalog) and
// the receipt streams (TSE data). The unit of export is the Kassenabschluss: every
// Z report whose DayClosed wall time falls on a UTC day in [from, to], with the
// receipts it covers (its first..last receipt number). Every column written and
// where it comes from: docs/exports.md.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/event_store.h"
#include "engine/status.h"
#include "projections/projection_runner.h"

namespace pos::dsfinvk {

// The business's master data, which no event holds (cashpointclosing.csv, location.csv).
struct Company {
  std::string name;
  std::string street;
  std::string postcode;
  std::string city;
  std::string country = "DEU";  // ISO 3166 alpha-3
  std::string tax_number;       // Steuernummer
  std::string vat_id;           // USt-IdNr.
  std::string location_name;    // defaults to the till's node name
};

struct ExportOptions {
  std::string from_day;  // "YYYY-MM-DD", inclusive
  std::string to_day;    // "YYYY-MM-DD", inclusive
  std::string out_dir;   // absent or empty, unless force
  bool force = false;    // replace a non-empty out_dir
  Company company;
  // (receipts written, receipts to write); called now and then.
  std::function<void(uint64_t, uint64_t)> progress;
};

struct ExportSummary {
  std::string out_dir;
  uint64_t closings = 0;  // Z reports exported
  uint64_t receipts = 0;  // transactions exported
  uint64_t aborted = 0;   // cancelled receipts exported (BON_TYP AVBelegabbruch)
  uint64_t receipts_with_tse = 0;  // of receipts and aborted ones
  // Receipts closed in [from, to] that no exported Z report covers (their day is
  // not closed yet, or closed after to): not exported.
  uint64_t receipts_without_closing = 0;
  bool tse_schema = false;  // false: this build cannot read TSE events, TSE columns are empty
  std::map<std::string, uint64_t> rows;  // table file -> records written
};

// The tables this export writes, in index.xml order (file, DSFinV-K name, columns).
std::vector<std::string> TableFiles();

// Checks the options without touching anything: well-formed days, from <= to,
// out_dir absent or an empty directory (or force and a directory).
Status ValidateExportOptions(const ExportOptions& options);

// Writes the export. The runner must have the built-in projections registered and
// caught up. Everything is written into a temporary directory next to out_dir that
// is renamed to out_dir at the end: a failed export leaves out_dir as it was.
Result<ExportSummary> ExportDsfinvk(const EventStore& store, const ProjectionRunner& runner,
                                    const ExportOptions& options);

}  // namespace pos::dsfinvk
