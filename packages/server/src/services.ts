/**
 * Composition of the domain services over one database. Side effects (database, clock, logger,
 * metrics) come in; the server, the CLI and the tests build their services here.
 */
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { DeriveService, deriveParamsFrom, type DeriveSettings } from './derive/index.js';
import { DeviceService } from './devices/index.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { IngestService, TelemetryPartitions, TelemetryService, TelemetryWriter } from './telemetry/index.js';
import { ProgramService } from './programs/index.js';
import { VehicleService } from './vehicles/index.js';

export interface Services {
  readonly db: Database;
  readonly programs: ProgramService;
  readonly vehicles: VehicleService;
  readonly devices: DeviceService;
  readonly telemetry: TelemetryService;
  readonly partitions: TelemetryPartitions;
  readonly writer: TelemetryWriter;
  readonly ingest: IngestService;
  readonly derive: DeriveService;
}

export type ServiceSettings = Pick<
  Config,
  | 'ingestMaxFutureS'
  | 'ingestMaxAgeDays'
  | 'ingestRateLimitPerMin'
  | 'ingestMaxPendingRecords'
  | 'ingestGroupMaxRecords'
  | 'deriveLive'
> &
  DeriveSettings;

export async function createServices(
  db: Database,
  settings: ServiceSettings,
  deps: { log: Logger; metrics: Metrics; clock?: () => Date },
): Promise<Services> {
  const clock = deps.clock ?? (() => new Date());
  const programs = new ProgramService(db);
  const vehicles = new VehicleService(db, programs);
  const devices = new DeviceService(db, vehicles, clock);
  const telemetry = new TelemetryService(db);
  const partitions = new TelemetryPartitions(db);
  await partitions.load(clock());
  const writer = new TelemetryWriter(
    db,
    partitions,
    {
      maxGroupRecords: settings.ingestGroupMaxRecords,
      maxPendingRecords: settings.ingestMaxPendingRecords,
      concurrency: db.kind === 'pglite' ? 1 : 2,
    },
    deps.metrics,
    deps.log.child({ component: 'telemetry-writer' }),
  );
  const ingest = new IngestService(
    devices,
    writer,
    {
      maxFutureS: settings.ingestMaxFutureS,
      maxAgeDays: settings.ingestMaxAgeDays,
      rateLimitPerMin: settings.ingestRateLimitPerMin,
    },
    deps.metrics,
    deps.log.child({ component: 'ingest' }),
    () => clock().getTime(),
  );
  const derive = new DeriveService(db, deriveParamsFrom(settings), deps.log.child({ component: 'derive' }));
  if (settings.deriveLive) derive.attach(writer);
  return { db, programs, vehicles, devices, telemetry, partitions, writer, ingest, derive };
}
