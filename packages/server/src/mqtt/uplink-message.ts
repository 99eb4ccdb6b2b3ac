/**
 * One MQTT uplink message through ingest, whichever broker delivered it; returns the ack to
 * publish back to the device. The topic names the device; the credential comes from the message
 * (MQTT 5 user property) or from a broker that authenticated the connection.
 */
import {
  MQTT_AUTH_PROPERTY,
  UPLINK_MAX_BYTES,
  ackTopic,
  parseBasicAuthorization,
  serialFromUplinkTopic,
  type UplinkAck,
} from '@smartcharge/protocol';
import type { IngestService, UplinkAuth } from '../telemetry/index.js';
import { UplinkRejection, echoFromRaw, toErrorAck } from '../telemetry/index.js';

export interface UplinkMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  /** MQTT 5 user properties, when the message has any. */
  readonly userProperties?: Record<string, string | string[]>;
  /** True when the broker authenticated the sender and only lets it publish on its own topic. */
  readonly brokerAuthenticated: boolean;
}

export interface AckMessage {
  readonly topic: string;
  readonly ack: UplinkAck;
}

export async function handleUplinkMessage(
  ingest: IngestService,
  message: UplinkMessage,
): Promise<AckMessage | undefined> {
  const serial = serialFromUplinkTopic(message.topic);
  if (serial === undefined) return undefined; // not an uplink topic: nothing to answer, nobody to answer to
  const property = message.userProperties?.[MQTT_AUTH_PROPERTY];
  const credential = parseBasicAuthorization(Array.isArray(property) ? property[0] : property);
  if (credential && credential.serial !== serial) {
    const rejection = new UplinkRejection(
      'device_mismatch',
      `The message was published on ${serial}'s topic with the credential of ${credential.serial}.`,
    );
    ingest.countRefusal('mqtt', rejection);
    return { topic: ackTopic(serial), ack: withEcho(toErrorAck(rejection), message.payload, serial) };
  }
  const auth: UplinkAuth = credential
    ? { kind: 'credential', credential }
    : message.brokerAuthenticated
      ? { kind: 'broker', serial }
      : { kind: 'none' };
  const result = await ingest.ingest({ transport: 'mqtt', body: message.payload, auth });
  return { topic: ackTopic(serial), ack: withEcho(result.ack, message.payload, serial) };
}

/**
 * An MQTT device matches an ack to its batch by boot and sequence range. Ingest refuses a batch
 * without a valid credential (or over the rate limit) before reading it, so its error ack names
 * neither: read them from the payload here, or the device waits for an ack that never matches and
 * never learns why it was refused.
 */
function withEcho(ack: UplinkAck, payload: Uint8Array, serial: string): UplinkAck {
  if (ack.ok || ack.boot !== undefined || payload.byteLength > UPLINK_MAX_BYTES) return ack;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch {
    return ack; // unreadable: nothing to echo
  }
  return { v: ack.v, ok: false, device: ack.device ?? serial, ...echoFromRaw(raw), error: ack.error };
}
