#include "tools/pos/cli_context.h"

#include <iostream>

#include "projections/builtin_projections.h"

namespace pos::cli {

Result<std::unique_ptr<EventStore>> Context::OpenStore() const { return EventStore::Open(options.data_dir); }

Result<Node> Context::OpenNode(bool catch_up) const {
  Node node;
  POS_ASSIGN_OR_RETURN(node.store, OpenStore());
  node.runner = std::make_unique<ProjectionRunner>(*node.store);
  POS_RETURN_IF_ERROR(RegisterBuiltinProjections(*node.runner));
  if (catch_up) POS_RETURN_IF_ERROR(node.runner->CatchUp().WithContext("bringing projections up to date"));
  return node;
}

int Context::Fail(const Status& status, int code) {
  exit_code = code;
  if (options.json) {
    PrintJson({{"error", status.message()}, {"code", std::string(StatusCodeName(status.code()))}});
  } else {
    std::cerr << "pos: error: " << status.message() << "\n";
  }
  return code;
}

void Context::PrintJson(const nlohmann::json& value) const { std::cout << value.dump(2) << "\n"; }

}  // namespace pos::cli
