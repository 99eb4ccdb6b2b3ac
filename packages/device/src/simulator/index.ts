/** The fleet simulator: virtual C2s in simulated vehicles, true to published EV behaviour. */
export {
  buildFleet,
  drGroundTruth,
  type DrShiftTruth,
  FleetRunner,
  PROGRAM_IDS,
  PROGRAMS,
  type FleetProgress,
  type FleetSinks,
  type FleetSpec,
  type FleetVehicle,
  type ProgramId,
  type RunOptions,
} from './fleet.js';
export { NdjsonUplinkTransport, NdjsonWriter, truthToNdjson } from './outputs.js';
export type { DayTruth, RecordFrame, SessionTruth, SimOutput, Truth, TripTruth } from './frame.js';
export { SimulatedC2, toRecordValues, type UploadPace } from './c2-device.js';
export { REGIONS, type MultiPolygonFeature, type Region } from './regions.js';
export {
  decidesToOptOut,
  drawDrTrait,
  type DrOptOutReason,
  type DrOptOutSink,
  type DrTarget,
  type DrTrait,
  type DrWindow,
  type DrWindowSource,
  type VehicleDemandResponse,
} from './demand-response.js';
