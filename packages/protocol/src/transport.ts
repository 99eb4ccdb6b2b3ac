/**
 * How a batch travels: MQTT topic names and the device credential in an Authorization header.
 *
 * A device authenticates with its serial and secret everywhere: HTTP Basic on
 * `POST /api/v1/uplink`, the MQTT CONNECT username/password, and (on an external broker
 * that does not authenticate devices itself) an MQTT 5 user property `authorization`
 * holding the same Basic value.
 */
import { DEVICE_SERIAL_PATTERN } from './uplink.js';

export const UPLINK_HTTP_PATH = '/api/v1/uplink';
export const MQTT_TOPIC_ROOT = 'smartcharge/v1/devices';
/** MQTT 5 user property that carries the device credential on an external broker. */
export const MQTT_AUTH_PROPERTY = 'authorization';

export function uplinkTopic(serial: string): string {
  return `${MQTT_TOPIC_ROOT}/${serial}/uplink`;
}

export function ackTopic(serial: string): string {
  return `${MQTT_TOPIC_ROOT}/${serial}/ack`;
}

/** Wildcard the server subscribes to for every device's uplink. */
export const UPLINK_TOPIC_FILTER = `${MQTT_TOPIC_ROOT}/+/uplink`;

const UPLINK_TOPIC = /^smartcharge\/v1\/devices\/([^/]+)\/uplink$/;
const ACK_TOPIC = /^smartcharge\/v1\/devices\/([^/]+)\/ack$/;

/** The serial an uplink topic names, or undefined when the topic is not a valid uplink topic. */
export function serialFromUplinkTopic(topic: string): string | undefined {
  const serial = UPLINK_TOPIC.exec(topic)?.[1];
  return serial !== undefined && DEVICE_SERIAL_PATTERN.test(serial) ? serial : undefined;
}

export function serialFromAckTopic(topic: string): string | undefined {
  const serial = ACK_TOPIC.exec(topic)?.[1];
  return serial !== undefined && DEVICE_SERIAL_PATTERN.test(serial) ? serial : undefined;
}

export interface DeviceCredential {
  readonly serial: string;
  readonly secret: string;
}

/** `Basic base64(serial:secret)`, the value of the Authorization header. */
export function basicAuthorization(credential: DeviceCredential): string {
  return `Basic ${Buffer.from(`${credential.serial}:${credential.secret}`, 'utf8').toString('base64')}`;
}

/** Reads a Basic Authorization value; undefined when it is absent or not Basic. */
export function parseBasicAuthorization(header: string | undefined): DeviceCredential | undefined {
  if (header === undefined) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { serial: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}
