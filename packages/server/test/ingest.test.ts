/**
 * The ingest steps end to end through the service, on PGlite and on PostgreSQL: storage equals
 * what was sent, replays change nothing, privacy is enforced, and bad input is refused, counted
 * and harmless to other devices.
 */
import type { TUplinkRecord } from '@smartcharge/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI_OPERATOR } from '../src/actor.js';
import type { Services } from '../src/services.js';
import type { Metrics } from '../src/metrics.js';
import { batchOf, counterValue, provisionTestDevice, testServices } from './support/builders.js';
import { describeEachDatabase } from './support/databases.js';
import { telemetryStream } from './support/telemetry-fixtures.js';

const NOW = Date.parse('2026-11-21T12:00:00Z');
const clock = () => new Date(NOW);
const DAY = 86_400_000;

function body(value: unknown): string {
  return JSON.stringify(value);
}

describeEachDatabase('ingest', (setup) => {
  let services: Services & { metrics: Metrics };

  beforeAll(async () => {
    services = await testServices(setup().db, {}, clock);
  });

  async function send(credential: { serial: string; secret: string }, payload: unknown) {
    return services.ingest.ingest({
      transport: 'http',
      body: typeof payload === 'string' ? payload : body(payload),
      auth: { kind: 'credential', credential },
    });
  }

  async function stored(deviceId: number, from = NOW - 30 * DAY, to = NOW + DAY): Promise<TUplinkRecord[]> {
    const records = await services.telemetry.readDeviceRecords(CLI_OPERATOR, deviceId, new Date(from), new Date(to));
    return records.map(({ boot: _boot, ...record }) => record);
  }

  it('stores exactly the records a batch carries and acknowledges them', async () => {
    const { id, credential } = await provisionTestDevice(services);
    const records = telemetryStream({ startMs: NOW - 3 * 3600_000, driveSeconds: 400, chargeSeconds: 200, seed: 3 });
    const result = await send(credential, batchOf(credential.serial, 1, records));
    expect(result.ack).toEqual({
      v: 1,
      ok: true,
      device: credential.serial,
      boot: 1,
      seq_min: 0,
      seq_max: 599,
      accepted: 600,
      duplicates: 0,
      location_stripped: 0,
    });
    expect(await stored(id)).toEqual(records);
  });

  it('changes nothing when the same batch is sent again, and stores only the new part of an overlapping one', async () => {
    const { id, credential } = await provisionTestDevice(services);
    const records = telemetryStream({ startMs: NOW - 2 * 3600_000, driveSeconds: 300, chargeSeconds: 0, seed: 4 });
    await send(credential, batchOf(credential.serial, 9, records.slice(0, 200)));
    const replay = await send(credential, batchOf(credential.serial, 9, records.slice(0, 200)));
    expect(replay.ack).toMatchObject({ ok: true, accepted: 0, duplicates: 200 });
    const overlap = await send(credential, batchOf(credential.serial, 9, records.slice(150, 300)));
    expect(overlap.ack).toMatchObject({ ok: true, accepted: 100, duplicates: 50 });
    expect(await stored(id)).toEqual(records);
    expect(await counterValue(services.metrics, 'smartcharge_ingest_records_duplicate_total')).toBeGreaterThanOrEqual(
      250,
    );
  });

  it('keeps the same sequence number from different boots as different records', async () => {
    const { id, credential } = await provisionTestDevice(services);
    const first = telemetryStream({ startMs: NOW - 5 * 3600_000, driveSeconds: 50, chargeSeconds: 0, seed: 5 });
    const second = telemetryStream({ startMs: NOW - 4 * 3600_000, driveSeconds: 50, chargeSeconds: 0, seed: 6 });
    await send(credential, batchOf(credential.serial, 1, first));
    const result = await send(credential, batchOf(credential.serial, 2, second));
    expect(result.ack).toMatchObject({ ok: true, accepted: 50, duplicates: 0 });
    expect((await stored(id)).length).toBe(100);
  });

  it('stores concurrent overlapping sends from one device once', async () => {
    const { id, credential } = await provisionTestDevice(services);
    const records = telemetryStream({ startMs: NOW - 6 * 3600_000, driveSeconds: 500, chargeSeconds: 0, seed: 8 });
    const sends = [0, 100, 200, 0, 100, 300].map((start) =>
      send(credential, batchOf(credential.serial, 3, records.slice(start, start + 200))),
    );
    const acks = (await Promise.all(sends)).map((r) => r.ack);
    expect(acks.every((ack) => ack.ok)).toBe(true);
    const accepted = acks.reduce((sum, ack) => sum + (ack.ok ? ack.accepted : 0), 0);
    expect(accepted).toBe(500);
    expect(await stored(id)).toEqual(records);
  });

  it('drops locations taken while not plugged in, and counts them', async () => {
    const { id, credential } = await provisionTestDevice(services);
    const records = telemetryStream({
      startMs: NOW - 7 * 3600_000,
      driveSeconds: 120,
      chargeSeconds: 60,
      seed: 9,
      gpsWhileDriving: true,
    });
    const before = await counterValue(services.metrics, 'smartcharge_ingest_locations_stripped_total');
    const result = await send(credential, batchOf(credential.serial, 1, records));
    expect(result.ack).toMatchObject({ ok: true, accepted: 180, location_stripped: 120 });
    const kept = await stored(id);
    expect(kept.filter((r) => r.drive_state === 'driving').every((r) => r.location === undefined)).toBe(true);
    expect(
      kept.filter((r) => r.charge_state === 'charging' || r.charge_state === 'plugged').every((r) => r.location),
    ).toBe(true);
    expect(await counterValue(services.metrics, 'smartcharge_ingest_locations_stripped_total')).toBe(before + 120);
  });

  it('files records under the UTC day and month they were taken, creating month partitions as needed', async () => {
    const { id, credential } = await provisionTestDevice(services);
    // Buffered while out of coverage: a batch that spans midnight at the end of last month and beyond.
    const start = Date.parse('2026-10-31T23:58:00Z');
    const records = telemetryStream({ startMs: start, driveSeconds: 300, chargeSeconds: 0, seed: 10 });
    const result = await send(credential, batchOf(credential.serial, 1, records));
    expect(result.ack).toMatchObject({ ok: true, accepted: 300 });
    const { rows } = await setup().db.query<{ partition: string; n: number }>(
      `SELECT tableoid::regclass::text AS partition, count(*)::int AS n FROM telemetry_chunk
        WHERE device_id = $1 GROUP BY 1 ORDER BY 1`,
      [id],
    );
    expect(rows).toEqual([
      { partition: 'telemetry_chunk_2026_10', n: 1 },
      { partition: 'telemetry_chunk_2026_11', n: 1 },
    ]);
    expect(await stored(id, start, start + 300_000)).toEqual(records);
  });

  it('hands committed records to listeners exactly as a replay will read them, at the stored resolution', async () => {
    const { id, credential } = await provisionTestDevice(services);
    const seen: TUplinkRecord[][] = [];
    const stop = services.writer.onCommitted((batches) => {
      for (const batch of batches) if (batch.deviceId === id) seen.push([...batch.records()]);
    });
    const start = NOW - 9 * 3600_000;
    const fine = [
      { seq: 1, time_ms: start, soc_pct: 55.555555, pack_current_a: -12.345678, drive_state: 'parked' as const },
      { seq: 2, time_ms: start + 1000, soc_pct: 55.56, speed_mps: 0.004999 },
    ];
    await send(credential, batchOf(credential.serial, 1, fine));
    await send(credential, batchOf(credential.serial, 1, fine)); // a replay hands over nothing new
    stop();
    const replay = await stored(id);
    expect(seen).toEqual([replay, []]);
    expect(replay).toEqual([
      { seq: 1, time_ms: start, soc_pct: 55.56, pack_current_a: -12.35, drive_state: 'parked' },
      { seq: 2, time_ms: start + 1000, soc_pct: 55.56, speed_mps: 0 },
    ]);
  });

  it('makes a device active on its first data, with a lifecycle event', async () => {
    const { credential } = await provisionTestDevice(services);
    await send(
      credential,
      batchOf(credential.serial, 1, telemetryStream({ startMs: NOW - 3600_000, driveSeconds: 5, chargeSeconds: 0 })),
    );
    const device = await services.devices.getDevice(CLI_OPERATOR, credential.serial);
    expect(device.status).toBe('active');
    expect(device.firstSeenAt).toBeInstanceOf(Date);
    expect(device.events.map((e) => [e.kind, e.status, e.note])).toContainEqual([
      'status',
      'active',
      'first data received',
    ]);
  });

  describe('dates activation at the first record, not at its arrival', () => {
    // A clock of its own: the device's steps happen days before its buffered data arrives.
    let nowMs = NOW;
    let moving: Services;
    beforeAll(async () => {
      moving = await testServices(setup().db, {}, () => new Date(nowMs));
    });
    const sendVia = (credential: { serial: string; secret: string }, records: readonly TUplinkRecord[], boot = 1) =>
      moving.ingest.ingest({
        transport: 'http',
        body: body(batchOf(credential.serial, boot, records)),
        auth: { kind: 'credential', credential },
      });
    const activations = async (serial: string) =>
      (await moving.devices.getDevice(CLI_OPERATOR, serial)).events
        .filter((e) => e.kind === 'status' && e.status === 'active')
        .map((e) => [e.at.toISOString(), e.note]);

    it('is the earliest record of the first batch stored, though it arrived days later, and again after a removal', async () => {
      nowMs = NOW - 10 * DAY;
      const { credential } = await provisionTestDevice(moving);
      await moving.devices.setStatus(CLI_OPERATOR, credential.serial, { status: 'shipped' });
      // The participant says it is installed two days after plugging it in: its data knows better.
      nowMs = NOW - DAY;
      await moving.devices.setStatus(CLI_OPERATOR, credential.serial, { status: 'installed' });
      nowMs = NOW;
      const recordedFrom = NOW - 3 * DAY;
      const result = await sendVia(
        credential,
        telemetryStream({ startMs: recordedFrom, driveSeconds: 5, chargeSeconds: 0 }),
      );
      expect(result.ack.ok).toBe(true);
      const device = await moving.devices.getDevice(CLI_OPERATOR, credential.serial);
      expect(device.status).toBe('active');
      expect(device.statusChangedAt.toISOString()).toBe(new Date(recordedFrom).toISOString());
      // Heard from is still when it arrived.
      expect(device.firstSeenAt?.toISOString()).toBe(new Date(NOW).toISOString());

      nowMs = NOW + 3600_000;
      await moving.devices.setStatus(CLI_OPERATOR, credential.serial, { status: 'removed' });
      nowMs = NOW + 5 * 3600_000;
      const back = NOW + 2 * 3600_000;
      await sendVia(credential, telemetryStream({ startMs: back, driveSeconds: 5, chargeSeconds: 0 }), 2);
      expect(await activations(credential.serial)).toEqual([
        [new Date(recordedFrom).toISOString(), 'first data received'],
        [new Date(back).toISOString(), 'data received again'],
      ]);
    });

    it('is never before the device was shipped, nor after now when its clock runs ahead', async () => {
      nowMs = NOW - DAY;
      const early = await provisionTestDevice(moving);
      await moving.devices.setStatus(CLI_OPERATOR, early.credential.serial, { status: 'shipped' });
      nowMs = NOW - DAY + 3600_000;
      await moving.devices.setStatus(CLI_OPERATOR, early.credential.serial, { status: 'installed' });
      nowMs = NOW;
      // Stamped before it was shipped (a wrong clock, or data from the bench): it cannot have been in the car yet.
      await sendVia(early.credential, telemetryStream({ startMs: NOW - 2 * DAY, driveSeconds: 5, chargeSeconds: 0 }));
      expect(await activations(early.credential.serial)).toEqual([
        [new Date(NOW - DAY).toISOString(), 'first data received'],
      ]);

      const ahead = await provisionTestDevice(moving);
      await sendVia(ahead.credential, telemetryStream({ startMs: NOW + 120_000, driveSeconds: 5, chargeSeconds: 0 }));
      expect(await activations(ahead.credential.serial)).toEqual([
        [new Date(NOW).toISOString(), 'first data received'],
      ]);
    });
  });

  describe('refuses bad input with the reason, the record and the field', () => {
    const good = () => telemetryStream({ startMs: NOW - 3600_000, driveSeconds: 5, chargeSeconds: 0, seed: 11 });

    it.each([
      ['malformed JSON', '{"v":1,', 'malformed_json', undefined],
      ['NaN', '{"v":1,"device":"x","boot":1,"records":[{"seq":1,"time_ms":1,"soc_pct":NaN}]}', 'malformed_json', /NaN/],
      ['an unknown protocol version', { v: 2, device: 'x', boot: 1, records: [] }, 'unsupported_version', /version 2/],
      ['a body that is not a batch', [1, 2, 3], 'invalid_batch', /JSON object/],
    ] as const)('%s', async (_name, payload, code, message) => {
      const { credential } = await provisionTestDevice(services);
      const result = await send(credential, payload);
      expect(result.ack.ok).toBe(false);
      if (result.ack.ok) return;
      expect(result.ack.error.code).toBe(code);
      if (message) expect(result.ack.error.message).toMatch(message);
    });

    it('wrong types, Infinity, out-of-range values, unknown and missing fields, each named', async () => {
      const { id, credential } = await provisionTestDevice(services);
      const records: Record<string, unknown>[] = good();
      records[1] = { ...records[1], soc_pct: 'full' };
      records[2] = { ...records[2], speed_mps: 'INFINITY' };
      records[3] = { ...records[3], pack_voltage_v: 2000, socpct: 5 };
      const { time_ms: _dropped, ...withoutTime } = records[4]!;
      records[4] = withoutTime;
      // 1e999 is valid JSON that parses to Infinity (JSON.stringify would have written null).
      const text = body({ v: 1, device: credential.serial, boot: 1, records }).replace('"INFINITY"', '1e999');
      const result = await send(credential, text);
      expect(result.ack.ok).toBe(false);
      if (result.ack.ok) return;
      expect(result.ack.error.code).toBe('invalid_record');
      expect(result.ack.error.retryable).toBe(false);
      const issues = result.ack.error.issues!.map(({ index, field, code }) => ({ index, field, code }));
      expect(issues).toEqual(
        expect.arrayContaining([
          { index: 1, field: 'records[1].soc_pct', code: 'wrong_type' },
          { index: 2, field: 'records[2].speed_mps', code: 'wrong_type' },
          { index: 3, field: 'records[3].pack_voltage_v', code: 'out_of_range' },
          { index: 3, field: 'records[3].socpct', code: 'unknown_field' },
          { index: 4, field: 'records[4].time_ms', code: 'missing_field' },
        ]),
      );
      expect(await stored(id)).toEqual([]);
    });

    it('timestamps far in the future or the past', async () => {
      const { credential } = await provisionTestDevice(services);
      const records = good();
      records[0] = { ...records[0]!, time_ms: NOW + 3600_000 };
      records[1] = { ...records[1]!, time_ms: NOW - 500 * DAY };
      const result = await send(credential, batchOf(credential.serial, 1, records));
      if (result.ack.ok) throw new Error('expected a refusal');
      expect(result.ack.error.issues!.map((i) => [i.index, i.code])).toEqual([
        [0, 'future_timestamp'],
        [1, 'stale_timestamp'],
      ]);
    });

    it('two records with one sequence number', async () => {
      const { credential } = await provisionTestDevice(services);
      const records = good();
      records[3] = { ...records[3]!, seq: records[1]!.seq };
      const result = await send(credential, batchOf(credential.serial, 1, records));
      if (result.ack.ok) throw new Error('expected a refusal');
      expect(result.ack.error.issues).toEqual([
        expect.objectContaining({ index: 3, field: 'records[3].seq', code: 'duplicate_seq' }),
      ]);
    });

    it('too many records', async () => {
      const { credential } = await provisionTestDevice(services);
      const records = Array.from({ length: 3601 }, (_, seq) => ({ seq, time_ms: NOW - 1000 * seq }));
      const result = await send(credential, batchOf(credential.serial, 1, records));
      expect(result.ack).toMatchObject({ ok: false, error: { code: 'batch_too_large' } });
    });

    it('a batch naming another device than the credential', async () => {
      const a = await provisionTestDevice(services);
      const b = await provisionTestDevice(services);
      const result = await send(a.credential, batchOf(b.credential.serial, 1, good()));
      expect(result.ack).toMatchObject({ ok: false, error: { code: 'device_mismatch', retryable: false } });
      expect(await stored(b.id)).toEqual([]);
    });

    it('unknown device, wrong secret, revoked credential, no credential: without the secret, one reason for all', async () => {
      const { credential } = await provisionTestDevice(services);
      const batch = body(batchOf(credential.serial, 1, good()));
      const attempt = async (auth: Parameters<Services['ingest']['ingest']>[0]['auth']) => {
        const { ack } = await services.ingest.ingest({ transport: 'http', body: batch, auth });
        return ack.ok ? 'ok' : ack.error.code;
      };
      expect(await attempt({ kind: 'credential', credential: { serial: 'C2-NOBODY', secret: 'x' } })).toBe(
        'invalid_credential',
      );
      expect(await attempt({ kind: 'credential', credential: { ...credential, secret: 'scd_wrong' } })).toBe(
        'invalid_credential',
      );
      expect(await attempt({ kind: 'none' })).toBe('missing_credential');
      await services.devices.revokeCredential(CLI_OPERATOR, credential.serial);
      expect(await attempt({ kind: 'credential', credential: { ...credential, secret: 'scd_wrong' } })).toBe(
        'invalid_credential',
      );
      expect(await attempt({ kind: 'credential', credential })).toBe('revoked_credential');
    });

    it('counts every refusal by reason', async () => {
      const { credential } = await provisionTestDevice(services);
      const before = await counterValue(services.metrics, 'smartcharge_ingest_batches_rejected_total', {
        reason: 'malformed_json',
      });
      await send(credential, 'not json');
      await send(credential, '');
      expect(
        await counterValue(services.metrics, 'smartcharge_ingest_batches_rejected_total', { reason: 'malformed_json' }),
      ).toBe(before + 2);
    });
  });

  it('keeps storing other devices’ data while one device sends garbage', async () => {
    const bad = await provisionTestDevice(services);
    const goodDevices = await Promise.all([1, 2, 3].map(() => provisionTestDevice(services)));
    const streams = goodDevices.map((_, i) =>
      telemetryStream({ startMs: NOW - 8 * 3600_000, driveSeconds: 300, chargeSeconds: 0, seed: 20 + i }),
    );
    const work: Promise<unknown>[] = [];
    for (let part = 0; part < 3; part++) {
      work.push(send(bad.credential, '{"v":1,"records":[{"seq":'));
      work.push(send(bad.credential, { v: 1, device: bad.credential.serial, boot: 1, records: [{ seq: 1 }] }));
      goodDevices.forEach((device, i) => {
        work.push(
          send(
            device.credential,
            batchOf(device.credential.serial, 1, streams[i]!.slice(part * 100, part * 100 + 100)),
          ),
        );
      });
    }
    await Promise.all(work);
    for (const [i, device] of goodDevices.entries()) expect(await stored(device.id)).toEqual(streams[i]);
    expect(await stored(bad.id)).toEqual([]);
  });

  it('refuses a device that sends too often, with a time to wait', async () => {
    const limited = await testServices(setup().db, { ingestRateLimitPerMin: 3 }, clock);
    const { credential } = await provisionTestDevice(limited);
    const results = [];
    for (let i = 0; i < 4; i++) {
      const records = telemetryStream({
        startMs: NOW - 3600_000 + i * 10_000,
        firstSeq: i * 10,
        driveSeconds: 10,
        chargeSeconds: 0,
      });
      results.push(
        await limited.ingest.ingest({
          transport: 'http',
          body: body(batchOf(credential.serial, 1, records)),
          auth: { kind: 'credential', credential },
        }),
      );
    }
    expect(results.slice(0, 3).every((r) => r.ack.ok)).toBe(true);
    expect(results[3]!.ack).toMatchObject({ ok: false, error: { code: 'rate_limited', retryable: true } });
    expect(results[3]!.rejection?.retryAfterS).toBeGreaterThanOrEqual(1);
    await limited.writer.close();
  });
});
