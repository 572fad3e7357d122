#include "domain/permissions.h"

namespace pos {

std::string_view PermissionName(Permission permission) {
  switch (permission) {
    case Permission::kSell: return "sell";
    case Permission::kXReport: return "x_report";
    case Permission::kPriceOverride: return "price_override";
    case Permission::kDiscount: return "discount";
    case Permission::kCancelReceipt: return "cancel_receipt";
    case Permission::kRefund: return "refund";
    case Permission::kCashMovement: return "cash_movement";
    case Permission::kDayClose: return "day_close";
    case Permission::kMasterData: return "master_data";
    case Permission::kDeviceRebind: return "device_rebind";
    case Permission::kLicenseManage: return "license_manage";
  }
  return "unknown";
}

UserRole RequiredRole(Permission permission) {
  switch (permission) {
    case Permission::kSell:
    case Permission::kXReport: return UserRole::kCashier;
    case Permission::kPriceOverride:
    case Permission::kDiscount:
    case Permission::kCancelReceipt:
    case Permission::kRefund:
    case Permission::kCashMovement:
    case Permission::kDayClose: return UserRole::kSupervisor;
    case Permission::kMasterData:
    case Permission::kDeviceRebind:
    case Permission::kLicenseManage: return UserRole::kAdmin;
  }
  return UserRole::kAdmin;
}

bool RoleAllows(UserRole role, Permission permission) {
  return static_cast<int>(role) >= static_cast<int>(RequiredRole(permission));
}

}  // namespace pos
