// How `pos sale …` reaches the till: through the daemon when one serves the node
// (<data>/serve.json names a live process that answers), else in-process on the
// store. Either way the request bytes go through the same Dispatch(), so both
// paths behave alike.
#pragma once

#include <string>

#include "tools/pos/cli_context.h"

namespace pos::cli {

// Sends command API request bytes and returns the reply bytes. Errors are only
// transport errors (no daemon answers and the store cannot be opened, or the
// daemon stopped answering mid-request); a refused command is an error reply.
Result<std::string> SendCommand(const Context& context, const std::string& request);

}  // namespace pos::cli
