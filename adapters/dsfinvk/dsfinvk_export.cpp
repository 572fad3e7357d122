#include "adapters/dsfinvk/dsfinvk_export.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <tuple>

#include "adapters/dsfinvk/csv_table.h"
#include "adapters/dsfinvk/tse_source.h"
#include "engine/bytes.h"
#include "events/event_types.h"
#include "events/event_view.h"
#include "events/node_generated.h"
#include "projections/catalog.h"
#include "projections/receipt_journal.h"
#include "projections/z_reports.h"

namespace pos::dsfinvk {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTaxonomyVersion = "2.3";

// ---- The tables ---------------------------------------------------------------

enum TableId : size_t {
  kTransactions,
  kTransactionsVat,
  kDatapayment,
  kReferences,
  kTransactionsTse,
  kLines,
  kLinesVat,
  kCashpointclosing,
  kLocation,
  kCashregister,
  kSlaves,
  kPa,
  kVat,
  kTse,
  kBusinesscases,
  kPayment,
  kCashPerCurrency,
  kTableCount,
};

std::vector<Column> Keys(std::vector<Column> rest, bool bon_id) {
  std::vector<Column> columns = {Alpha("Z_KASSE_ID"), Alpha("Z_ERSTELLUNG"), Num("Z_NR", 0)};
  if (bon_id) columns.push_back(Alpha("BON_ID"));
  columns.insert(columns.end(), rest.begin(), rest.end());
  return columns;
}

const std::vector<TableSpec>& Specs() {
  static const std::vector<TableSpec> specs = {
      {"transactions.csv", "Bonkopf", "Einzelaufzeichnungsmodul: Bonkopf (one record per receipt)",
       Keys({Num("BON_NR", 0), Alpha("BON_TYP"), Alpha("BON_NAME"), Alpha("TERMINAL_ID"), Alpha("BON_STORNO"),
             Alpha("BON_START"), Alpha("BON_ENDE"), Alpha("BEDIENER_ID"), Alpha("BEDIENER_NAME"),
             Num("UMS_BRUTTO", 2), Alpha("KUNDE_NAME"), Alpha("KUNDE_ID"), Alpha("KUNDE_TYP"), Alpha("KUNDE_STRASSE"),
             Alpha("KUNDE_PLZ"), Alpha("KUNDE_ORT"), Alpha("KUNDE_LAND"), Alpha("KUNDE_USTID"), Alpha("BON_NOTIZ")},
            true)},
      {"transactions_vat.csv", "Bonkopf_USt", "Einzelaufzeichnungsmodul: Bonkopf_USt (receipt totals per VAT key)",
       Keys({Num("UST_SCHLUESSEL", 0), Num("BON_BRUTTO", 5), Num("BON_NETTO", 5), Num("BON_UST", 5)}, true)},
      {"datapayment.csv", "Bonkopf_Zahlarten", "Einzelaufzeichnungsmodul: Bonkopf_Zahlarten (payments per receipt)",
       Keys({Alpha("ZAHLART_TYP"), Alpha("ZAHLART_NAME"), Alpha("ZAHLWAEH_CODE"), Num("ZAHLWAEH_BETRAG", 2),
             Num("BASISWAEH_BETRAG", 2)},
            true)},
      {"references.csv", "Bon_Referenzen", "Einzelaufzeichnungsmodul: Bon_Referenzen (refund -> refunded receipt)",
       Keys({Alpha("POS_ZEILE"), Alpha("REF_TYP"), Alpha("REF_NAME"), Alpha("REF_DATUM"), Alpha("REF_Z_KASSE_ID"),
             Num("REF_Z_NR", 0), Alpha("REF_BON_ID")},
            true)},
      {"transactions_tse.csv", "TSE_Transaktionen", "Einzelaufzeichnungsmodul: TSE_Transaktionen",
       Keys({Num("TSE_ID", 0), Num("TSE_TANR", 0), Alpha("TSE_TA_START"), Alpha("TSE_TA_ENDE"),
             Alpha("TSE_TA_VORGANGSART"), Num("TSE_TA_SIGZ", 0), Alpha("TSE_TA_SIG"), Alpha("TSE_TA_FEHLER"),
             Alpha("TSE_TA_VORGANGSDATEN")},
            true)},
      {"lines.csv", "Bonpos", "Einzelaufzeichnungsmodul: Bonpos (receipt lines)",
       Keys({Alpha("POS_ZEILE"), Alpha("GUTSCHEIN_NR"), Alpha("ARTIKELTEXT"), Alpha("POS_TERMINAL_ID"),
             Alpha("GV_TYP"), Alpha("GV_NAME"), Alpha("INHAUS"), Alpha("P_STORNO"), Num("AGENTUR_ID", 0),
             Alpha("ART_NR"), Alpha("GTIN"), Alpha("WARENGR_ID"), Alpha("WARENGR"), Num("MENGE", 3),
             Num("FAKTOR", 3), Alpha("EINHEIT"), Num("STK_BR", 5)},
            true)},
      {"lines_vat.csv", "Bonpos_USt", "Einzelaufzeichnungsmodul: Bonpos_USt (line amounts per VAT key)",
       Keys({Alpha("POS_ZEILE"), Num("UST_SCHLUESSEL", 0), Num("POS_BRUTTO", 5), Num("POS_NETTO", 5),
             Num("POS_UST", 5)},
            true)},
      {"cashpointclosing.csv", "Stamm_Abschluss", "Stammdatenmodul: Stamm_Abschluss (one record per Z report)",
       Keys({Alpha("Z_BUCHUNGSTAG"), Alpha("TAXONOMIE_VERSION"), Alpha("Z_START_ID"), Alpha("Z_ENDE_ID"),
             Alpha("NAME"), Alpha("STRASSE"), Alpha("PLZ"), Alpha("ORT"), Alpha("LAND"), Alpha("STNR"),
             Alpha("USTID"), Num("Z_SE_ZAHLUNGEN", 2), Num("Z_SE_BARZAHLUNGEN", 2)},
            false)},
      {"location.csv", "Stamm_Orte", "Stammdatenmodul: Stamm_Orte",
       Keys({Alpha("LOC_NAME"), Alpha("LOC_STRASSE"), Alpha("LOC_PLZ"), Alpha("LOC_ORT"), Alpha("LOC_LAND"),
             Alpha("LOC_USTID")},
            false)},
      {"cashregister.csv", "Stamm_Kassen", "Stammdatenmodul: Stamm_Kassen",
       Keys({Alpha("KASSE_BRAND"), Alpha("KASSE_MODELL"), Alpha("KASSE_SERIENNR"), Alpha("KASSE_SW_BRAND"),
             Alpha("KASSE_SW_VERSION"), Alpha("KASSE_BASISWAEH_CODE"), Alpha("KEINE_UST_ZUORDNUNG")},
            false)},
      {"slaves.csv", "Stamm_Terminals", "Stammdatenmodul: Stamm_Terminals (none: every till closes its own day)",
       Keys({Alpha("TERMINAL_ID"), Alpha("TERMINAL_BRAND"), Alpha("TERMINAL_MODELL"), Alpha("TERMINAL_SERIENNR"),
             Alpha("TERMINAL_SW_BRAND"), Alpha("TERMINAL_SW_VERSION")},
            false)},
      {"pa.csv", "Stamm_Agenturen", "Stammdatenmodul: Stamm_Agenturen (none: no sales for third parties)",
       Keys({Num("AGENTUR_ID", 0), Alpha("AGENTUR_NAME"), Alpha("AGENTUR_STRASSE"), Alpha("AGENTUR_PLZ"),
             Alpha("AGENTUR_ORT"), Alpha("AGENTUR_LAND"), Alpha("AGENTUR_STNR"), Alpha("AGENTUR_USTID")},
            false)},
      {"vat.csv", "Stamm_USt", "Stammdatenmodul: Stamm_USt (VAT keys used in the closing)",
       Keys({Num("UST_SCHLUESSEL", 0), Num("UST_SATZ", 2), Alpha("UST_BESCHR")}, false)},
      {"tse.csv", "Stamm_TSE", "Stammdatenmodul: Stamm_TSE (TSEs that signed the closing's receipts)",
       Keys({Num("TSE_ID", 0), Alpha("TSE_SERIAL"), Alpha("TSE_SIG_ALGO"), Alpha("TSE_ZEITFORMAT"),
             Alpha("TSE_PD_ENCODING"), Alpha("TSE_PUBLIC_KEY"), Alpha("TSE_ZERTIFIKAT_I"),
             Alpha("TSE_ZERTIFIKAT_II")},
            false)},
      {"businesscases.csv", "Z_GV_Typ", "Kassenabschlussmodul: Z_GV_Typ (totals per business case and VAT key)",
       Keys({Alpha("GV_TYP"), Alpha("GV_NAME"), Num("AGENTUR_ID", 0), Num("UST_SCHLUESSEL", 0),
             Num("Z_UMS_BRUTTO", 5), Num("Z_UMS_NETTO", 5), Num("Z_UST", 5)},
            false)},
      {"payment.csv", "Z_Zahlart", "Kassenabschlussmodul: Z_Zahlart (totals per payment type)",
       Keys({Alpha("ZAHLART_TYP"), Alpha("ZAHLART_NAME"), Num("Z_ZAHLART_BETRAG", 2)}, false)},
      {"cash_per_currency.csv", "Z_Waehrungen", "Kassenabschlussmodul: Z_Waehrungen (cash per currency)",
       Keys({Alpha("ZAHLART_WAEH"), Num("ZAHLART_BETRAG_WAEH", 2)}, false)},
  };
  return specs;
}

// ---- Value mappings -----------------------------------------------------------

// DSFinV-K Anhang (USt-Schlüssel): 1 = 19 %, 2 = 7 %, 3 = 10.7 %, 4 = 5.5 %,
// 6 = umsatzsteuerfrei (0 %); other rates get an individual key 1000 + basis points.
uint32_t VatKey(uint32_t basis_points) {
  switch (basis_points) {
    case 1900: return 1;
    case 700: return 2;
    case 1070: return 3;
    case 550: return 4;
    case 0: return 6;
    default: return 1000 + basis_points;
  }
}

std::string VatKeyDescription(uint32_t key) {
  switch (key) {
    case 1: return "Regelsteuersatz";
    case 2: return "Ermäßigter Steuersatz";
    case 3: return "Durchschnittsatz (§ 24 Abs. 1 Nr. 3 UStG) übrige Fälle";
    case 4: return "Durchschnittsatz (§ 24 Abs. 1 Nr. 1 UStG)";
    case 6: return "Umsatzsteuerfrei";
    default: return "Individueller Steuersatz";
  }
}

// ZAHLART_TYP (DSFinV-K Anhang D) of a payment type label.
std::string PaymentKind(const std::string& label) { return label == "cash" ? "Bar" : "Unbar"; }

int64_t RoundDiv(int64_t numerator, int64_t denominator) {  // half away from zero; denominator > 0
  const int64_t q = numerator / denominator;
  const int64_t r = numerator % denominator;
  if (2 * (r < 0 ? -r : r) >= denominator) return q + (numerator < 0 ? -1 : 1);
  return q;
}

struct Amounts {
  int64_t gross = 0;
  int64_t net = 0;
  int64_t tax = 0;
  void Add(const Amounts& o) {
    gross += o.gross;
    net += o.net;
    tax += o.tax;
  }
};

// One lines_vat record: a receipt line, or the share of the receipt discount of one tax rate.
struct LineEntry {
  std::string pos_zeile;
  std::string gv_typ;  // "Umsatz" or "Rabatt"
  uint32_t vat_key = 0;
  Amounts amounts;
};

// Splits the receipt's figures per tax rate onto its lines: every non-voided line
// keeps its gross amount; the receipt discount of a rate (line gross sum - the
// rate's gross in ReceiptClosed) becomes one "Rabatt" entry; the rate's net
// (decided once per rate and receipt) is shared out so the entries add up to it:
// each entry's net is its gross at the rate, rounded, and the entry with the
// largest gross takes the rounding rest. So sum(entries) == ReceiptClosed exactly.
std::vector<LineEntry> SplitLines(const JournalReceipt& r) {
  std::map<std::string, std::vector<size_t>> by_rate;  // tax code -> line indexes (not voided)
  uint32_t max_line = 0;
  for (size_t i = 0; i < r.lines.size(); ++i) {
    max_line = std::max(max_line, r.lines[i].line_no);
    if (!r.lines[i].voided) by_rate[r.lines[i].tax_rate].push_back(i);
  }
  std::map<std::string, TaxFigures> figures;
  for (const TaxFigures& t : r.tax_lines) figures[t.tax_rate] = t;
  for (const auto& [code, t] : figures) by_rate[code];  // a rate with figures but no line

  std::vector<LineEntry> entries;
  std::map<uint32_t, LineEntry> by_line;  // line_no -> entry, to emit in line order
  std::vector<LineEntry> discounts;
  for (const auto& [code, indexes] : by_rate) {
    auto f = figures.find(code);
    TaxFigures rate = f != figures.end() ? f->second : TaxFigures{code, 0, 0, 0, 0};
    if (f == figures.end() && !indexes.empty()) rate.basis_points = r.lines[indexes.front()].tax_basis_points;
    const uint32_t key = VatKey(rate.basis_points);
    std::vector<LineEntry> group;
    int64_t line_gross = 0;
    for (size_t i : indexes) {
      const JournalLine& line = r.lines[i];
      group.push_back({std::to_string(line.line_no), "Umsatz", key, {line.Amount(), 0, 0}});
      line_gross += line.Amount();
    }
    if (line_gross != rate.gross) {
      group.push_back({"", "Rabatt", key, {rate.gross - line_gross, 0, 0}});
    }
    if (group.empty()) continue;
    size_t largest = 0;
    int64_t net_sum = 0;
    for (size_t k = 0; k < group.size(); ++k) {
      const int64_t g = group[k].amounts.gross;
      if ((g < 0 ? -g : g) > (group[largest].amounts.gross < 0 ? -group[largest].amounts.gross
                                                               : group[largest].amounts.gross)) {
        largest = k;
      }
      group[k].amounts.net = RoundDiv(g * 10000, 10000 + static_cast<int64_t>(rate.basis_points));
      net_sum += group[k].amounts.net;
    }
    group[largest].amounts.net += rate.net - net_sum;
    for (LineEntry& e : group) {
      e.amounts.tax = e.amounts.gross - e.amounts.net;
      if (e.gv_typ == "Rabatt") {
        discounts.push_back(e);
      } else {
        by_line[static_cast<uint32_t>(std::stoul(e.pos_zeile))] = e;
      }
    }
  }
  for (auto& [no, e] : by_line) entries.push_back(std::move(e));
  for (LineEntry& d : discounts) {
    d.pos_zeile = std::to_string(++max_line);
    entries.push_back(std::move(d));
  }
  return entries;
}

struct TillInfo {
  std::string name;
  std::string currency = "EUR";
  std::string software_version;
};

// ---- Writing ------------------------------------------------------------------

class Exporter {
 public:
  Exporter(const EventStore& store, const ProjectionRunner& runner, const ExportOptions& options)
      : store_(store), runner_(runner), options_(options) {}

  Result<ExportSummary> Run(const fs::path& dir) {
    POS_ASSIGN_OR_RETURN(ProjectionReader z_reader, runner_.Reader(ZReportsProjection::kName));
    POS_ASSIGN_OR_RETURN(ProjectionReader journal_reader, runner_.Reader(ReceiptJournalProjection::kName));
    POS_ASSIGN_OR_RETURN(ProjectionReader catalog_reader, runner_.Reader(CatalogProjection::kName));
    z_view_.emplace(z_reader);
    journal_.emplace(journal_reader);
    catalog_.emplace(catalog_reader);

    POS_ASSIGN_OR_RETURN(std::vector<ZReportRecord> all, z_view_->All());
    std::vector<ZReportRecord> closings;
    for (ZReportRecord& z : all) {
      const std::string day = UtcDay(z.closed_at_us);
      if (day >= options_.from_day && day <= options_.to_day) closings.push_back(std::move(z));
    }
    uint64_t total = 0;
    for (const ZReportRecord& z : closings) {
      if (z.first_receipt != 0 && z.last_receipt >= z.first_receipt) total += z.last_receipt - z.first_receipt + 1;
    }

    for (const TableSpec& spec : Specs()) {
      writers_.push_back(std::make_unique<CsvTableWriter>(spec, (dir / spec.file).string()));
      POS_RETURN_IF_ERROR(writers_.back()->status());
    }

    std::set<std::pair<std::string, uint64_t>> exported;
    uint64_t done = 0;
    for (const ZReportRecord& z : closings) {
      POS_RETURN_IF_ERROR(WriteClosing(z, exported, done, total));
    }
    if (options_.progress) options_.progress(done, total);

    POS_ASSIGN_OR_RETURN(std::vector<JournalReceipt> in_range,
                         journal_->ClosedBetween(options_.from_day, options_.to_day));
    for (const JournalReceipt& r : in_range) {
      if (!exported.contains({r.till, r.number})) ++summary_.receipts_without_closing;
    }

    for (auto& writer : writers_) {
      POS_RETURN_IF_ERROR(writer->Close());
      summary_.rows[writer->spec().file] = writer->rows();
    }
    std::string supplier = options_.company.name.empty() ? store_.node_name() : options_.company.name;
    std::ofstream index(dir / "index.xml", std::ios::binary | std::ios::trunc);
    index << IndexXml(Specs(), supplier, options_.from_day, options_.to_day);
    index.close();
    if (!index) return Status::IoError("cannot write " + (dir / "index.xml").string());
    summary_.closings = closings.size();
    summary_.tse_schema = TseSchemaAvailable();
    return summary_;
  }

 private:
  Status Write(TableId table, std::vector<std::string> fields) { return writers_[table]->Write(fields); }

  Result<TillInfo> Till(const std::string& till) {
    auto it = tills_.find(till);
    if (it != tills_.end()) return it->second;
    TillInfo info;
    info.name = till;
    std::optional<std::string> origin = FromHex(till);
    if (origin) {
      POS_RETURN_IF_ERROR(store_.ScanOrigin(*origin, 1, [&](uint64_t, std::string_view bytes) {
        auto event = EventView::Parse(bytes);
        if (event.ok() && event->type() == static_cast<uint32_t>(EventType::kNodeInitialised)) {
          if (const auto* p = event->PayloadAs<fb::NodeInitialised>()) {
            if (p->node_name()) info.name = p->node_name()->str();
            if (p->currency() && p->currency()->size()) info.currency = p->currency()->str();
            if (p->software_version()) info.software_version = p->software_version()->str();
          }
        }
        return false;  // NodeInitialised is a node's first event
      }));
    }
    tills_[till] = info;
    return info;
  }

  Result<std::string> UserName(const std::string& id) {
    auto it = users_.find(id);
    if (it != users_.end()) return it->second;
    POS_ASSIGN_OR_RETURN(std::optional<User> user, catalog_->FindUser(id));
    return users_[id] = user ? user->name : "";
  }

  Result<std::string> Gtin(const std::string& code) {
    auto it = gtins_.find(code);
    if (it != gtins_.end()) return it->second;
    POS_ASSIGN_OR_RETURN(std::optional<Article> article, catalog_->FindArticle(code));
    return gtins_[code] = article && !article->barcodes.empty() ? article->barcodes.front() : "";
  }

  // The Z report of `till` that covers receipt `number`.
  Result<std::optional<ZReportRecord>> ClosingOf(const std::string& till, uint64_t number) {
    auto it = till_closings_.find(till);
    if (it == till_closings_.end()) {
      POS_ASSIGN_OR_RETURN(std::vector<ZReportRecord> list, z_view_->OfTill(till));
      it = till_closings_.emplace(till, std::move(list)).first;
    }
    for (const ZReportRecord& z : it->second) {
      if (z.first_receipt != 0 && z.first_receipt <= number && number <= z.last_receipt) {
        return std::optional<ZReportRecord>(z);
      }
    }
    return std::optional<ZReportRecord>();
  }

  // The receipts of z's till cancelled after its previous Z report and not after z
  // (by wall time: the day of a Z report is everything since the previous one).
  Result<std::vector<JournalReceipt>> CancelledIn(const ZReportRecord& z) {
    auto it = till_cancelled_.find(z.till);
    if (it == till_cancelled_.end()) {
      POS_ASSIGN_OR_RETURN(std::vector<JournalReceipt> list, journal_->CancelledOfTill(z.till));
      it = till_cancelled_.emplace(z.till, std::move(list)).first;
    }
    int64_t after = INT64_MIN;
    if (z.z_number > 1) {
      POS_ASSIGN_OR_RETURN(std::optional<ZReportRecord> previous, z_view_->Find(z.till, z.z_number - 1));
      if (previous) after = previous->closed_at_us;
    }
    std::vector<JournalReceipt> out;
    for (const JournalReceipt& r : it->second) {
      if (r.closed_at_us > after && r.closed_at_us <= z.closed_at_us) out.push_back(r);
    }
    return out;
  }

  Status WriteClosing(const ZReportRecord& z, std::set<std::pair<std::string, uint64_t>>& exported, uint64_t& done,
                      uint64_t total) {
    POS_ASSIGN_OR_RETURN(TillInfo till, Till(z.till));
    const std::string kasse = z.till;
    const std::string erstellung = FormatTimestamp(z.closed_at_us);
    const std::string znr = std::to_string(z.z_number);
    auto keyed = [&](std::vector<std::string> rest) {
      std::vector<std::string> fields = {kasse, erstellung, znr};
      fields.insert(fields.end(), rest.begin(), rest.end());
      return fields;
    };

    std::map<std::pair<std::string, uint32_t>, Amounts> cases;  // (GV_TYP, key) -> sums of lines_vat
    std::map<uint32_t, uint32_t> vat_rates;                      // key -> basis points
    std::map<std::string, uint32_t> tse_ids;                     // serial -> TSE_ID
    std::vector<TseTransaction> tses;                            // by TSE_ID - 1
    std::string start_id, end_id;

    // The closed receipts the Z report covers, then the receipts cancelled in its day.
    std::vector<JournalReceipt> receipts;
    for (uint64_t number = z.first_receipt; z.first_receipt != 0 && number <= z.last_receipt; ++number) {
      POS_ASSIGN_OR_RETURN(std::optional<JournalReceipt> found, journal_->Find(z.till, number));
      if (!found) {
        return Status::Corruption("Z report " + znr + " of till " + z.till + " covers receipt " +
                                  std::to_string(number) +
                                  ", which the receipt journal does not hold; run `pos replay`");
      }
      receipts.push_back(std::move(*found));
    }
    POS_ASSIGN_OR_RETURN(std::vector<JournalReceipt> cancelled, CancelledIn(z));
    for (JournalReceipt& r : cancelled) receipts.push_back(std::move(r));
    {
      for (const JournalReceipt& r : receipts) {
        const bool aborted = r.status == JournalStatus::kCancelled;
        if (!aborted) {
          if (start_id.empty()) start_id = r.receipt_id;
          end_id = r.receipt_id;
          exported.insert({r.till, r.number});
        }
        const std::string bon = r.receipt_id;
        auto bon_keyed = [&](std::vector<std::string> rest) {
          rest.insert(rest.begin(), bon);
          return keyed(std::move(rest));
        };

        const std::string cashier = r.cashier.empty() ? r.opened_by : r.cashier;
        POS_ASSIGN_OR_RETURN(std::string cashier_name, UserName(cashier));
        POS_RETURN_IF_ERROR(Write(
            kTransactions,
            bon_keyed({aborted ? "" : std::to_string(r.number),
                       aborted ? "AVBelegabbruch" : (r.training ? "AVTraining" : "Beleg"),
                       r.refund_of_number ? "Rückgabe" : "", kasse, "0", FormatTimestamp(r.opened_at_us),
                       FormatTimestamp(r.closed_at_us), cashier, cashier_name, FormatMinor(aborted ? 0 : r.total, 2),
                       "", "", "", "", "", "", "", "", aborted ? r.cancel_reason : ""})));

        std::map<uint32_t, Amounts> receipt_vat;
        for (const TaxFigures& t : r.tax_lines) {
          const uint32_t key = VatKey(t.basis_points);
          vat_rates[key] = t.basis_points;
          receipt_vat[key].Add({t.gross, t.net, t.tax});
        }
        for (const auto& [key, a] : receipt_vat) {
          POS_RETURN_IF_ERROR(Write(kTransactionsVat, bon_keyed({std::to_string(key), FormatMinor(a.gross, 5),
                                                                 FormatMinor(a.net, 5), FormatMinor(a.tax, 5)})));
        }

        for (const auto& [label, amount] : r.kept) {
          POS_RETURN_IF_ERROR(
              Write(kDatapayment, bon_keyed({PaymentKind(label), label, "", "", FormatMinor(amount, 2)})));
        }

        if (r.refund_of_number != 0) {
          const std::string ref_till = r.refund_of_till.empty() ? r.till : TillKey(r.refund_of_till);
          POS_ASSIGN_OR_RETURN(std::optional<ZReportRecord> ref_z, ClosingOf(ref_till, r.refund_of_number));
          POS_ASSIGN_OR_RETURN(std::optional<JournalReceipt> ref, journal_->Find(ref_till, r.refund_of_number));
          POS_RETURN_IF_ERROR(Write(
              kReferences, bon_keyed({"", "Transaktion", "", ref_z ? FormatTimestamp(ref_z->closed_at_us) : "",
                                      ref_till, ref_z ? std::to_string(ref_z->z_number) : "",
                                      ref ? ref->receipt_id : ""})));
        }

        POS_ASSIGN_OR_RETURN(std::optional<TseTransaction> tse, FindTseTransaction(store_, r.receipt_id));
        if (tse) {
          ++summary_.receipts_with_tse;
          std::string tse_id;
          if (!tse->outage) {
            auto [it, added] = tse_ids.emplace(tse->tse_serial, static_cast<uint32_t>(tses.size() + 1));
            if (added) tses.push_back(*tse);
            tse_id = std::to_string(it->second);
          }
          POS_RETURN_IF_ERROR(Write(
              kTransactionsTse,
              bon_keyed({tse_id, tse->outage ? "" : std::to_string(tse->transaction_number),
                         FormatTimestamp(tse->start_time_us), FormatTimestamp(tse->log_time_us), tse->process_type,
                         tse->outage ? "" : std::to_string(tse->signature_counter), Base64(tse->signature),
                         tse->outage ? "TSE ausgefallen" : "", tse->process_data})));
        } else {
          POS_RETURN_IF_ERROR(Write(kTransactionsTse, bon_keyed({"", "", "", "", "", "", "",
                                                                 "keine TSE-Transaktion aufgezeichnet", ""})));
        }

        // lines.csv and lines_vat.csv: the receipt's lines in line order, then its discount records.
        std::map<std::string, LineEntry> sold;  // POS_ZEILE -> entry of a line not voided
        std::vector<LineEntry> discounts;
        for (LineEntry& e : aborted ? std::vector<LineEntry>{} : SplitLines(r)) {
          cases[{e.gv_typ, e.vat_key}].Add(e.amounts);
          if (e.gv_typ == "Rabatt") {
            discounts.push_back(std::move(e));
          } else {
            sold[e.pos_zeile] = std::move(e);
          }
        }
        auto write_vat = [&](const std::string& pos_zeile, uint32_t vat_key, const Amounts& a) {
          return Write(kLinesVat, bon_keyed({pos_zeile, std::to_string(vat_key), FormatMinor(a.gross, 5),
                                             FormatMinor(a.net, 5), FormatMinor(a.tax, 5)}));
        };
        for (const JournalLine& line : r.lines) {
          const std::string pos_zeile = std::to_string(line.line_no);
          POS_ASSIGN_OR_RETURN(std::string gtin, Gtin(line.article_code));
          POS_RETURN_IF_ERROR(Write(
              kLines, bon_keyed({pos_zeile, "", line.name, kasse, "Umsatz", "", "", line.voided || aborted ? "1" : "0",
                                 "", line.article_code, gtin, line.group, line.group, FormatWhole(line.quantity, 3), "",
                                 "Stück", FormatMinor(line.unit_price, 5)})));
          auto entry = sold.find(pos_zeile);
          if (entry != sold.end()) {
            POS_RETURN_IF_ERROR(write_vat(pos_zeile, entry->second.vat_key, entry->second.amounts));
          } else {  // voided, or the receipt was cancelled
            POS_RETURN_IF_ERROR(write_vat(pos_zeile, VatKey(line.tax_basis_points), Amounts{}));
          }
        }
        for (const LineEntry& e : discounts) {
          POS_RETURN_IF_ERROR(Write(kLines, bon_keyed({e.pos_zeile, "", "Bonrabatt", kasse, "Rabatt", "", "", "0", "",
                                                       "", "", "", "", FormatWhole(1, 3), "", "",
                                                       FormatMinor(e.amounts.gross, 5)})));
          POS_RETURN_IF_ERROR(write_vat(e.pos_zeile, e.vat_key, e.amounts));
        }

        if (aborted) {
          ++summary_.aborted;
          continue;
        }
        ++summary_.receipts;
        ++done;
        if (options_.progress && (done % 64 == 0 || done == total)) options_.progress(done, total);
      }
    }

    // Master data module.
    int64_t all_payments = 0;
    for (const auto& [label, amount] : z.payments) all_payments += amount;
    const auto cash = z.payments.find("cash");
    const int64_t cash_kept = cash != z.payments.end() ? cash->second : 0;
    const Company& c = options_.company;
    POS_RETURN_IF_ERROR(Write(kCashpointclosing,
                              keyed({UtcDay(z.closed_at_us), std::string(kTaxonomyVersion), start_id, end_id, c.name,
                                     c.street, c.postcode, c.city, c.country, c.tax_number, c.vat_id,
                                     FormatMinor(all_payments, 2), FormatMinor(cash_kept, 2)})));
    POS_RETURN_IF_ERROR(Write(kLocation, keyed({c.location_name.empty() ? till.name : c.location_name, c.street,
                                                c.postcode, c.city, c.country, c.vat_id})));
    POS_RETURN_IF_ERROR(Write(kCashregister, keyed({"pos engine", "pos", kasse, "pos", till.software_version,
                                                    till.currency, "0"})));
    for (const TaxFigures& t : z.tax_lines) vat_rates[VatKey(t.basis_points)] = t.basis_points;
    for (const auto& [key, basis_points] : vat_rates) {
      POS_RETURN_IF_ERROR(
          Write(kVat, keyed({std::to_string(key), FormatMinor(basis_points, 2), VatKeyDescription(key)})));
    }
    for (size_t i = 0; i < tses.size(); ++i) {
      POS_RETURN_IF_ERROR(Write(kTse, keyed({std::to_string(i + 1), tses[i].tse_serial, tses[i].signature_algorithm,
                                             "unixTime", "UTF-8", Base64(tses[i].public_key), "", ""})));
    }

    // Cash point closing module.
    for (const auto& [what, a] : cases) {
      POS_RETURN_IF_ERROR(Write(kBusinesscases, keyed({what.first, "", "", std::to_string(what.second),
                                                       FormatMinor(a.gross, 5), FormatMinor(a.net, 5),
                                                       FormatMinor(a.tax, 5)})));
    }
    const uint32_t not_taxable = 5;  // "Nicht Steuerbar"
    auto cash_case = [&](const std::string& type, int64_t amount) -> Status {
      if (amount == 0) return Status::Ok();
      return Write(kBusinesscases, keyed({type, "", "", std::to_string(not_taxable), FormatMinor(amount, 5),
                                          FormatMinor(amount, 5), FormatMinor(0, 5)}));
    };
    POS_RETURN_IF_ERROR(cash_case("Einzahlung", z.cash_in));
    POS_RETURN_IF_ERROR(cash_case("Auszahlung", -z.cash_out));
    POS_RETURN_IF_ERROR(cash_case("DifferenzSollIst", z.difference));
    for (const auto& [label, amount] : z.payments) {
      POS_RETURN_IF_ERROR(Write(kPayment, keyed({PaymentKind(label), label, FormatMinor(amount, 2)})));
    }
    POS_RETURN_IF_ERROR(Write(kCashPerCurrency, keyed({till.currency, FormatMinor(cash_kept, 2)})));
    return Status::Ok();
  }

  const EventStore& store_;
  const ProjectionRunner& runner_;
  const ExportOptions& options_;
  std::optional<ZReportsView> z_view_;
  std::optional<ReceiptJournalView> journal_;
  std::optional<CatalogView> catalog_;
  std::vector<std::unique_ptr<CsvTableWriter>> writers_;
  std::map<std::string, TillInfo> tills_;
  std::map<std::string, std::string> users_;
  std::map<std::string, std::string> gtins_;
  std::map<std::string, std::vector<ZReportRecord>> till_closings_;
  std::map<std::string, std::vector<JournalReceipt>> till_cancelled_;
  ExportSummary summary_;
};

fs::path Normalised(const std::string& out_dir) {
  std::string text = out_dir;
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return fs::absolute(fs::path(text)).lexically_normal();
}

std::string UniqueSuffix() {
  return std::to_string(::getpid()) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

}  // namespace

std::vector<std::string> TableFiles() {
  std::vector<std::string> files;
  for (const TableSpec& spec : Specs()) files.push_back(spec.file);
  return files;
}

Status ValidateExportOptions(const ExportOptions& options) {
  if (!IsDay(options.from_day)) {
    return Status::InvalidArgument("--from '" + options.from_day + "' is not a day; write YYYY-MM-DD");
  }
  if (!IsDay(options.to_day)) {
    return Status::InvalidArgument("--to '" + options.to_day + "' is not a day; write YYYY-MM-DD");
  }
  if (options.to_day < options.from_day) {
    return Status::InvalidArgument("--to " + options.to_day + " is before --from " + options.from_day);
  }
  if (options.out_dir.empty()) return Status::InvalidArgument("no output directory given");
  const fs::path out = Normalised(options.out_dir);
  std::error_code ec;
  const fs::file_status st = fs::status(out, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return Status::IoError("cannot inspect " + out.string() + ": " + ec.message());
  }
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) return Status::AlreadyExists(out.string() + " exists and is not a directory");
    if (!options.force && !fs::is_empty(out, ec)) {
      return Status::AlreadyExists(out.string() +
                                   " is not empty; choose an empty directory or pass --force to replace it");
    }
    if (ec) return Status::IoError("cannot read " + out.string() + ": " + ec.message());
  }
  return Status::Ok();
}

Result<ExportSummary> ExportDsfinvk(const EventStore& store, const ProjectionRunner& runner,
                                    const ExportOptions& options) {
  POS_RETURN_IF_ERROR(ValidateExportOptions(options));
  const fs::path out = Normalised(options.out_dir);
  const fs::path parent = out.parent_path();
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) return Status::IoError("cannot create " + parent.string() + ": " + ec.message());
  const fs::path temp = parent / ("." + out.filename().string() + ".partial-" + UniqueSuffix());
  fs::create_directory(temp, ec);
  if (ec) return Status::IoError("cannot create " + temp.string() + ": " + ec.message());

  Exporter exporter(store, runner, options);
  Result<ExportSummary> summary = exporter.Run(temp);
  if (!summary.ok()) {
    fs::remove_all(temp, ec);
    return summary.status().WithContext("exporting DSFinV-K to " + out.string());
  }
  // Swap the finished directory in: an existing (empty, or --force) out_dir is moved
  // aside first and removed only after the rename succeeded.
  fs::path old;
  if (fs::exists(out, ec)) {
    old = parent / ("." + out.filename().string() + ".old-" + UniqueSuffix());
    fs::rename(out, old, ec);
    if (ec) {
      fs::remove_all(temp);
      return Status::IoError("cannot move " + out.string() + " aside: " + ec.message());
    }
  }
  fs::rename(temp, out, ec);
  if (ec) {
    const std::string message = ec.message();
    if (!old.empty()) fs::rename(old, out, ec);
    fs::remove_all(temp, ec);
    return Status::IoError("cannot rename " + temp.string() + " to " + out.string() + ": " + message);
  }
  if (!old.empty()) fs::remove_all(old, ec);
  summary->out_dir = out.string();
  return summary;
}

}  // namespace pos::dsfinvk
