/** Derived data: trips, charging sessions and segments, battery health, daily rollups. */
export { DeriveService, mergeByTime, readVehicle, type DeriveResult, type RebuildProgress } from './derive.service.js';
export { DeriveEngine, type VehicleFacts } from './engine.js';
export { DEFAULT_DERIVE_PARAMS, deriveParamsFrom, type DeriveParams } from './params.js';
export { vehicleDeviceWindows } from './derive.repository.js';
