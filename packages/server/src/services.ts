/**
 * Composition of the domain services over one database. Side effects (database, clock, logger,
 * metrics) come in; the server, the CLI and the tests build their services here.
 */
import path from 'node:path';
import { AccountService, type PasswordCost } from './accounts/index.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { DemandService } from './demand/demand.service.js';
import { DemandMeasurement } from './demand/measurement.service.js';
import { DeriveService, deriveParamsFrom, type DeriveSettings } from './derive/index.js';
import { DeviceService } from './devices/index.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { IngestService, TelemetryPartitions, TelemetryService, TelemetryWriter } from './telemetry/index.js';
import { EnrollmentService, ParticipationService } from './enrollment/index.js';
import { createMailer, type Mailer } from './mail/mailer.js';
import { NotificationService } from './notifications/index.js';
import { PaypalPayouts, PayoutService } from './payouts/index.js';
import { ProgramService } from './programs/index.js';
import { PropertyInquiryService } from './property/index.js';
import { RewardService } from './rewards/index.js';
import { GridService } from './grid/index.js';
import { ShareService } from './sharing/index.js';
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
  readonly mailer: Mailer;
  readonly accounts: AccountService;
  readonly notifications: NotificationService;
  readonly enrollment: EnrollmentService;
  readonly participation: ParticipationService;
  readonly rewards: RewardService;
  readonly payouts: PayoutService;
  readonly property: PropertyInquiryService;
  readonly shares: ShareService;
  readonly grid: GridService;
  readonly demand: DemandService;
  readonly demandMeasurement: DemandMeasurement;
}

export type ServiceSettings = Pick<
  Config,
  | 'ingestMaxFutureS'
  | 'ingestMaxAgeDays'
  | 'ingestRateLimitPerMin'
  | 'ingestMaxPendingRecords'
  | 'ingestGroupMaxRecords'
  | 'deriveLive'
  | 'dataDir'
  | 'publicUrl'
  | 'publicUrlGiven'
  | 'sessionTtlDays'
  | 'smtpUrl'
  | 'mailFrom'
  | 'mailDir'
  | 'paypalApiUrl'
  | 'paypalClientId'
  | 'paypalClientSecret'
  | 'paypalResendAfterS'
  | 'gridCacheS'
> &
  DeriveSettings;

export async function createServices(
  db: Database,
  settings: ServiceSettings,
  deps: {
    log: Logger;
    metrics: Metrics;
    clock?: () => Date;
    mailer?: Mailer;
    paypal?: PaypalPayouts;
    /** scrypt cost for new password hashes (default OWASP's minimum; tests pass a lower one). */
    passwordCost?: PasswordCost;
  },
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
      clock,
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
  const derive = new DeriveService(
    db,
    deriveParamsFrom(settings),
    deps.log.child({ component: 'derive' }),
    (actor, id) => vehicles.requireVehicleAccess(actor, id),
  );
  if (settings.deriveLive) derive.attach(writer);

  const mailer =
    deps.mailer ??
    createMailer({
      smtpUrl: settings.smtpUrl,
      from: settings.mailFrom,
      directory: settings.mailDir ?? path.join(settings.dataDir, 'mail'),
      log: deps.log.child({ component: 'mail' }),
    });
  const accounts = new AccountService(
    db,
    mailer,
    {
      sessionTtlDays: settings.sessionTtlDays,
      // Read when a mail is written: unset, PUBLIC_URL follows the port bound at start.
      get publicUrl() {
        return settings.publicUrl;
      },
      ...(deps.passwordCost ? { passwordCost: deps.passwordCost } : {}),
    },
    deps.log.child({ component: 'accounts' }),
    clock,
  );
  const notifications = new NotificationService(db, mailer, deps.log.child({ component: 'notifications' }), clock);
  const enrollmentLog = deps.log.child({ component: 'enrollment' });
  const enrollment = new EnrollmentService(
    db,
    programs,
    vehicles,
    devices,
    accounts,
    notifications,
    enrollmentLog,
    clock,
  );
  const participation = new ParticipationService(
    db,
    enrollment,
    programs,
    vehicles,
    devices,
    notifications,
    enrollmentLog,
    clock,
  );
  const paypal =
    deps.paypal ??
    (settings.paypalClientId && settings.paypalClientSecret
      ? new PaypalPayouts({
          baseUrl: settings.paypalApiUrl,
          clientId: settings.paypalClientId,
          clientSecret: settings.paypalClientSecret,
        })
      : undefined);
  // Without PayPal's credentials the PayPal runs pay nobody: the rewards page must not promise a date.
  const rewards = new RewardService(db, programs, enrollment, deps.log.child({ component: 'rewards' }), clock, {
    paypalReady: paypal !== undefined,
  });
  const payouts = new PayoutService(
    db,
    programs,
    notifications,
    paypal,
    deps.log.child({ component: 'payouts' }),
    clock,
    { resendAfterMs: settings.paypalResendAfterS * 1000 },
  );
  const property = new PropertyInquiryService(
    db,
    programs,
    { mailer, log: deps.log.child({ component: 'property' }) },
    clock,
  );
  const shares = new ShareService(
    db,
    vehicles,
    {
      get publicUrl() {
        return settings.publicUrl;
      },
      publicUrlGiven: settings.publicUrlGiven ?? true,
    },
    clock,
  );
  const grid = new GridService(db, programs, derive, { cacheMs: settings.gridCacheS * 1000, clock });
  const demandMeasurement = new DemandMeasurement(db, clock);
  const demand = new DemandService(
    db,
    programs,
    notifications,
    demandMeasurement,
    {
      // The opt-out link in a notice starts here (read when the notice is written, as for accounts).
      get publicUrl() {
        return settings.publicUrl;
      },
    },
    deps.log.child({ component: 'demand' }),
    clock,
  );
  return {
    db,
    programs,
    vehicles,
    devices,
    telemetry,
    partitions,
    writer,
    ingest,
    derive,
    mailer,
    accounts,
    notifications,
    enrollment,
    participation,
    rewards,
    payouts,
    property,
    shares,
    grid,
    demand,
    demandMeasurement,
  };
}
