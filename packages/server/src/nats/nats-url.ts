/**
 * NATS_URL: one or more nats:// URLs, comma-separated (the seeds of a cluster; the client learns
 * the others from the servers). Credentials may ride in a URL as user:password; the client takes
 * them as options, so they are read out here, and every URL shown to a person is redacted.
 */

export interface NatsServers {
  /** host:port of each server, without credentials. */
  readonly servers: readonly string[];
  readonly user: string | undefined;
  readonly pass: string | undefined;
  /** The URLs as they may be printed: passwords replaced by ***. */
  readonly display: string;
}

/** A URL safe to print: the password, if any, replaced by ***. */
function redactUrl(raw: string): string {
  try {
    const parsed = new URL(raw);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** Throws a message naming the problem; config.ts wraps it with the setting's name. */
export function parseNatsUrls(raw: string): NatsServers {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new Error('expected one or more nats://host:port URLs, comma-separated');
  const servers: string[] = [];
  let user: string | undefined;
  let pass: string | undefined;
  for (const entry of entries) {
    let parsed: URL;
    try {
      parsed = new URL(entry);
    } catch {
      throw new Error(`${JSON.stringify(redactUrl(entry))} is not a URL such as nats://host:4222`);
    }
    if (parsed.protocol !== 'nats:' && parsed.protocol !== 'tls:') {
      throw new Error(`${redactUrl(entry)} should start with nats:// (or tls://)`);
    }
    if (parsed.hostname === '') throw new Error(`${redactUrl(entry)} names no host`);
    const entryUser = parsed.username === '' ? undefined : decodeURIComponent(parsed.username);
    const entryPass = parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
    if (entryUser !== undefined) {
      if (user !== undefined && (user !== entryUser || pass !== entryPass)) {
        throw new Error('the URLs carry different credentials: one NATS account logs in to every server');
      }
      user = entryUser;
      pass = entryPass;
    }
    servers.push(`${parsed.protocol}//${parsed.host}`);
  }
  return { servers, user, pass, display: entries.map(redactUrl).join(',') };
}

/**
 * MQTT topics on NATS: the broker maps each `/` of a topic to `.` of a subject (NATS 2.9 refuses a
 * topic with `.` or a space in it, so a serial with a dot cannot use NATS MQTT: see docs/nats.md).
 */
export function subjectFromTopic(topic: string): string {
  return topic.replaceAll('/', '.');
}

export function topicFromSubject(subject: string): string {
  return subject.replaceAll('.', '/');
}
