/**
 * Uplink over MQTT: publish the batch on the device's uplink topic (QoS 1) and wait for the
 * server's acknowledgement on the device's ack topic, matched by boot and sequence range.
 * Connects with the serial as username and the secret as password; with MQTT 5 the credential
 * also travels as a user property, for external brokers that leave authentication to the server.
 */
import {
  MQTT_AUTH_PROPERTY,
  ackTopic,
  basicAuthorization,
  uplinkTopic,
  type DeviceCredential,
  type TUplinkBatch,
  type UplinkAck,
} from '@smartcharge/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { TransportError, type UplinkTransport } from './transport.js';

export interface MqttTransportOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883 */
  readonly url: string;
  readonly credential: DeviceCredential;
  /** 4 = MQTT 3.1.1 (the embedded broker), 5 = MQTT 5 (default 4). */
  readonly protocolVersion?: 4 | 5;
  /** Wait this long for the server's ack (default 30 s). */
  readonly timeoutMs?: number;
}

interface Waiter {
  readonly boot: number;
  readonly seqMin: number;
  readonly seqMax: number;
  resolve(ack: UplinkAck): void;
}

export class MqttUplinkTransport implements UplinkTransport {
  readonly name = 'mqtt';
  private client: MqttClient | undefined;
  private ready: Promise<MqttClient> | undefined;
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly options: MqttTransportOptions) {}

  private connect(): Promise<MqttClient> {
    if (this.ready) return this.ready;
    const { credential } = this.options;
    this.ready = new Promise<MqttClient>((resolve, reject) => {
      const client = mqtt.connect(this.options.url, {
        protocolVersion: this.options.protocolVersion ?? 4,
        clientId: `${credential.serial}-${Math.random().toString(36).slice(2, 10)}`,
        username: credential.serial,
        password: credential.secret,
        clean: true,
        reconnectPeriod: 1000,
        connectTimeout: 10_000,
      });
      this.client = client;
      const fail = (error: Error) => {
        client.end(true);
        this.ready = undefined;
        reject(new TransportError(`cannot connect to ${this.options.url}: ${error.message}`, { cause: error }));
      };
      client.once('error', fail);
      client.once('connect', () => {
        client.off('error', fail);
        client.on('error', () => {}); // reconnects on its own; sends time out meanwhile
        client.subscribe(ackTopic(credential.serial), { qos: 1 }, (error) => {
          if (error) fail(error);
          else resolve(client);
        });
      });
      client.on('message', (_topic, payload) => this.onAck(payload));
    });
    return this.ready;
  }

  private onAck(payload: Buffer): void {
    let ack: UplinkAck;
    try {
      ack = JSON.parse(payload.toString('utf8')) as UplinkAck;
    } catch {
      return;
    }
    for (const waiter of this.waiters) {
      if (ack.boot === waiter.boot && ack.seq_min === waiter.seqMin && ack.seq_max === waiter.seqMax) {
        this.waiters.delete(waiter);
        waiter.resolve(ack);
        return;
      }
    }
  }

  /** Connects now, or fails within `timeoutMs` (to check a broker before a long run). */
  async connectOnce(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TransportError(`no answer from ${this.options.url} within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.connect(), deadline]);
    } catch (error) {
      await this.close().catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async send(batch: TUplinkBatch): Promise<UplinkAck> {
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    // A broker can take the connection and never confirm it or the subscription (a NATS server
    // busy re-forming its cluster does): bound that wait too, then start afresh on the next send.
    await this.connectOnce(timeoutMs);
    const client = await this.connect();
    const seqs = batch.records.map((r) => r.seq);
    let waiter: Waiter | undefined;
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<UplinkAck>((resolve, reject) => {
      waiter = { boot: batch.boot, seqMin: Math.min(...seqs), seqMax: Math.max(...seqs), resolve };
      this.waiters.add(waiter);
      timer = setTimeout(() => reject(new TransportError(`no ack within ${timeoutMs} ms`)), timeoutMs);
    });
    // Handled from the start: the timeout may fire while the publish is still pending.
    answered.catch(() => {});
    try {
      // With the broker gone, a QoS 1 publish waits in the offline queue for the reconnect and
      // resolves only then: the ack timeout bounds the wait either way.
      const published = client.publishAsync(uplinkTopic(batch.device), JSON.stringify(batch), {
        qos: 1,
        ...(this.options.protocolVersion === 5
          ? { properties: { userProperties: { [MQTT_AUTH_PROPERTY]: basicAuthorization(this.options.credential) } } }
          : {}),
      });
      published.catch(() => {});
      await Promise.race([published, answered]);
      return await answered;
    } catch (error) {
      if (error instanceof TransportError) throw error;
      throw new TransportError(`publish failed: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
      if (waiter) this.waiters.delete(waiter);
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.ready = undefined;
    // Disconnected, a graceful end would wait for the queued publishes forever: force it. They
    // are not lost: a batch counts as sent only once acknowledged, and is sent again.
    if (client) await client.endAsync(!client.connected);
  }
}
