// `pos sale …`: the till's commands on the command line. Each subcommand builds a
// command API request (adapters/api.fbs) and sends it to the node's daemon when
// `pos serve` runs, else dispatches it in-process (tools/pos/sale_transport.h).
#include <iostream>
#include <memory>
#include <random>

#include "adapters/api_codec.h"
#include "domain/money.h"
#include "tools/pos/cli_context.h"
#include "tools/pos/sale_format.h"
#include "tools/pos/sale_transport.h"
#include "tools/pos/secret_input.h"

namespace pos::cli {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

struct SaleArgs {
  std::string user;
  bool pin_stdin = false;
  std::string receipt;
  std::string article;
  int64_t quantity = 1;
  std::string price;
  uint32_t line = 0;
  std::string amount;
  std::string type;
  std::string reference;
  std::string reason;
  uint64_t refund_of = 0;
  bool training = false;
  uint64_t number = 0;
  std::string counted_cash;
  std::string approve_by;
  bool approver_pin_stdin = false;
};

struct BuiltCommand {
  api::Command type = api::Command::NONE;
  Offset<void> value;
};

using Builder = std::function<Result<BuiltCommand>(FlatBufferBuilder&)>;

uint64_t NewRequestId() {
  std::random_device random;
  return (static_cast<uint64_t>(random()) << 32) | random();
}

Result<int64_t> Money(const std::string& text, const char* option) {
  auto minor = ParseMoney(text);
  if (!minor.ok()) return minor.status().WithContext(option);
  return *minor;
}

// The approval table when --approve-by is given (the PIN from stdin or the terminal).
Result<Offset<api::Approval>> ApprovalOf(FlatBufferBuilder& fbb, const SaleArgs& args) {
  if (args.approve_by.empty()) return Offset<api::Approval>();
  POS_ASSIGN_OR_RETURN(std::string pin, ReadSecret("PIN of " + args.approve_by, args.approver_pin_stdin, "--approver-pin-stdin"));
  return api::CreateApprovalDirect(fbb, args.approve_by.c_str(), pin.c_str());
}

// Builds, sends and prints one command; `done` is the text for a bare ok.
void Run(Context& context, const std::string& done, const Builder& build) {
  FlatBufferBuilder fbb(512);
  auto command = build(fbb);
  if (!command.ok()) {
    context.Fail(command.status());
    return;
  }
  const std::string request = api::FinishRequest(fbb, NewRequestId(), command->type, command->value);
  auto reply_bytes = SendCommand(context, request);
  if (!reply_bytes.ok()) {
    context.Fail(reply_bytes.status());
    return;
  }
  auto reply = api::ReplyMessage::Parse(*reply_bytes);
  if (!reply.ok()) {
    context.Fail(reply.status());
    return;
  }
  if (Status refused = reply->status(); !refused.ok()) {
    context.Fail(refused);
    return;
  }
  if (context.options.json) {
    context.PrintJson(ReplyResultToJson(reply->reply()));
  } else {
    std::cout << ReplyResultText(reply->reply(), done) << std::flush;
  }
}

template <typename T>
BuiltCommand Built(api::Command type, Offset<T> value) {
  return {type, value.Union()};
}

void ApprovalOptions(CLI::App* cmd, SaleArgs& args) {
  cmd->add_option("--approve-by", args.approve_by,
                  "A user whose role allows the command approves it (their PIN is asked)");
  cmd->add_flag("--approver-pin-stdin", args.approver_pin_stdin, "Read the approver's PIN from standard input");
}

CLI::App* ReceiptOption(CLI::App* cmd, SaleArgs& args) {
  cmd->add_option("--receipt", args.receipt, "Receipt id (as `pos sale open` printed it)")->required();
  return cmd;
}

}  // namespace

void AddSaleCommands(CLI::App& app, Context& context) {
  auto* sale =
      app.add_subcommand("sale", "The till: sign on, sell, pay, close, reports (through `pos serve` if it runs)");
  sale->require_subcommand(1);
  sale->footer(
      "Example: R=$(pos sale open) && pos sale add --receipt $R --article 1001 --qty 2 &&\n"
      "         pos sale pay --receipt $R --type cash --amount 10 && pos sale close --receipt $R\n"
      "Commands a cashier may not do take --approve-by USER (the approver's PIN is asked, or read with\n"
      "--approver-pin-stdin). Money is decimal text: 1.99.");
  auto args = std::make_shared<SaleArgs>();
  SaleArgs& a = *args;

  auto* sign_on = sale->add_subcommand("sign-on", "Sign a user on at this till (the PIN is asked)");
  sign_on->add_option("--user", a.user, "User id")->required();
  sign_on->add_flag("--pin-stdin", a.pin_stdin, "Read the PIN from standard input");
  sign_on->callback([&context, args] {
    Run(context, "signed on " + args->user, [args](FlatBufferBuilder& fbb) -> Result<BuiltCommand> {
      POS_ASSIGN_OR_RETURN(std::string pin, ReadSecret("PIN", args->pin_stdin));
      return Built(api::Command::SignOn, api::CreateSignOnDirect(fbb, args->user.c_str(), pin.c_str()));
    });
  });

  sale->add_subcommand("sign-off", "Sign the current user off")->callback([&context] {
    Run(context, "signed off", [](FlatBufferBuilder& fbb) -> Result<BuiltCommand> {
      return Built(api::Command::SignOff, api::CreateSignOff(fbb));
    });
  });

  auto* open = sale->add_subcommand("open", "Open a receipt (a sale, or a refund of a closed one); prints its id");
  open->add_option("--refund-of", a.refund_of, "Open a refund of this till's receipt number N");
  open->add_flag("--training", a.training, "A training receipt (not a real sale)");
  ApprovalOptions(open, a);
  open->callback([&context, args] {
    Run(context, "opened", [args](FlatBufferBuilder& fbb) -> Result<BuiltCommand> {
      POS_ASSIGN_OR_RETURN(auto approval, ApprovalOf(fbb, *args));
      return Built(api::Command::Open, api::CreateOpen(fbb, args->refund_of, args->training, approval));
    });
  });

  auto* add = ReceiptOption(sale->add_subcommand("add", "Add a line: an article by code or barcode"), a);
  add->add_option("--article", a.article, "Article code or barcode")->required();
  add->add_option("--qty", a.quantity, "Quantity in pieces (negative on refunds)")->capture_default_str();
  add->add_option("--price", a.price, "Unit price overriding the catalog's (needs price_override), e.g. 1.99");
  ApprovalOptions(add, a);
  add->callback([&context, args] {
    Run(context, "added", [args](FlatBufferBuilder& fbb) -> Result<BuiltCommand> {
      int64_t price = 0;
      if (!args->price.empty()) {
        POS_ASSIGN_OR_RETURN(price, Money(args->price, "--price"));
      }
      POS_ASSIGN_OR_RETURN(auto approval, ApprovalOf(fbb, *args));
      return Built(api::Command::AddLine,
                   api::CreateAddLineDirect(fbb, args->receipt.c_str(), args->article.c_str(), args->quantity,
                                            !args->price.empty(), price, approval));
    });
  });

  auto* void_line = ReceiptOption(sale->add_subcommand("void", "Void a line of an open receipt"), a);
  void_line->add_option("--line", a.line, "Line number")->required();
  void_line->callback([&context, args] {
    Run(context, "voided line " + std::to_string(args->line), [args](FlatBufferBuilder& fbb) -> Result<BuiltCommand> {
      return Built(api::Command::VoidLine, api::CreateVoidLineDirect(fbb, args->receipt.c_str(), args->line));
    });
  });

  auto* discount = ReceiptOption(
      sale->add_subcommand("discount", "Discount a line (--line) or the whole receipt (needs discount)"), a);
  discount->add_option("--line", a.line, "Line number; without it the discount is on the receipt");
  discount->add_option("--amount", a.amount, "Discount amount, e.g. 1.00")->required();
  ApprovalOptions(discount, a);
  discount->callback([&context, args] {
    Run(context, "discount given", [args](FlatBufferBuilder& fbb) -> Result<BuiltCommand> {
      POS_ASSIGN_OR_RETURN(int64_t amount, Money(args->amount, "--amount"));
      POS_ASSIGN_OR_RETURN(auto approval, ApprovalOf(fbb, *args));
      if (args->line != 0) {
        return Built(api::Command::DiscountLine,
                     api::CreateDiscountLineDirect(fbb, args->receipt.c_str(), args->line, amount, approval));
      }
      return Built(api::Command::DiscountReceipt,
                   api::CreateDiscountReceiptDirect(fbb, args->receipt.c_str(), amount, approval));
    });
  });

  auto* pay = ReceiptOption(sale->add_subcommand("pay", "Record a payment"), a);
  pay->add_option("--type", a.type, "cash, card or voucher")
      ->required()
      ->check(CLI::IsMember({"cash", "card", "voucher"}));
  pay->add_option("--amount", a.amount, "Amount paid, e.g. 10.00 (cash above the total is given back as change)")
      ->required();
  pay->add_option("--reference", a.reference, "Card slip or voucher number");
  pay->callback([&context, args] {
    Run(context, "paid", [args](FlatBufferBuilder& fbb) -> Result<BuiltCommand> {
      POS_ASSIGN_OR_RETURN(int64_t amount, Money(args->amount, "--amount"));
      api::PaymentType type = args->type == "card"      ? api::PaymentType::Card
                              : args->type == "voucher" ? api::PaymentType::Voucher
                                                        : api::PaymentType::Cash;
      return Built(api::Command::Pay,
                   api::CreatePayDirect(fbb, args->receipt.c_str(), type, amount, args->reference.c_str()));
    });
  });

  ReceiptOption(sale->add_subcommand("park", "Park an open receipt"), a)->callback([&context, args] {
    Run(context, "parked " + args->receipt, [args](FlatBufferBuilder& fbb) -> Result<BuiltCommand> {
      return Built(api::Command::Park, api::CreateParkDirect(fbb, args->receipt.c_str()));
    });
  });

  ReceiptOption(sale->add_subcommand("resume", "Resume a parked receipt"), a)->callback([&context, args] {
    Run(context, "resumed " + args->receipt, [args](FlatBufferBuilder& fbb) -> Result<BuiltCommand> {
      return Built(api::Command::Resume, api::CreateResumeDirect(fbb, args->receipt.c_str()));
    });
  });

  // Receipt hand-over between the tills of a site (docs/sync.md "Receipt hand-over").
  ReceiptOption(sale->add_subcommand("park-to-site",
                                     "Park an open receipt to the site: it ends here and any till of the site "
                                     "(mode masterdata+receipts) may take it over"),
                a)
      ->callback([&context, args] {
        Run(context, "parked " + args->receipt + " to the site",
            [args](FlatBufferBuilder& fbb) -> Result<BuiltCommand> {
              return Built(api::Command::ParkToSite, api::CreateParkToSiteDirect(fbb, args->receipt.c_str()));
            });
      });

  auto* resume_from_site = sale->add_subcommand(
      "resume-from-site",
      "Take over a receipt parked to the site, with the site hub's grant (needs `pos serve` online); prints the new "
      "receipt's id");
  resume_from_site->add_option("--receipt", a.receipt, "Id of the receipt parked to the site (`pos sale site-parked`)")
      ->required();
  resume_from_site->footer(
      "The hub grants each receipt parked to the site to one till only. Refused with \"unavailable\" while the hub\n"
      "is not reachable or has not received the hand-over yet (try again), with \"failed precondition\" when\n"
      "another till holds it (the message names that till's node id).");
  resume_from_site->callback([&context, args] {
    Run(context, "", [args](FlatBufferBuilder& fbb) -> Result<BuiltCommand> {
      return Built(api::Command::ResumeFromSite, api::CreateResumeFromSiteDirect(fbb, args->receipt.c_str()));
    });
  });

  sale->add_subcommand("site-parked", "List the receipts parked to the site that no till has taken over yet")
      ->callback([&context] {
        Run(context, "", [](FlatBufferBuilder& fbb) -> Result<BuiltCommand> {
          return Built(api::Command::ListSiteParked, api::CreateListSiteParked(fbb));
        });
      });

  auto* cancel = ReceiptOption(sale->add_subcommand("cancel", "Cancel an open receipt (needs cancel_receipt)"), a);
  cancel->add_option("--reason", a.reason, "Why");
  ApprovalOptions(cancel, a);
  cancel->callback([&context, args] {
    Run(context, "cancelled " + args->receipt, [args](FlatBufferBuilder& fbb) -> Result<BuiltCommand> {
      POS_ASSIGN_OR_RETURN(auto approval, ApprovalOf(fbb, *args));
      return Built(api::Command::Cancel,
                   api::CreateCancelDirect(fbb, args->receipt.c_str(), args->reason.c_str(), approval));
    });
  });

  ReceiptOption(sale->add_subcommand("close", "Close a fully paid receipt; it gets the next number"), a)
      ->callback([&context, args] {
        Run(context, "closed", [args](FlatBufferBuilder& fbb) -> Result<BuiltCommand> {
          return Built(api::Command::Close, api::CreateCloseDirect(fbb, args->receipt.c_str()));
        });
      });

  for (bool cash_in : {true, false}) {
    auto* movement = sale->add_subcommand(cash_in ? "cash-in" : "cash-out",
                                          cash_in ? "Put cash into the drawer (needs cash_movement)"
                                                  : "Take cash out of the drawer (needs cash_movement)");
    movement->add_option("--amount", a.amount, "Amount, e.g. 50.00")->required();
    movement->add_option("--reason", a.reason, "Why");
    ApprovalOptions(movement, a);
    movement->callback([&context, args, cash_in] {
      Run(context, cash_in ? "cash in recorded" : "cash out recorded",
          [args, cash_in](FlatBufferBuilder& fbb) -> Result<BuiltCommand> {
            POS_ASSIGN_OR_RETURN(int64_t amount, Money(args->amount, "--amount"));
            POS_ASSIGN_OR_RETURN(auto approval, ApprovalOf(fbb, *args));
            return Built(api::Command::CashMovement,
                         api::CreateCashMovementDirect(fbb, cash_in, amount, args->reason.c_str(), approval));
          });
    });
  }

  sale->add_subcommand("x-report", "The day's figures so far (writes nothing)")->callback([&context] {
    Run(context, "", [](FlatBufferBuilder& fbb) -> Result<BuiltCommand> {
      return Built(api::Command::XReport, api::CreateXReport(fbb));
    });
  });

  auto* z_report = sale->add_subcommand("z-report", "Close the day: the Z report (needs day_close)");
  z_report->add_option("--counted-cash", a.counted_cash, "Cash counted in the drawer, e.g. 512.30")->required();
  ApprovalOptions(z_report, a);
  z_report->callback([&context, args] {
    Run(context, "", [args](FlatBufferBuilder& fbb) -> Result<BuiltCommand> {
      POS_ASSIGN_OR_RETURN(int64_t counted, Money(args->counted_cash, "--counted-cash"));
      POS_ASSIGN_OR_RETURN(auto approval, ApprovalOf(fbb, *args));
      return Built(api::Command::CloseDay, api::CreateCloseDay(fbb, counted, approval));
    });
  });

  auto* show = sale->add_subcommand("show", "Show a receipt: open or parked by id, closed by id or --number");
  show->add_option("--receipt", a.receipt, "Receipt id");
  show->add_option("--number", a.number, "Receipt number of a closed receipt");
  show->callback([&context, args] {
    Run(context, "", [args](FlatBufferBuilder& fbb) -> Result<BuiltCommand> {
      if (args->receipt.empty() && args->number == 0) return Status::InvalidArgument("give --receipt or --number");
      return Built(api::Command::GetReceipt, api::CreateGetReceiptDirect(fbb, args->receipt.c_str(), args->number));
    });
  });

  sale->add_subcommand("status", "The till: who is signed on, open receipts, numbering")->callback([&context] {
    Run(context, "", [](FlatBufferBuilder& fbb) -> Result<BuiltCommand> {
      return Built(api::Command::GetStatus, api::CreateGetStatus(fbb));
    });
  });
}

}  // namespace pos::cli
