/** Derived data: trips, charging sessions and segments, battery health, daily rollups. */
export {
  DeriveService,
  mergeByTime,
  readVehicle,
  seesLocation,
  LOCATION_KEYS,
  type DeriveResult,
  type VehicleOverview,
  type RebuildProgress,
  type TracePoint,
} from './derive.service.js';
export { DeriveEngine, type VehicleFacts } from './engine.js';
export {
  DEFAULT_DERIVE_PARAMS,
  DEFAULT_DERIVE_SETTINGS,
  deriveParamsFrom,
  type DeriveParams,
  type DeriveSettings,
} from './params.js';
export { vehicleDeviceWindows } from './derive.repository.js';
export { EXPORT_KINDS, rowsToCsv, type ExportKind } from './export.js';
export type { ChargeCost, RatesSummary } from './charge-cost.js';
