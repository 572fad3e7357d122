// DSFinV-K CSV tables and their GDPdU index (index.xml).
//
// A table is a file of records: UTF-8, ';' between fields, CRLF after each
// record, one header row with the column names. Alphanumeric fields are always
// enclosed in '"' (a '"' inside is doubled); numeric fields are written bare with
// '.' as the decimal point and exactly the column's number of decimal places
// (an empty numeric field means "not given"). index.xml describes every table:
// its file (URL), its DSFinV-K name, and each column with its type.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace pos::dsfinvk {

struct Column {
  std::string name;
  bool numeric = false;
  int accuracy = 0;  // decimal places of a numeric column
};

inline Column Alpha(std::string name) { return {std::move(name), false, 0}; }
inline Column Num(std::string name, int accuracy) { return {std::move(name), true, accuracy}; }

struct TableSpec {
  std::string file;         // e.g. "transactions.csv"
  std::string name;         // DSFinV-K name, e.g. "Bonkopf"
  std::string description;  // one line for index.xml
  std::vector<Column> columns;
};

// One field's text as it goes into the file (before quoting).
// Amounts in minor units (two decimals) rendered with `accuracy` places: 1234 -> "12.34000" for 5.
std::string FormatMinor(int64_t minor_units, int accuracy);
// A whole number with `accuracy` places: 2 -> "2.000" for 3.
std::string FormatWhole(int64_t value, int accuracy);
// Wall time in microseconds since the epoch as ISO 8601 UTC: "2024-01-31T23:00:00Z".
std::string FormatTimestamp(int64_t wall_time_us);
// RFC 4648 base64 with padding.
std::string Base64(std::string_view bytes);

// Writes one table's file, record by record.
class CsvTableWriter {
 public:
  CsvTableWriter(TableSpec spec, const std::string& path);
  // Ok when the file could be created and the header written.
  Status status() const { return status_; }
  // `fields` must have one entry per column; numeric fields are pre-formatted.
  Status Write(const std::vector<std::string>& fields);
  Status Close();
  const TableSpec& spec() const { return spec_; }
  uint64_t rows() const { return rows_; }

 private:
  void Put(const std::vector<std::string>& fields, bool header);

  TableSpec spec_;
  std::string path_;
  std::ofstream out_;
  Status status_;
  uint64_t rows_ = 0;
};

// The GDPdU index of the tables (index.xml), DTD gdpdu-01-09-2004.dtd.
std::string IndexXml(const std::vector<TableSpec>& tables, std::string_view supplier_name,
                     std::string_view from_day, std::string_view to_day);

// Escapes &, <, >, " and ' for XML text.
std::string XmlEscape(std::string_view text);

}  // namespace pos::dsfinvk
