/**
 * Ingest: the fixed, ordered steps an uplink batch goes through, whichever transport brought it.
 *
 *   1. size          refuse bodies over the protocol limit               batch_too_large
 *   2. authenticate  serial + secret, or a broker that vouches           missing_credential, unknown_device,
 *                                                                         invalid_credential, revoked_credential,
 *                                                                         device_returned
 *   3. rate limit    per device                                           rate_limited
 *   4. parse         JSON                                                 malformed_json
 *   5. validate      version, schema, seqs, timestamps, device named      unsupported_version, invalid_batch,
 *                                                                         invalid_record, device_mismatch
 *   6. order         by sequence number
 *   7. write         (TelemetryWriter, in one transaction per group) deduplicate on (device, boot, seq) →
 *                    privacy (strip locations not taken while plugged in) → chunks (numbers rounded to
 *                    the protocol's resolution) → commit
 *   8. acknowledge   only after the commit
 *   9. hand off      committed records to the commit listeners (derivation)
 *
 * A refusal is an UplinkRejection whose code is the drop reason; each is counted and logged.
 */
import {
  PROTOCOL_VERSION,
  UPLINK_MAX_BYTES,
  type DeviceCredential,
  type UplinkAck,
  type UplinkAckError,
} from '@smartcharge/protocol';
import type { Logger } from 'pino';
import type { DeviceAuthResult, DeviceService } from '../devices/index.js';
import type { Metrics, Transport } from '../metrics.js';
import { RateLimiter } from './rate-limiter.js';
import type { TelemetryWriter } from './telemetry-writer.js';
import { UplinkRejection } from './uplink-rejection.js';
import { parseJsonBody, validateBatch } from './uplink-validation.js';

export interface IngestSettings {
  readonly maxFutureS: number;
  readonly maxAgeDays: number;
  readonly rateLimitPerMin: number;
}

/** How the sender proved who it is. */
export type UplinkAuth =
  | { readonly kind: 'credential'; readonly credential: DeviceCredential }
  /** The embedded broker (or a trusted external one) authenticated the connection; the topic names the device. */
  | { readonly kind: 'broker'; readonly serial: string }
  | { readonly kind: 'none' };

export interface UplinkInput {
  readonly transport: Transport;
  readonly body: Uint8Array | string;
  readonly auth: UplinkAuth;
}

export interface IngestResult {
  readonly ack: UplinkAck;
  /** Present when refused. */
  readonly rejection?: UplinkRejection;
}

const AUTH_MESSAGES: Record<Exclude<DeviceAuthResult, { ok: true }>['reason'], string> = {
  unknown_device: 'No device is provisioned with this serial. Check the serial, or provision the device first.',
  invalid_credential:
    'The serial and secret do not match a usable device credential. Check the credential installed on the device (device provision prints it once; device rotate issues a new one).',
  revoked_credential: "This device's credential has been revoked. An operator can issue a new one (device rotate).",
  device_returned: 'This device has been returned to stock and may not send data; re-provision it first.',
};

export class IngestService {
  private readonly limiter: RateLimiter;

  constructor(
    private readonly devices: DeviceService,
    private readonly writer: TelemetryWriter,
    private readonly settings: IngestSettings,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    this.limiter = new RateLimiter(settings.rateLimitPerMin, clock);
  }

  /** Runs the steps; never throws for bad input (the answer says what was wrong). */
  async ingest(input: UplinkInput): Promise<IngestResult> {
    const stopTimer = this.metrics.ingestSeconds.startTimer({ transport: input.transport });
    let echo: Pick<UplinkAckError, 'device' | 'boot' | 'seq_min' | 'seq_max'> = {};
    let recordCount = 0;
    let raw: unknown;
    try {
      // 1. size
      const size = typeof input.body === 'string' ? Buffer.byteLength(input.body) : input.body.byteLength;
      if (size > UPLINK_MAX_BYTES) {
        throw new UplinkRejection(
          'batch_too_large',
          `The batch is ${size} bytes; at most ${UPLINK_MAX_BYTES} are accepted. Send fewer records per batch.`,
        );
      }
      // 2. authenticate
      const device = await this.authenticate(input.auth);
      echo = { device: device.serial };
      // 3. rate limit
      const decision = this.limiter.take(device.id);
      if (!decision.ok) {
        throw new UplinkRejection(
          'rate_limited',
          `Device ${device.serial} is sending more than ${this.settings.rateLimitPerMin} batches a minute; wait ${decision.retryAfterS} s, and put more records in each batch.`,
          { retryAfterS: decision.retryAfterS },
        );
      }
      // 4. parse
      raw = parseJsonBody(input.body);
      recordCount = countRecords(raw);
      // 5. validate
      const nowMs = this.clock();
      const batch = validateBatch(raw, {
        nowMs,
        maxFutureMs: this.settings.maxFutureS * 1000,
        maxAgeMs: this.settings.maxAgeDays * 86_400_000,
      });
      if (batch.device !== device.serial) {
        throw new UplinkRejection(
          'device_mismatch',
          `The batch names device ${batch.device} but was sent with the credential of ${device.serial}.`,
        );
      }
      // 6. order by seq (devices send in order: checking is cheaper than sorting). Numbers are
      //    rounded to the protocol's resolution by the storage encoder.
      const records = batch.records;
      for (let i = 1; i < records.length; i++) {
        if (records[i]!.seq < records[i - 1]!.seq) {
          records.sort((a, b) => a.seq - b.seq);
          break;
        }
      }
      const seqMin = records[0]!.seq;
      const seqMax = records[records.length - 1]!.seq;
      echo = { device: device.serial, boot: batch.boot, seq_min: seqMin, seq_max: seqMax };
      // 7. write (deduplicate, privacy, commit)
      const outcome = await this.writer.submit({
        deviceId: device.id,
        serial: device.serial,
        boot: batch.boot,
        records,
      });
      // 8. acknowledge
      this.metrics.batchesAccepted.inc({ transport: input.transport });
      this.metrics.recordsAccepted.inc({ transport: input.transport }, outcome.accepted);
      if (outcome.duplicates > 0) this.metrics.recordsDuplicate.inc({ transport: input.transport }, outcome.duplicates);
      if (outcome.locationStripped > 0) {
        this.metrics.locationsStripped.inc({ transport: input.transport }, outcome.locationStripped);
      }
      this.log.debug(
        { device: device.serial, boot: batch.boot, accepted: outcome.accepted, duplicates: outcome.duplicates },
        'batch stored',
      );
      return {
        ack: {
          v: PROTOCOL_VERSION,
          ok: true,
          device: device.serial,
          boot: batch.boot,
          seq_min: seqMin,
          seq_max: seqMax,
          accepted: outcome.accepted,
          duplicates: outcome.duplicates,
          location_stripped: outcome.locationStripped,
        },
      };
    } catch (error) {
      const rejection =
        error instanceof UplinkRejection
          ? error
          : new UplinkRejection('unavailable', 'The server failed to process the batch; send it again later.', {
              retryAfterS: 5,
              cause: error,
            });
      if (!(error instanceof UplinkRejection)) this.log.error({ err: error }, 'unexpected ingest failure');
      if (echo.device !== undefined && echo.boot === undefined) echo = { ...echoFromRaw(raw), device: echo.device };
      this.count(input.transport, rejection, recordCount);
      this.log.info(
        { transport: input.transport, device: echo.device, reason: rejection.code, message: rejection.message },
        'batch refused',
      );
      return { ack: toErrorAck(rejection, echo), rejection };
    } finally {
      stopTimer();
    }
  }

  /** Counts a batch a transport refused before it reached the steps (e.g. a body over the size limit). */
  countRefusal(transport: Transport, rejection: UplinkRejection): void {
    this.count(transport, rejection, 0);
  }

  private async authenticate(auth: UplinkAuth): Promise<{ id: number; serial: string }> {
    if (auth.kind === 'none') {
      throw new UplinkRejection(
        'missing_credential',
        'No device credential: send the serial and secret (HTTP Basic authorization, or the MQTT username and password).',
      );
    }
    const result =
      auth.kind === 'credential'
        ? await this.devices.authenticate(auth.credential)
        : await this.devices.authenticateByBroker(auth.serial);
    if (!result.ok) throw new UplinkRejection(result.reason, AUTH_MESSAGES[result.reason]);
    return result.device;
  }

  private count(transport: Transport, rejection: UplinkRejection, records: number): void {
    this.metrics.batchesRejected.inc({ transport, reason: rejection.code });
    if (records > 0) this.metrics.recordsRejected.inc({ transport, reason: rejection.code }, records);
    for (const issue of rejection.issues ?? []) this.metrics.recordIssues.inc({ issue: issue.code });
  }
}

/** What an MQTT device needs to match an error ack to its batch, read leniently from the raw body. */
export function echoFromRaw(raw: unknown): Pick<UplinkAckError, 'boot' | 'seq_min' | 'seq_max'> {
  if (typeof raw !== 'object' || raw === null) return {};
  const { boot, records } = raw as { boot?: unknown; records?: unknown };
  const seqs = Array.isArray(records)
    ? records.map((r: unknown) => (typeof r === 'object' && r !== null ? (r as { seq?: unknown }).seq : undefined))
    : [];
  const numeric = seqs.filter((s): s is number => typeof s === 'number' && Number.isSafeInteger(s));
  return {
    ...(typeof boot === 'number' && Number.isSafeInteger(boot) ? { boot } : {}),
    ...(numeric.length > 0 ? { seq_min: Math.min(...numeric), seq_max: Math.max(...numeric) } : {}),
  };
}

function countRecords(raw: unknown): number {
  const records = typeof raw === 'object' && raw !== null ? (raw as { records?: unknown }).records : undefined;
  return Array.isArray(records) ? records.length : 0;
}

export function toErrorAck(
  rejection: UplinkRejection,
  echo: Pick<UplinkAckError, 'device' | 'boot' | 'seq_min' | 'seq_max'> = {},
): UplinkAckError {
  return {
    v: PROTOCOL_VERSION,
    ok: false,
    ...echo,
    error: {
      code: rejection.code,
      message: rejection.message,
      retryable: rejection.retryable,
      ...(rejection.retryAfterS === undefined ? {} : { retry_after_s: rejection.retryAfterS }),
      ...(rejection.issues === undefined ? {} : { issues: rejection.issues }),
    },
  };
}
