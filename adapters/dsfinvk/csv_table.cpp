#include "adapters/dsfinvk/csv_table.h"

#include <cstdlib>

#include "projections/receipt_journal.h"

namespace pos::dsfinvk {

namespace {

std::string Digits(uint64_t value, int width) {
  std::string text = std::to_string(value);
  if (static_cast<int>(text.size()) < width) text.insert(0, static_cast<size_t>(width) - text.size(), '0');
  return text;
}

}  // namespace

std::string FormatMinor(int64_t minor_units, int accuracy) {
  const bool negative = minor_units < 0;
  const uint64_t magnitude =
      negative ? static_cast<uint64_t>(-(minor_units + 1)) + 1 : static_cast<uint64_t>(minor_units);
  std::string text = negative ? "-" : "";
  text += std::to_string(magnitude / 100);
  if (accuracy > 0) {
    std::string fraction = Digits(magnitude % 100, 2);
    if (accuracy < 2) fraction.resize(static_cast<size_t>(accuracy));  // callers use 2 or more
    text += "." + fraction + std::string(accuracy > 2 ? static_cast<size_t>(accuracy - 2) : 0, '0');
  }
  return text;
}

std::string FormatWhole(int64_t value, int accuracy) {
  std::string text = std::to_string(value);
  if (accuracy > 0) text += "." + std::string(static_cast<size_t>(accuracy), '0');
  return text;
}

std::string FormatTimestamp(int64_t wall_time_us) {
  constexpr int64_t kDayUs = 86'400'000'000;
  int64_t in_day = wall_time_us % kDayUs;
  if (in_day < 0) in_day += kDayUs;
  const int64_t seconds = in_day / 1'000'000;
  return UtcDay(wall_time_us) + "T" + Digits(static_cast<uint64_t>(seconds / 3600), 2) + ":" +
         Digits(static_cast<uint64_t>(seconds / 60 % 60), 2) + ":" + Digits(static_cast<uint64_t>(seconds % 60), 2) +
         "Z";
}

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16 |
                       static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8 |
                       static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 2]));
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += kAlphabet[n >> 6 & 63];
    out += kAlphabet[n & 63];
  }
  if (i < bytes.size()) {
    uint32_t n = static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8;
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += i + 1 < bytes.size() ? kAlphabet[n >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

CsvTableWriter::CsvTableWriter(TableSpec spec, const std::string& path)
    : spec_(std::move(spec)), path_(path), out_(path, std::ios::binary | std::ios::trunc) {
  if (!out_) {
    status_ = Status::IoError("cannot create " + path_);
    return;
  }
  std::vector<std::string> names;
  for (const Column& column : spec_.columns) names.push_back(column.name);
  Put(names, /*header=*/true);
  if (!out_) status_ = Status::IoError("cannot write " + path_);
}

void CsvTableWriter::Put(const std::vector<std::string>& fields, bool header) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) line += ';';
    if (header || !spec_.columns[i].numeric) {
      line += '"';
      for (char c : fields[i]) {
        if (c == '"') line += '"';
        line += c;
      }
      line += '"';
    } else {
      line += fields[i];
    }
  }
  line += "\r\n";
  out_ << line;
}

Status CsvTableWriter::Write(const std::vector<std::string>& fields) {
  POS_RETURN_IF_ERROR(status_);
  if (fields.size() != spec_.columns.size()) {
    return Status::Internal(spec_.file + ": a record of " + std::to_string(fields.size()) + " fields, the table has " +
                            std::to_string(spec_.columns.size()) + " columns");
  }
  Put(fields, /*header=*/false);
  if (!out_) return status_ = Status::IoError("cannot write " + path_ + " (disk full?)");
  ++rows_;
  return Status::Ok();
}

Status CsvTableWriter::Close() {
  POS_RETURN_IF_ERROR(status_);
  out_.flush();
  out_.close();
  if (!out_) return status_ = Status::IoError("cannot finish " + path_ + " (disk full?)");
  return Status::Ok();
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string IndexXml(const std::vector<TableSpec>& tables, std::string_view supplier_name, std::string_view from_day,
                     std::string_view to_day) {
  std::string x;
  x += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<!DOCTYPE DataSet SYSTEM \"gdpdu-01-09-2004.dtd\">\n";
  x += "<DataSet>\n  <Version>1.0</Version>\n";
  x += "  <DataSupplier>\n    <Name>" + XmlEscape(supplier_name) + "</Name>\n    <Location></Location>\n";
  x += "    <Comment>DSFinV-K export (taxonomy 2.3) of the pos engine</Comment>\n  </DataSupplier>\n";
  x += "  <Media>\n    <Name>DSFinV-K</Name>\n";
  for (const TableSpec& t : tables) {
    x += "    <Table>\n";
    x += "      <URL>" + XmlEscape(t.file) + "</URL>\n";
    x += "      <Name>" + XmlEscape(t.name) + "</Name>\n";
    x += "      <Description>" + XmlEscape(t.description) + "</Description>\n";
    x += "      <Validity>\n        <Range>\n          <From>" + XmlEscape(from_day) + "</From>\n          <To>" +
         XmlEscape(to_day) + "</To>\n        </Range>\n        <Format>YYYY-MM-DD</Format>\n      </Validity>\n";
    x += "      <UTF8/>\n";
    x += "      <DecimalSymbol>.</DecimalSymbol>\n      <DigitGroupingSymbol>,</DigitGroupingSymbol>\n";
    x += "      <Range>\n        <From>2</From>\n      </Range>\n";  // record 1 is the header row
    x += "      <VariableLength>\n";
    x += "        <ColumnDelimiter>;</ColumnDelimiter>\n";
    x += "        <RecordDelimiter>&#13;&#10;</RecordDelimiter>\n";
    x += "        <TextEncapsulator>\"</TextEncapsulator>\n";
    for (const Column& c : t.columns) {
      x += "        <VariableColumn>\n          <Name>" + XmlEscape(c.name) + "</Name>\n";
      if (c.numeric) {
        x += "          <Numeric>\n            <Accuracy>" + std::to_string(c.accuracy) +
             "</Accuracy>\n          </Numeric>\n";
      } else {
        x += "          <AlphaNumeric/>\n";
      }
      x += "        </VariableColumn>\n";
    }
    x += "      </VariableLength>\n";
    x += "    </Table>\n";
  }
  x += "  </Media>\n</DataSet>\n";
  return x;
}

}  // namespace pos::dsfinvk
