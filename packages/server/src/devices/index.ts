/** Devices context: provisioning, credentials, lifecycle, assignment, uplink authentication. */
export {
  DeviceService,
  ZProvisionDeviceSchema,
  ZRotateCredentialSchema,
  ZSetStatusSchema,
  type Device,
  type DeviceAuthFailure,
  type DeviceAuthResult,
  type DeviceWithHistory,
  type IssuedCredential,
} from './device.service.js';
export {
  ACTIVATED_BY_DATA,
  DEVICE_STATUSES,
  allowedTransitions,
  isDeviceStatus,
  type DeviceStatus,
} from './device-lifecycle.js';
export type { DeviceEventRow, DeviceScope } from './device.repository.js';
export {
  DeviceStockService,
  STOCK_LIST_LIMIT,
  STOCK_STATES,
  ZAddStockSchema,
  ZAssignStockSchema,
  stockStateOf,
  type AddedStock,
  type StockDevice,
  type StockState,
  type StockView,
} from './device-stock.service.js';
export { MAX_SERIALS_PER_LIST, parseSerialList, type SerialList } from './serial-list.js';
