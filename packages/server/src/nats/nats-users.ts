/**
 * Device accounts on nats-server 2.9, which has no auth callout: each device is a user of the
 * broker's config, its password a bcrypt hash of its secret (nothing in plain text), allowed only
 * MQTT connections, publishing only on its own uplink subject and subscribing only to its own ack
 * subject, like the Mosquitto ACL. `$MQTT.sub.>` is what nats-server itself subscribes the
 * connection to for a QoS 1 subscription; a device cannot subscribe to it over MQTT (the broker
 * refuses `$MQTT/...` topics) and cannot connect over plain NATS.
 *
 * The users file (deploy/nats/smartcharge-users.conf) is a `users: [...]` list, one account per
 * line, included by the main config; addNatsUser/removeNatsUser rewrite one line of it.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { ackTopic, DEVICE_SERIAL_PATTERN, uplinkTopic } from '@smartcharge/protocol';
import bcrypt from 'bcryptjs';
import { subjectFromTopic } from './nats-url.js';

/** The platform's own accounts; a device serial may not begin with it. */
export const INGEST_USER_PREFIX = 'smartcharge-ingest';
export const DEFAULT_BCRYPT_COST = 11;

export type NatsUser =
  { readonly kind: 'device'; readonly serial: string } | { readonly kind: 'ingest'; readonly name: string };

/** Why a serial cannot be a NATS device account, or undefined when it can. */
export function natsSerialProblem(serial: string): string | undefined {
  if (!DEVICE_SERIAL_PATTERN.test(serial)) {
    return `${JSON.stringify(serial)} is not a device serial (3 to 64 letters, digits, '.', '_' or '-')`;
  }
  if (serial.includes('.')) {
    return `serial ${serial} has a '.', which nats-server 2.9 refuses in MQTT topics: this device can use HTTP, or Mosquitto`;
  }
  if (serial.startsWith(INGEST_USER_PREFIX))
    return `serials beginning with ${INGEST_USER_PREFIX} are the platform's accounts`;
  return undefined;
}

function userName(user: NatsUser): string {
  if (user.kind === 'device') {
    const problem = natsSerialProblem(user.serial);
    if (problem) throw new Error(problem);
    return user.serial;
  }
  if (!/^smartcharge-ingest[A-Za-z0-9_-]*$/.test(user.name)) {
    throw new Error(
      `an ingest account's name begins with ${INGEST_USER_PREFIX} (letters, digits, '_' or '-' after it)`,
    );
  }
  return user.name;
}

/** One line of the users file: the account with its bcrypt-hashed secret and its permissions. */
export async function natsUserEntry(user: NatsUser, secret: string, cost = DEFAULT_BCRYPT_COST): Promise<string> {
  const name = userName(user);
  if (secret === '') throw new Error('the secret is empty');
  if (Buffer.byteLength(secret) > 72) throw new Error('the secret is longer than bcrypt takes (72 bytes)');
  // NATS 2.9 knows the $2a$ form; the salt comes from the system's random source.
  const hash = await bcrypt.hash(secret, bcrypt.genSaltSync(cost).replace(/^\$2[by]\$/, '$2a$'));
  if (user.kind === 'ingest') {
    return `{ user: "${name}", password: "${hash}", allowed_connection_types: ["STANDARD"] }`;
  }
  const uplink = subjectFromTopic(uplinkTopic(name));
  const ack = subjectFromTopic(ackTopic(name));
  return (
    `{ user: "${name}", password: "${hash}", allowed_connection_types: ["MQTT"], ` +
    `permissions: { publish: { allow: ["${uplink}"] }, subscribe: { allow: ["${ack}", "$MQTT.sub.>"] } } }`
  );
}

const lineFor = (name: string) => new RegExp(`^\\s*\\{\\s*user:\\s*"${name.replace(/[-]/g, '\\-')}"\\s*,`);

async function rewrite(file: string, edit: (lines: string[]) => string[]): Promise<void> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT')
      throw new Error(`${file} does not exist: copy deploy/nats/smartcharge-users.conf there first`);
    throw error;
  });
  const lines = edit(text.split('\n'));
  const mode = (await stat(file)).mode & 0o777;
  // Written beside and renamed over: nats-server, reloading meanwhile, never reads half a file.
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, lines.join('\n'), { mode });
  await rename(temporary, file);
}

/** Adds the account to the users file, or replaces its line; says which. */
export async function addNatsUser(file: string, entry: string): Promise<'added' | 'replaced'> {
  const name = /^\{ user: "([^"]+)"/.exec(entry)?.[1];
  if (!name) throw new Error('not a users-file entry');
  let outcome: 'added' | 'replaced' = 'added';
  await rewrite(file, (lines) => {
    const at = lines.findIndex((line) => lineFor(name).test(line));
    if (at >= 0) {
      outcome = 'replaced';
      return lines.map((line, i) => (i === at ? `  ${entry}` : line));
    }
    const end = lines.findLastIndex((line) => /^\s*\]\s*$/.test(line));
    if (end < 0) throw new Error(`${file} has no closing "]" of its users list`);
    return [...lines.slice(0, end), `  ${entry}`, ...lines.slice(end)];
  });
  return outcome;
}

/** Removes the account from the users file; false when it was not there. */
export async function removeNatsUser(file: string, user: NatsUser): Promise<boolean> {
  const name = userName(user);
  let removed = false;
  await rewrite(file, (lines) =>
    lines.filter((line) => {
      const match = lineFor(name).test(line);
      removed ||= match;
      return !match;
    }),
  );
  return removed;
}
