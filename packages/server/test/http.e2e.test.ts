/**
 * The real server over HTTP, on PGlite and on PostgreSQL: a device streams through the device
 * client and what is stored equals what it sent; every refusal has its status, its protocol ack
 * and its count in /metrics; the operations endpoints and the operator API answer as documented.
 */
import { HttpUplinkTransport, UplinkClient } from '@smartcharge/device';
import {
  UPLINK_HTTP_PATH,
  UPLINK_MAX_BYTES,
  basicAuthorization,
  type DeviceCredential,
  type TUplinkBatch,
  type TUplinkRecord,
  type UplinkAck,
} from '@smartcharge/protocol';
import { expect, it } from 'vitest';
import { CLI_OPERATOR } from '../src/actor.js';
import { batchOf, uniqueSerial } from './support/builders.js';
import {
  ADMIN_TOKEN,
  HOUR_MS,
  describeEachServer,
  metricValue,
  provisionDevice,
  scrapeMetrics,
  storedRecords,
  type TestServer,
} from './support/servers.js';
import { telemetryStream } from './support/telemetry-fixtures.js';

const RATE_LIMIT_PER_MIN = 30;

interface Answer<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

async function postUplink(server: TestServer, body: string, credential?: DeviceCredential): Promise<Answer<UplinkAck>> {
  const response = await fetch(`${server.url}${UPLINK_HTTP_PATH}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(credential ? { authorization: basicAuthorization(credential) } : {}),
    },
    body,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as UplinkAck };
}

async function admin(
  server: TestServer,
  method: 'GET' | 'POST',
  route: string,
  options: { token?: string; body?: unknown } = {},
): Promise<Answer<unknown>> {
  const response = await fetch(`${server.url}/api/v1/admin${route}`, {
    method,
    headers: {
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** A few records taken an hour or so ago (the server refuses timestamps far from its clock). */
function recentRecords(count: number, options: { firstSeq?: number; seed?: number } = {}): TUplinkRecord[] {
  return telemetryStream({ startMs: Date.now() - HOUR_MS, driveSeconds: count, chargeSeconds: 0, ...options });
}

function json(batch: TUplinkBatch): string {
  return JSON.stringify(batch);
}

describeEachServer(
  'HTTP end to end',
  { mqtt: 'off', env: { INGEST_RATE_LIMIT_PER_MIN: String(RATE_LIMIT_PER_MIN) } },
  (current) => {
    it('stores exactly the records a device streams through the uplink client, batch by batch', async () => {
      const server = current();
      const { id, credential } = await provisionDevice(server);
      const transport = new HttpUplinkTransport({ url: server.url, credential, timeoutMs: 20_000 });
      const acks: UplinkAck[] = [];
      const client = new UplinkClient({
        serial: credential.serial,
        boot: 7,
        transport,
        batchRecords: 600,
        onAck: (ack) => acks.push(ack),
      });
      const stream = telemetryStream({
        startMs: Date.now() - 3 * HOUR_MS,
        driveSeconds: 1800,
        chargeSeconds: 1200,
        seed: 41,
      });
      const sent = stream.map(({ seq: _seq, ...values }) => client.record(values));

      const result = await client.flush({ maxAttempts: 1 });

      expect(result).toEqual({ acknowledged: 3000, pending: 0 });
      expect(acks).toHaveLength(5);
      expect(acks.map((ack) => (ack.ok ? [ack.seq_min, ack.seq_max, ack.accepted] : ack.error.code))).toEqual([
        [0, 599, 600],
        [600, 1199, 600],
        [1200, 1799, 600],
        [1800, 2399, 600],
        [2400, 2999, 600],
      ]);
      expect(await storedRecords(server, id)).toEqual(sent);
    });

    it('answers a stored batch with 200 and the full acknowledgement', async () => {
      const server = current();
      const { id, credential } = await provisionDevice(server);
      const records = recentRecords(20, { firstSeq: 100 });
      const answer = await postUplink(server, json(batchOf(credential.serial, 3, records)), credential);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        v: 1,
        ok: true,
        device: credential.serial,
        boot: 3,
        seq_min: 100,
        seq_max: 119,
        accepted: 20,
        duplicates: 0,
        location_stripped: 0,
      });
      expect(await storedRecords(server, id)).toEqual(records);
    });

    it('answers 401 with a Basic challenge when the credential is missing or wrong, and stores nothing', async () => {
      const server = current();
      const { id, credential } = await provisionDevice(server);
      const batch = json(batchOf(credential.serial, 1, recentRecords(5)));

      const missing = await postUplink(server, batch);
      const wrong = await postUplink(server, batch, { ...credential, secret: `${credential.secret}x` });
      const unknown = await postUplink(server, batch, { serial: uniqueSerial('C2-NOBODY'), secret: 'whatever' });

      for (const answer of [missing, wrong, unknown]) {
        expect(answer.status).toBe(401);
        expect(answer.headers.get('www-authenticate')).toMatch(/^Basic realm="[^"]+"$/);
        expect(answer.body).toMatchObject({ v: 1, ok: false, error: { retryable: true } });
      }
      expect([missing, wrong, unknown].map((a) => (a.body.ok ? 'ok' : a.body.error.code))).toEqual([
        'missing_credential',
        'invalid_credential',
        'invalid_credential',
      ]);
      // Nothing in the answer tells a stranger whether the serial exists.
      expect(unknown.body).toEqual(wrong.body);
      expect(await storedRecords(server, id)).toEqual([]);
    });

    it('answers 403 device_mismatch when a batch names another device than the credential', async () => {
      const server = current();
      const sender = await provisionDevice(server);
      const victim = await provisionDevice(server);
      const answer = await postUplink(
        server,
        json(batchOf(victim.credential.serial, 1, recentRecords(5))),
        sender.credential,
      );
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ ok: false, error: { code: 'device_mismatch', retryable: false } });
      expect(await storedRecords(server, victim.id)).toEqual([]);
      expect(await storedRecords(server, sender.id)).toEqual([]);
    });

    it('answers 400 malformed_json for a body that is not JSON', async () => {
      const server = current();
      const { credential } = await provisionDevice(server);
      const answer = await postUplink(server, '{"v":1,"device":', credential);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        v: 1,
        ok: false,
        device: credential.serial,
        error: { code: 'malformed_json', retryable: false },
      });
    });

    it('answers 422 invalid_record naming each bad record and field, and stores none of the batch', async () => {
      const server = current();
      const { id, credential } = await provisionDevice(server);
      const records: Record<string, unknown>[] = recentRecords(6);
      records[2] = { ...records[2], soc_pct: 150 };
      records[4] = { ...records[4], speed_mps: 'fast' };
      const answer = await postUplink(
        server,
        JSON.stringify({ v: 1, device: credential.serial, boot: 1, records }),
        credential,
      );
      expect(answer.status).toBe(422);
      if (answer.body.ok) throw new Error('expected a refusal');
      expect(answer.body).toMatchObject({ boot: 1, seq_min: 0, seq_max: 5 });
      expect(answer.body.error).toMatchObject({ code: 'invalid_record', retryable: false });
      expect(answer.body.error.issues?.map(({ index, field, code }) => ({ index, field, code }))).toEqual([
        { index: 2, field: 'records[2].soc_pct', code: 'out_of_range' },
        { index: 4, field: 'records[4].speed_mps', code: 'wrong_type' },
      ]);
      expect(await storedRecords(server, id)).toEqual([]);
    });

    it('accepts a batch between the general 1 MiB body limit and the uplink limit of 2 MiB', async () => {
      const server = current();
      const { id, credential } = await provisionDevice(server);
      const records = recentRecords(50);
      const compact = json(batchOf(credential.serial, 1, records));
      // JSON allows whitespace: pad a small batch to 1.5 MiB.
      const body = compact.replace('{', `{${' '.repeat(Math.floor(1.5 * 1024 * 1024))}`);
      const answer = await postUplink(server, body, credential);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ ok: true, accepted: 50 });
      expect(await storedRecords(server, id)).toEqual(records);
    });

    it('answers 413 batch_too_large with a protocol ack for a body over 2 MiB, and keeps serving', async () => {
      const server = current();
      const { id, credential } = await provisionDevice(server);
      const compact = json(batchOf(credential.serial, 1, recentRecords(50)));
      const body = compact.replace('{', `{${' '.repeat(UPLINK_MAX_BYTES)}`);
      const before = metricValue(await scrapeMetrics(server), 'smartcharge_ingest_batches_rejected_total', {
        transport: 'http',
        reason: 'batch_too_large',
      });

      const answer = await postUplink(server, body, credential);

      expect(answer.status).toBe(413);
      expect(answer.body).toMatchObject({ v: 1, ok: false, error: { code: 'batch_too_large', retryable: false } });
      expect(
        metricValue(await scrapeMetrics(server), 'smartcharge_ingest_batches_rejected_total', {
          transport: 'http',
          reason: 'batch_too_large',
        }),
      ).toBe(before + 1);
      expect(await storedRecords(server, id)).toEqual([]);
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      const retry = await postUplink(server, compact, credential);
      expect(retry.body).toMatchObject({ ok: true, accepted: 50 });
    });

    it('answers 413 batch_too_large also for a chunked body that grows past 2 MiB', async () => {
      const server = current();
      const { id, credential } = await provisionDevice(server);
      const chunk = new TextEncoder().encode(' '.repeat(256 * 1024));
      let sentChunks = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          // 12 chunks of 256 KiB: 3 MiB in all, without a Content-Length.
          if (sentChunks === 0) controller.enqueue(new TextEncoder().encode(`{"v":1,"device":"${credential.serial}",`));
          if (sentChunks++ < 12) controller.enqueue(chunk);
          else controller.close();
        },
      });
      const response = await fetch(`${server.url}${UPLINK_HTTP_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuthorization(credential) },
        body,
        duplex: 'half',
      });
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ ok: false, error: { code: 'batch_too_large' } });
      expect(await storedRecords(server, id)).toEqual([]);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    });

    it('answers 429 with Retry-After once a device exceeds its batches per minute, after a full burst', async () => {
      const server = current();
      const { credential } = await provisionDevice(server);
      let accepted = 0;
      let limited: Answer<UplinkAck> | undefined;
      for (let i = 0; i < 10 * RATE_LIMIT_PER_MIN && !limited; i++) {
        const batch = batchOf(credential.serial, 1, recentRecords(1, { firstSeq: i }));
        const answer = await postUplink(server, json(batch), credential);
        if (answer.status === 429) limited = answer;
        else if (answer.status === 200) accepted++;
        else throw new Error(`unexpected HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
      }
      if (!limited) throw new Error('the device was never rate limited');
      expect(accepted).toBeGreaterThanOrEqual(RATE_LIMIT_PER_MIN);
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(limited.body).toMatchObject({
        ok: false,
        error: { code: 'rate_limited', retryable: true, retry_after_s: retryAfter },
      });
      // Another device is not held back by this one's limit.
      const other = await provisionDevice(server);
      const otherAnswer = await postUplink(
        server,
        json(batchOf(other.credential.serial, 1, recentRecords(1))),
        other.credential,
      );
      expect(otherAnswer.status).toBe(200);
    });

    it('reports health with the database kind', async () => {
      const server = current();
      const response = await fetch(`${server.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        status: 'ok',
        database: server.databaseKind,
        mqtt: 'off',
        pending_records: expect.any(Number) as unknown,
      });
    });

    it('exposes Prometheus metrics where accepted records rise and refusals are counted by reason', async () => {
      const server = current();
      const { credential } = await provisionDevice(server);
      const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      const before = await response.text();
      expect(before).toMatch(/^# TYPE smartcharge_ingest_records_accepted_total counter$/m);
      const accepted = (text: string) =>
        metricValue(text, 'smartcharge_ingest_records_accepted_total', { transport: 'http' });
      const rejected = (text: string, reason: string) =>
        metricValue(text, 'smartcharge_ingest_batches_rejected_total', { transport: 'http', reason });

      await postUplink(server, json(batchOf(credential.serial, 1, recentRecords(25))), credential);
      await postUplink(server, 'not json', credential);
      await postUplink(server, '[', credential);
      await postUplink(server, json(batchOf(credential.serial, 1, recentRecords(2))));

      const after = await scrapeMetrics(server);
      expect(accepted(after)).toBe(accepted(before) + 25);
      expect(rejected(after, 'malformed_json')).toBe(rejected(before, 'malformed_json') + 2);
      expect(rejected(after, 'missing_credential')).toBe(rejected(before, 'missing_credential') + 1);
    });

    it('serves an HTML status page with the number of devices', async () => {
      const server = current();
      const devicesOnPage = async () => {
        const response = await fetch(`${server.url}/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/html/);
        const html = await response.text();
        expect(html).toMatch(/^<!doctype html>/i);
        const match = /<h2>Devices \((\d+)\)<\/h2>/.exec(html);
        if (!match) throw new Error('no device count on the status page');
        return Number(match[1]);
      };
      const byStatus = async () => {
        const counts = await server.services.devices.countDevicesByStatus(CLI_OPERATOR);
        return Object.values(counts).reduce((a, b) => a + b, 0);
      };
      const before = await devicesOnPage();
      expect(before).toBe(await byStatus());
      await provisionDevice(server);
      await provisionDevice(server);
      expect(await devicesOnPage()).toBe(before + 2);
    });

    it('refuses the operator API without the bearer token, or with a wrong one', async () => {
      const server = current();
      const serial = uniqueSerial('C2-ADMIN');
      for (const token of [undefined, 'not-the-token', `${ADMIN_TOKEN}x`]) {
        const list = await admin(server, 'GET', '/devices', token === undefined ? {} : { token });
        expect(list.status).toBe(401);
        expect(list.body).toMatchObject({ error: { code: 'unauthenticated' } });
        const create = await admin(server, 'POST', '/devices', { body: { serial }, ...(token ? { token } : {}) });
        expect(create.status).toBe(401);
      }
      const lookup = await admin(server, 'GET', `/devices/${serial}`, { token: ADMIN_TOKEN });
      expect(lookup.status).toBe(404);
    });

    it('provisions a device through the operator API, showing its secret once, and lists it', async () => {
      const server = current();
      const serial = uniqueSerial('C2-ADMIN');
      const created = await admin(server, 'POST', '/devices', { token: ADMIN_TOKEN, body: { serial } });
      expect(created.status).toBe(201);
      const issued = created.body as { secret: string; device: { id: number; serial: string; status: string } };
      expect(issued.device).toMatchObject({ serial, status: 'provisioned' });
      expect(issued.secret).toEqual(expect.any(String));
      expect(issued.secret.length).toBeGreaterThanOrEqual(16);

      // The secret works for the uplink.
      const uplink = await postUplink(server, json(batchOf(serial, 1, recentRecords(3))), {
        serial,
        secret: issued.secret,
      });
      expect(uplink.status).toBe(200);

      // Listed and shown afterwards, never with the secret.
      const list = await admin(server, 'GET', '/devices?limit=1000', { token: ADMIN_TOKEN });
      expect(list.status).toBe(200);
      const devices = (list.body as { devices: { id: number; serial: string }[] }).devices;
      expect(devices.map((d) => d.serial)).toContain(serial);
      const shown = await admin(server, 'GET', `/devices/${serial}`, { token: ADMIN_TOKEN });
      expect(shown.status).toBe(200);
      expect(shown.body).toMatchObject({ serial, status: 'active' });
      for (const answer of [list, shown]) {
        expect(JSON.stringify(answer.body)).not.toContain(issued.secret);
        expect(JSON.stringify(answer.body)).not.toMatch(/secret/i);
      }

      // A second device with the same serial is a conflict.
      const again = await admin(server, 'POST', '/devices', { token: ADMIN_TOKEN, body: { serial } });
      expect(again.status).toBe(409);
    });

    it('compresses pages, scripts and large answers for clients that accept it, and leaves small acks alone', async () => {
      const server = current();
      const html = await (await fetch(`${server.url}/`, { headers: { accept: 'text/html' } })).text();
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      if (!script) throw new Error('the built index.html names no script');
      const encodingOf = async (url: string, acceptEncoding: string) =>
        (await fetch(`${server.url}${url}`, { headers: { 'accept-encoding': acceptEncoding } })).headers.get(
          'content-encoding',
        );
      expect(await encodingOf(script, 'gzip, deflate, br')).toBe('br');
      expect(await encodingOf(script, 'gzip')).toBe('gzip');
      expect(await encodingOf(script, 'identity')).toBeNull();
      const { credential } = await provisionDevice(server);
      const ack = await fetch(`${server.url}${UPLINK_HTTP_PATH}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'accept-encoding': 'gzip, br',
          authorization: basicAuthorization(credential),
        },
        body: json(batchOf(credential.serial, 1, recentRecords(3))),
      });
      expect(ack.status).toBe(200);
      expect(ack.headers.get('content-encoding')).toBeNull();
    });

    it('answers unknown routes with 404 JSON', async () => {
      const server = current();
      for (const [method, route] of [
        ['GET', '/no-such-page'],
        ['POST', '/api/v1/uplinks'],
        ['GET', UPLINK_HTTP_PATH],
      ] as const) {
        const response = await fetch(`${server.url}${route}`, { method, ...(method === 'POST' ? { body: '{}' } : {}) });
        expect(response.status).toBe(404);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
      }
    });
  },
);
