/**
 * Which MQTT client ids a device may use on the embedded broker. A client id is how a broker
 * recognises a session: a second connection with the same id takes the first one over (MQTT
 * 3.1.4-2). Left free, a device with valid credentials could take another device's id and
 * disconnect it. So a device uses its own serial, or its serial followed by `-` and a suffix of
 * letters and digits (the device transport sends `{serial}-{8 random}`), or none (the broker
 * assigns one). Serials may themselves contain `-` (`SC-1` and `SC-1-x`), so the broker also
 * keeps each session under the authenticated serial: an id can only ever collide with the same
 * device's own sessions.
 */
import type { Client } from 'aedes';

const SUFFIX = /^[A-Za-z0-9]{1,32}$/;

/** Why the device `serial` may not use `clientId`, or undefined when it may. */
export function clientIdProblem(clientId: string, serial: string): string | undefined {
  if (clientId === '' || clientId === serial) return undefined;
  if (clientId.startsWith(`${serial}-`) && SUFFIX.test(clientId.slice(serial.length + 1))) return undefined;
  return `device ${serial} may use as MQTT client id only its serial, or its serial, "-" and up to 32 letters or digits (got "${clientId}")`;
}

/** The id the broker keeps the session under: the serial first, which no other device shares. */
export function sessionIdOf(serial: string, clientId: string): string {
  return `${serial}/${clientId}`;
}

/**
 * Renames the session before aedes registers it (aedes reads `client.id` after authenticate to
 * find and take over an older session with the same id).
 */
export function bindSessionToSerial(client: Client, serial: string): void {
  (client as { id: string }).id = sessionIdOf(serial, client.id);
}
