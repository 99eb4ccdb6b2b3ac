/** Telemetry context: uplink ingest (steps, group commit) and reading raw records back. */
export {
  IngestService,
  echoFromRaw,
  toErrorAck,
  type IngestResult,
  type IngestSettings,
  type UplinkAuth,
  type UplinkInput,
} from './ingest.service.js';
export { TelemetryWriter, type CommitListener, type CommittedBatch, type WriterOptions } from './telemetry-writer.js';
export { TelemetryPartitions } from './telemetry-partitions.js';
export { TelemetryService, type StoredRecord, type TelemetryTotals } from './telemetry.service.js';
export { UplinkRejection } from './uplink-rejection.js';
export { decodeRecords, encodeRecords } from './record-codec.js';
