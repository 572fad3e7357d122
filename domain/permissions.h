// Who may do what at the till. A command a role does not allow needs the
// approval (user id and PIN) of a user whose role does; a refused attempt is
// recorded as a PermissionDenied event.
//
//   permission        cashier  supervisor  admin
//   sell                 x         x         x    open, add line, pay, park, resume, close, void a line
//   x_report             x         x         x
//   price_override                 x         x
//   discount                       x         x
//   cancel_receipt                 x         x
//   refund                         x         x    refund receipts, negative quantities
//   cash_movement                  x         x    cash in / cash out
//   day_close                      x         x    Z report
//   master_data                              x
//   device_rebind                            x
//   license_manage                           x    load / activate / deactivate licenses
#pragma once

#include <optional>
#include <string_view>

#include "events/master_data.h"

namespace pos {

enum class Permission : uint8_t {
  kSell,
  kXReport,
  kPriceOverride,
  kDiscount,
  kCancelReceipt,
  kRefund,
  kCashMovement,
  kDayClose,
  kMasterData,
  kDeviceRebind,
  kLicenseManage,  // load, activate, deactivate licenses (docs/licensing.md)
};

std::string_view PermissionName(Permission permission);
bool RoleAllows(UserRole role, Permission permission);
// The least role that has the permission.
UserRole RequiredRole(Permission permission);

}  // namespace pos
