import os from 'node:os';
import path from 'node:path';
/**
 * Builders for service-level tests: services over a test database with quiet logs and fresh
 * metrics, provisioned devices, and uplink batches.
 */
import { PROTOCOL_VERSION, type DeviceCredential, type TUplinkBatch, type TUplinkRecord } from '@smartcharge/protocol';
import type { PasswordCost } from '../../src/accounts/index.js';
import { CLI_OPERATOR } from '../../src/actor.js';
import type { Database } from '../../src/db/database.js';
import { DEFAULT_DERIVE_SETTINGS } from '../../src/derive/index.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import { createServices, type Services, type ServiceSettings } from '../../src/services.js';

/**
 * scrypt cost for passwords in tests: N = 2^12 (~10 ms a hash) instead of the production 2^17
 * (~0.4 s), since most suites create and sign in accounts. accounts-security.test.ts checks the
 * production default and the upgrade of older hashes.
 */
export const TEST_PASSWORD_COST: PasswordCost = { costLog2: 12, blockSize: 8, parallelism: 1 };

export const TEST_SETTINGS: ServiceSettings = {
  paypalResendAfterS: 900,
  ingestMaxFutureS: 600,
  ingestMaxAgeDays: 400,
  ingestRateLimitPerMin: 100_000,
  ingestMaxPendingRecords: 1_000_000,
  ingestGroupMaxRecords: 50_000,
  // Derivation tests turn live derivation on; elsewhere it would only add background work.
  deriveLive: false,
  ...DEFAULT_DERIVE_SETTINGS,
  dataDir: path.join(os.tmpdir(), `smartcharge-test-${process.pid}`),
  publicUrl: 'http://localhost:8080',
  sessionTtlDays: 30,
  smtpUrl: undefined,
  mailFrom: 'SmartCharge <no-reply@localhost>',
  // Mail from tests lands here (read it with readTestMail), one folder per test process.
  mailDir: path.join(os.tmpdir(), `smartcharge-test-mail-${process.pid}`),
  paypalApiUrl: 'http://127.0.0.1:9',
  paypalClientId: undefined,
  paypalClientSecret: undefined,
  gridCacheS: 60,
};

export async function testServices(
  db: Database,
  overrides: Partial<ServiceSettings> = {},
  clock?: () => Date,
): Promise<Services & { metrics: Metrics }> {
  const metrics = createMetrics({ defaultMetrics: false });
  const services = await createServices(
    db,
    { ...TEST_SETTINGS, ...overrides },
    { log: createLogger('silent'), metrics, passwordCost: TEST_PASSWORD_COST, ...(clock ? { clock } : {}) },
  );
  return { ...services, metrics };
}

let serialCounter = 0;

/** A serial unique within the test process. */
export function uniqueSerial(prefix = 'C2-T'): string {
  serialCounter += 1;
  return `${prefix}-${process.pid}-${serialCounter}`;
}

export async function provisionTestDevice(
  services: Services,
  serial = uniqueSerial(),
): Promise<{ id: number; credential: DeviceCredential }> {
  const issued = await services.devices.provisionDevice(CLI_OPERATOR, { serial });
  return { id: issued.device.id, credential: { serial, secret: issued.secret } };
}

export function batchOf(serial: string, boot: number, records: readonly TUplinkRecord[]): TUplinkBatch {
  return { v: PROTOCOL_VERSION, device: serial, boot, records: [...records] };
}

/** Value of a counter (or one of its labelled series) in the metrics registry. */
export async function counterValue(
  metrics: Metrics,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  if (!metric) throw new Error(`no metric ${name}`);
  return metric.values
    .filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))
    .reduce((sum, v) => sum + v.value, 0);
}
