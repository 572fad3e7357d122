#include "domain/fiscal/at/rksv_print.h"

#include "domain/fiscal/at/rksv_events.h"
#include "domain/fiscal/at/rksv_receipt.h"

namespace pos::fiscal::at {

Result<RksvPrint> RksvPrintOf(const std::vector<uint8_t>& payload) {
  POS_ASSIGN_OR_RETURN(ReceiptSignedRecord record, DecodeReceiptSignedPayload(payload));
  POS_ASSIGN_OR_RETURN(CompactJws jws, ParseCompactJws(record.compact_jws));
  POS_ASSIGN_OR_RETURN(MachineCode code, ParsePayload(jws.payload));
  RksvPrint print;
  if (record.kind == "training") print.lines.push_back("TRAININGSBUCHUNG - kein Umsatz");
  if (record.kind == "storno") print.lines.push_back("STORNO");
  print.lines.push_back("Kassen-ID: " + code.register_id);
  print.lines.push_back("Belegnr.: " + code.receipt_id);
  print.lines.push_back("Datum: " + code.date_time);
  if (record.device_failed) print.lines.push_back("Sicherheitseinrichtung ausgefallen");
  print.qr_payload = QrCodeOf(jws);
  return print;
}

}  // namespace pos::fiscal::at
