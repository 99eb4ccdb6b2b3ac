/**
 * The edge agent: a C2 anyone can build from an ELM327 OBD-II adapter and a Raspberry Pi. See
 * docs/edge-agent.md.
 */
export { EdgeAgent, odometerUsable, type AgentEvent, type AgentSummary, type EdgeAgentOptions } from './edge-agent.js';
export { systemClock, VirtualClock, type AgentClock } from './clock.js';
export {
  AdapterError,
  openAdapter,
  SerialAdapterTransport,
  TcpAdapterTransport,
  TtyTransport,
  type AdapterTransport,
  type OpenAdapterOptions,
  type SerialPortLike,
  type SerialPortModule,
} from './elm327/adapter-transport.js';
export {
  Elm327,
  ElmTimeoutError,
  interpretAnswer,
  type ElmProtocol,
  type ElmRequest,
  type Elm327Options,
  type RequestResult,
} from './elm327/elm327.js';
export {
  hexBytes,
  parseElmResponse,
  reassemble,
  responseLines,
  type EcuMessage,
  type ElmFrame,
} from './elm327/response-parser.js';
export {
  decodeSupportedPids,
  decodeVin,
  encodeSupportedPids,
  encodeVin,
  STANDARD_PIDS,
  SUPPORT_PIDS,
} from './j1979.js';
export * from './profiles/index.js';
export { VehicleReader, type VehicleReading } from './vehicle-reader.js';
export { chargeStateOf, toAgentRecord, type ChargeReading } from './reading-to-record.js';
export { trackDrive, flushDrive, initialDriveState, type Motion, type DriveTrackerState } from './drive-state.js';
export { decide, DEFAULT_POLL_SETTINGS, initialPollState, type AgentMode, type PollSettings } from './poll-policy.js';
export {
  DEFAULT_JOURNAL_MAX_BYTES,
  RecordJournal,
  type DroppedRecords,
  type JournalOptions,
} from './record-journal.js';
export { GpsdSource, NmeaSource, openGps, parseGpsdReport, parseNmea, type GpsFix, type GpsSource } from './gps.js';
export {
  Elm327Emulator,
  type EmulatorFault,
  type Elm327EmulatorOptions,
  type RecordedExchange,
} from './emulator/elm327-emulator.js';
export { encodeAnswer, printAnswer } from './emulator/answer-encoder.js';
export { FixedVehicle, PARKED_AWAKE, type EmulatedVehicle, type VehicleState } from './emulator/vehicle-state.js';
export {
  ScriptedVehicle,
  type ScriptStep,
  type ScriptedVehicleOptions,
  type SessionTruth as ScriptedSessionTruth,
  type TripTruth as ScriptedTripTruth,
} from './emulator/scripted-vehicle.js';
