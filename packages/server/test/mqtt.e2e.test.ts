/**
 * The real server over MQTT. Embedded broker (on PGlite and on PostgreSQL): a device streams
 * through the uplink client and gets an ack per batch; credentials are checked at CONNECT; a
 * device may publish only on its own uplink topic and read only its own acks; revoking its
 * credential disconnects it. External broker (the test Mosquitto): the server consumes through a
 * shared subscription and checks the credential carried in each MQTT 5 message, or trusts the
 * broker when told to.
 */
import { MqttUplinkTransport, UplinkClient } from '@smartcharge/device';
import {
  ackTopic,
  uplinkTopic,
  type DeviceCredential,
  type TUplinkRecord,
  type UplinkAck,
  type UplinkAckError,
} from '@smartcharge/protocol';
import type { IClientOptions, MqttClient } from 'mqtt';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CLI_OPERATOR } from '../src/actor.js';
import { batchOf, uniqueSerial } from './support/builders.js';
import {
  HOUR_MS,
  closed,
  connectClient,
  describeEachServer,
  provisionDevice,
  storedRecords,
  type TestServer,
} from './support/servers.js';
import { telemetryStream } from './support/telemetry-fixtures.js';

/** MQTT 3.1.1 CONNACK return codes. */
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;
/** Guard for each wait on the broker; a healthy exchange takes milliseconds. */
const ACK_TIMEOUT_MS = 10_000;
/** Low enough that the rate-limit test needs few batches. */
const RATE_LIMIT_PER_MIN = 30;

function recentRecords(count: number, options: { firstSeq?: number; seed?: number } = {}): TUplinkRecord[] {
  return telemetryStream({ startMs: Date.now() - HOUR_MS, driveSeconds: count, chargeSeconds: 0, ...options });
}

/** Clients and transports opened by a test, closed after it whatever happened. */
const opened: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((c) => c.close()));
});

/** A bare client the broker already dropped never calls back from end(): it is forced, without waiting. */
function track<T extends MqttClient | MqttUplinkTransport>(client: T): T {
  opened.push({
    close: async () => {
      if (client instanceof MqttUplinkTransport) await client.close();
      else client.end(true);
    },
  });
  return client;
}

/** A bare client with a client id the embedded broker accepts for its username: `{serial}-{random}`, as devices use. */
function connectDevice(url: string, options: IClientOptions & { username: string }): Promise<MqttClient> {
  return connectClient(url, { clientId: `${options.username}-${Math.random().toString(36).slice(2, 10)}`, ...options });
}

function transportFor(url: string, credential: DeviceCredential, protocolVersion: 4 | 5): MqttUplinkTransport {
  return track(new MqttUplinkTransport({ url, credential, protocolVersion, timeoutMs: ACK_TIMEOUT_MS }));
}

/** Streams records through the device's uplink client; returns what it sent and the acks it got. */
async function stream(
  transport: MqttUplinkTransport,
  serial: string,
  records: readonly TUplinkRecord[],
  batchRecords: number,
): Promise<{ sent: TUplinkRecord[]; acks: UplinkAck[]; pending: number }> {
  const acks: UplinkAck[] = [];
  const client = new UplinkClient({ serial, boot: 2, transport, batchRecords, onAck: (ack) => acks.push(ack) });
  const sent = records.map(({ seq: _seq, ...values }) => client.record(values));
  const result = await client.flush({ maxAttempts: 1 });
  return { sent, acks, pending: result.pending };
}

/** Sends one batch through the transport and returns the ack (it throws when none comes). */
function sendOne(transport: MqttUplinkTransport, serial: string, records: readonly TUplinkRecord[]) {
  return transport.send(batchOf(serial, 1, records));
}

function errorOf(ack: UplinkAck): UplinkAckError['error'] {
  if (ack.ok) throw new Error(`expected a refusal, got ${JSON.stringify(ack)}`);
  return ack.error;
}

describeEachServer(
  'MQTT through the embedded broker',
  { mqtt: 'embedded', env: { INGEST_RATE_LIMIT_PER_MIN: String(RATE_LIMIT_PER_MIN) } },
  (current) => {
    const brokerUrl = (server: TestServer) => {
      if (server.mqttPort === undefined) throw new Error('the embedded broker is not running');
      return `mqtt://127.0.0.1:${server.mqttPort}`;
    };

    it('stores exactly what a device streams through the uplink client, with an ack per batch', async () => {
      const server = current();
      const { id, credential } = await provisionDevice(server);
      const transport = transportFor(brokerUrl(server), credential, 4);
      const records = telemetryStream({ startMs: Date.now() - 2 * HOUR_MS, driveSeconds: 700, chargeSeconds: 500 });

      const { sent, acks, pending } = await stream(transport, credential.serial, records, 400);

      expect(pending).toBe(0);
      expect(acks).toEqual(
        [0, 400, 800].map((first) => ({
          v: 1,
          ok: true,
          device: credential.serial,
          boot: 2,
          seq_min: first,
          seq_max: first + 399,
          accepted: 400,
          duplicates: 0,
          location_stripped: 0,
        })),
      );
      expect(await storedRecords(server, id)).toEqual(sent);
    });

    it('answers an invalid batch with an error ack the device matches to it, and stores none of it', async () => {
      const server = current();
      const { id, credential } = await provisionDevice(server);
      const transport = transportFor(brokerUrl(server), credential, 4);
      const records = recentRecords(4, { firstSeq: 10 });
      records[1] = { ...records[1]!, soc_pct: 180 };

      const ack = await sendOne(transport, credential.serial, records);

      expect(ack).toMatchObject({ ok: false, device: credential.serial, boot: 1, seq_min: 10, seq_max: 13 });
      expect(errorOf(ack)).toMatchObject({
        code: 'invalid_record',
        retryable: false,
        issues: [expect.objectContaining({ index: 1, field: 'records[1].soc_pct', code: 'out_of_range' })],
      });
      expect(await storedRecords(server, id)).toEqual([]);
    });

    it('refuses at CONNECT a wrong password, an unknown serial and a missing password', async () => {
      const server = current();
      const { credential } = await provisionDevice(server);
      const url = brokerUrl(server);
      const attempt = (username: string, password: string | undefined) =>
        connectDevice(url, { username, ...(password === undefined ? {} : { password }) }).then(
          (client) => {
            track(client);
            return 'connected';
          },
          (error: Error & { code?: number }) => error.code,
        );

      expect(await attempt(credential.serial, `${credential.secret}x`)).toBe(BAD_USERNAME_OR_PASSWORD);
      expect(await attempt(uniqueSerial('C2-NOBODY'), credential.secret)).toBe(BAD_USERNAME_OR_PASSWORD);
      expect(await attempt(credential.serial, undefined)).toBe(NOT_AUTHORIZED);
      // The right credential connects: the refusals above were about the credential.
      expect(await attempt(credential.serial, credential.secret)).toBe('connected');
    });

    it('disconnects a device that publishes on another device’s uplink topic, storing nothing for that device', async () => {
      const server = current();
      const intruder = await provisionDevice(server);
      const victim = await provisionDevice(server);
      const url = brokerUrl(server);
      const client = track(
        await connectDevice(url, { username: intruder.credential.serial, password: intruder.credential.secret }),
      );
      const forged = batchOf(victim.credential.serial, 1, recentRecords(5, { seed: 3 }));

      client.publish(uplinkTopic(victim.credential.serial), JSON.stringify(forged), { qos: 1 });
      await closed(client, ACK_TIMEOUT_MS);

      // The victim's own data still goes through, and only that is stored.
      const own = recentRecords(5, { firstSeq: 100, seed: 4 });
      const ack = await sendOne(transportFor(url, victim.credential, 4), victim.credential.serial, own);
      expect(ack).toMatchObject({ ok: true, accepted: 5 });
      expect(await storedRecords(server, victim.id)).toEqual(own);
      expect(await storedRecords(server, intruder.id)).toEqual([]);
    });

    it('refuses a subscription to another device’s ack topic, so its acks are never delivered', async () => {
      const server = current();
      const snoop = await provisionDevice(server);
      const target = await provisionDevice(server);
      const url = brokerUrl(server);
      const client = track(
        await connectDevice(url, { username: snoop.credential.serial, password: snoop.credential.secret }),
      );
      const overheard: string[] = [];
      client.on('message', (topic) => overheard.push(topic));

      const subscribed = new Promise<string>((resolve) => {
        client.subscribe(ackTopic(target.credential.serial), { qos: 1 }, (error, granted) => {
          if (error) resolve('refused');
          else resolve(granted?.every((g) => g.qos === 128) ? 'refused' : 'granted');
        });
        client.once('close', () => resolve('disconnected'));
      });
      expect(await subscribed).toBe('refused'); // SUBACK 0x80, the connection kept (mqtt-security.e2e.test.ts)

      // The target's next ack goes to the target alone.
      const ack = await sendOne(transportFor(url, target.credential, 4), target.credential.serial, recentRecords(3));
      expect(ack).toMatchObject({ ok: true });
      expect(overheard).toEqual([]);
    });

    it('disconnects a connected device when its credential is revoked, and refuses it from then on', async () => {
      const server = current();
      const { credential } = await provisionDevice(server);
      const url = brokerUrl(server);
      const client = track(await connectDevice(url, { username: credential.serial, password: credential.secret }));
      const bystander = await provisionDevice(server);
      const other = track(
        await connectDevice(url, { username: bystander.credential.serial, password: bystander.credential.secret }),
      );

      await server.services.devices.revokeCredential(CLI_OPERATOR, credential.serial, 'lost in the field');

      await closed(client, ACK_TIMEOUT_MS);
      expect(other.connected).toBe(true);
      const again = await connectDevice(url, { username: credential.serial, password: credential.secret }).then(
        (reconnected) => {
          track(reconnected);
          return 'connected';
        },
        (error: Error & { code?: number }) => error.code,
      );
      expect(again).toBe(BAD_USERNAME_OR_PASSWORD);
    });

    it('tells a device that sends too often how long to wait, in an ack it matches to its batch', async () => {
      const server = current();
      const { credential } = await provisionDevice(server);
      const transport = transportFor(brokerUrl(server), credential, 4);
      let accepted = 0;
      let limited: UplinkAck | undefined;
      for (let i = 0; i < 10 * RATE_LIMIT_PER_MIN && !limited; i++) {
        const ack = await sendOne(transport, credential.serial, recentRecords(1, { firstSeq: i }));
        if (ack.ok) accepted++;
        else limited = ack;
      }
      if (!limited) throw new Error('the device was never rate limited');
      expect(accepted).toBeGreaterThanOrEqual(RATE_LIMIT_PER_MIN);
      expect(limited).toMatchObject({ device: credential.serial, boot: 1, seq_min: accepted, seq_max: accepted });
      expect(errorOf(limited)).toMatchObject({ code: 'rate_limited', retryable: true });
      expect(errorOf(limited).retry_after_s).toBeGreaterThanOrEqual(1);
    });
  },
);

// ---------------------------------------------------------------------------
// External broker

const mqttUrl = inject('mqttUrl');
const describeExternal = mqttUrl === null ? describe.skip : describe;
const externalUrl = mqttUrl ?? 'mqtt://127.0.0.1:1';

describeExternal('MQTT through an external broker', () => {
  describeEachServer('server checks the credential in each message', { mqtt: { url: externalUrl } }, (current) => {
    it('stores what an MQTT 5 device sends with its credential as a user property, with an ack per batch', async () => {
      const server = current();
      const { id, credential } = await provisionDevice(server);
      const transport = transportFor(externalUrl, credential, 5);
      const records = telemetryStream({ startMs: Date.now() - 2 * HOUR_MS, driveSeconds: 300, chargeSeconds: 300 });

      const { sent, acks, pending } = await stream(transport, credential.serial, records, 200);

      expect(pending).toBe(0);
      expect(acks.map((ack) => (ack.ok ? [ack.seq_min, ack.seq_max, ack.accepted] : ack.error.code))).toEqual([
        [0, 199, 200],
        [200, 399, 200],
        [400, 599, 200],
      ]);
      expect(await storedRecords(server, id)).toEqual(sent);
    });

    it('answers an MQTT 5 message with a wrong secret with invalid_credential, storing nothing', async () => {
      const server = current();
      const { id, credential } = await provisionDevice(server);
      const transport = transportFor(externalUrl, { ...credential, secret: `${credential.secret}x` }, 5);

      const ack = await sendOne(transport, credential.serial, recentRecords(5));

      expect(errorOf(ack)).toMatchObject({ code: 'invalid_credential', retryable: true });
      expect(await storedRecords(server, id)).toEqual([]);
    });

    it('answers an MQTT 3.1.1 message, which cannot carry the credential, with missing_credential', async () => {
      const server = current();
      const { id, credential } = await provisionDevice(server);
      const transport = transportFor(externalUrl, credential, 4);

      const ack = await sendOne(transport, credential.serial, recentRecords(5));

      expect(ack).toMatchObject({ ok: false, device: credential.serial, boot: 1, seq_min: 0, seq_max: 4 });
      expect(errorOf(ack)).toMatchObject({ code: 'missing_credential', retryable: true });
      expect(await storedRecords(server, id)).toEqual([]);
    });

    it('reports the external broker on /healthz', async () => {
      const server = current();
      const health = (await (await fetch(`${server.url}/healthz`)).json()) as { mqtt: string };
      expect(server.mqttPort).toBeUndefined();
      expect(health.mqtt).toBe(`external broker ${externalUrl}`);
    });
  });

  describeEachServer(
    'server trusts the broker’s authentication',
    { mqtt: { url: externalUrl }, env: { MQTT_TRUST_BROKER_AUTH: 'true' } },
    (current) => {
      it('stores what an MQTT 3.1.1 device sends without a credential in the message', async () => {
        const server = current();
        const { id, credential } = await provisionDevice(server);
        const transport = transportFor(externalUrl, credential, 4);
        const records = recentRecords(40, { seed: 12 });

        const ack = await sendOne(transport, credential.serial, records);

        expect(ack).toMatchObject({ ok: true, device: credential.serial, accepted: 40 });
        expect(await storedRecords(server, id)).toEqual(records);
      });

      it('still refuses messages on the topic of a device that is not provisioned', async () => {
        const stranger = { serial: uniqueSerial('C2-STRANGER'), secret: 'none' };
        const transport = transportFor(externalUrl, stranger, 4);

        const ack = await sendOne(transport, stranger.serial, recentRecords(3));

        expect(ack).toMatchObject({ ok: false, boot: 1, seq_min: 0, seq_max: 2 });
        expect(errorOf(ack)).toMatchObject({ code: 'unknown_device' });
      });
    },
    ['pglite'],
  );
});
