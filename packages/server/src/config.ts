/**
 * Settings: each a typed key with an environment variable, an optional command-line flag,
 * a default and a line of documentation (the README's settings table lists the same keys;
 * a test keeps the two in step). Read once at start-up; a wrong value stops the start with
 * a message naming the variable.
 */
import { isIP, isIPv4 } from 'node:net';
import path from 'node:path';
import { parseNatsUrls } from './nats/nats-url.js';
import { parseRoles, ROLES, type Role } from './roles.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

interface SettingSpec<T> {
  readonly env: string;
  /** Long flag name on `smartcharge serve` (without dashes), when there is one. */
  readonly flag?: string;
  readonly defaultValue: T;
  /** Default as documented (for settings whose default is absent or computed). */
  readonly defaultText?: string;
  readonly description: string;
  parse(raw: string): T;
}

class SettingError extends Error {}

function integer(min: number, max: number) {
  return (raw: string): number => {
    if (!/^-?\d+$/.test(raw.trim())) throw new SettingError(`expected an integer from ${min} to ${max}`);
    const value = Number(raw.trim());
    if (value < min || value > max) throw new SettingError(`expected an integer from ${min} to ${max}`);
    return value;
  };
}

function oneOf<const T extends string>(values: readonly T[]) {
  return (raw: string): T => {
    const value = raw.trim().toLowerCase();
    if (!(values as readonly string[]).includes(value)) throw new SettingError(`expected one of ${values.join(', ')}`);
    return value as T;
  };
}

function url(protocols: readonly string[]) {
  return (raw: string): string => {
    let parsed: URL;
    try {
      parsed = new URL(raw.trim());
    } catch {
      throw new SettingError(`expected a URL such as ${protocols[0]}//host:port`);
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new SettingError(`expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
    }
    return raw.trim();
  };
}

function decimal(min: number, max: number) {
  return (raw: string): number => {
    const value = Number(raw.trim());
    if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
      throw new SettingError(`expected a number from ${min} to ${max}`);
    }
    return value;
  };
}

function boolean(raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(value)) return false;
  throw new SettingError('expected true or false');
}

function nonEmpty(raw: string): string {
  if (raw.trim() === '') throw new SettingError('expected a non-empty value');
  return raw.trim();
}

function optional<T>(parse: (raw: string) => T) {
  return (raw: string): T | undefined => (raw.trim() === '' ? undefined : parse(raw));
}

/** false, a number of proxy hops, or the proxies' addresses (never "trust any": clients would pick their address). */
export type TrustProxy = false | number | readonly string[];

function trustProxy(raw: string): TrustProxy {
  const value = raw.trim().toLowerCase();
  if (['', 'false', '0', 'no', 'off'].includes(value)) return false;
  const expected = (what: string) =>
    new SettingError(
      `expected false, a number of proxies (1 to 10), or proxy addresses such as 127.0.0.1,10.0.0.0/8 (not ${JSON.stringify(what)})`,
    );
  if (/^\d+$/.test(value)) {
    if (Number(value) > 10) throw expected(value);
    return Number(value);
  }
  const entries = value.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const [address, bits, ...rest] = entry.split('/');
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIPv4(address ?? '') ? 32 : 128));
    if (!address || isIP(address) === 0 || !okBits || rest.length > 0) throw expected(entry);
  }
  return entries;
}

/** ROLES / --roles: a comma-separated list of ingest, api, worker, web. */
function roleList(raw: string): readonly Role[] {
  try {
    return parseRoles(raw);
  } catch (error) {
    throw new SettingError((error as Error).message);
  }
}

/** NATS_URL: one or more nats:// URLs (checked here, read again by the NATS ingest). */
function natsUrlList(raw: string): string {
  try {
    parseNatsUrls(raw);
  } catch (error) {
    throw new SettingError((error as Error).message);
  }
  return raw.trim();
}

function secretToken(raw: string): string {
  const value = raw.trim();
  if (value.length < 24) throw new SettingError('expected at least 24 characters');
  return value;
}

export const SETTINGS = {
  port: {
    env: 'PORT',
    flag: 'port',
    defaultValue: 8080,
    description: 'HTTP port for the API, the device uplink and the web pages.',
    parse: integer(0, 65535),
  },
  host: {
    env: 'HOST',
    flag: 'host',
    defaultValue: '0.0.0.0',
    description: 'Address the HTTP server and the embedded MQTT broker listen on.',
    parse: nonEmpty,
  },
  trustProxy: {
    env: 'TRUST_PROXY',
    defaultValue: false,
    description:
      'Behind a reverse proxy: the proxies’ addresses (comma-separated IPs or CIDRs) or how many to trust, so the client address (sign-in throttling) comes from X-Forwarded-For. false: the connecting address.',
    parse: trustProxy,
  },
  dataDir: {
    env: 'SMARTCHARGE_DATA_DIR',
    flag: 'data-dir',
    defaultValue: './data',
    description:
      'Folder for the embedded database (PGlite) and the running-server file. Kept across restarts. Unused for the database when DATABASE_URL is set.',
    parse: nonEmpty,
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    flag: 'database-url',
    defaultValue: undefined as string | undefined,
    defaultText: '(embedded PGlite)',
    description:
      'A PostgreSQL (15 or later) connection URL. When set, the server uses it instead of the embedded database.',
    parse: optional(url(['postgres:', 'postgresql:'])),
  },
  databaseReadUrl: {
    env: 'DATABASE_READ_URL',
    defaultValue: undefined as string | undefined,
    defaultText: '(reads from DATABASE_URL)',
    description:
      "A streaming replica of DATABASE_URL's database (same database name). People's page and API reads go to it, except a person's own recent changes (read-your-writes, a cookie) and while it lags; everything else uses the primary. Needs DATABASE_URL.",
    parse: optional(url(['postgres:', 'postgresql:'])),
  },
  databaseReadMaxLagS: {
    env: 'DATABASE_READ_MAX_LAG_S',
    defaultValue: 10,
    description:
      'With DATABASE_READ_URL: when the replica is further behind the primary than this many seconds (or unreachable), reads go to the primary until it catches up.',
    parse: integer(1, 3600),
  },
  mqttUrl: {
    env: 'MQTT_URL',
    flag: 'mqtt-url',
    defaultValue: undefined as string | undefined,
    defaultText: '(embedded broker)',
    description:
      'An external MQTT broker (e.g. Mosquitto) to consume device traffic from, through a shared subscription. When set, no broker is embedded.',
    parse: optional(url(['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'])),
  },
  natsUrl: {
    env: 'NATS_URL',
    defaultValue: undefined as string | undefined,
    defaultText: '(none)',
    description:
      'A NATS JetStream cluster devices publish to over MQTT (comma-separated nats:// URLs, user:password@ in them for the ingest account): uplinks land in a replicated stream and ingest nodes share one durable consumer (docs/nats.md). When set, no broker is embedded; not with MQTT_URL.',
    parse: optional(natsUrlList),
  },
  natsStreamReplicas: {
    env: 'NATS_STREAM_REPLICAS',
    defaultValue: 1,
    description:
      'With NATS_URL: copies JetStream keeps of the uplink stream (3 on a three-node cluster; at most the number of JetStream servers).',
    parse: integer(1, 5),
  },
  mqttPort: {
    env: 'MQTT_PORT',
    flag: 'mqtt-port',
    defaultValue: 1883,
    description:
      'Port of the embedded MQTT broker; 0 starts none. When the default port is taken the server starts without it and says so.',
    parse: integer(0, 65535),
  },
  mqttTrustBrokerAuth: {
    env: 'MQTT_TRUST_BROKER_AUTH',
    defaultValue: false,
    description:
      'External broker only: true when the broker authenticates devices and only lets each publish on its own topic, so messages need not carry the credential.',
    parse: boolean,
  },
  mqttMaxPacketBytes: {
    env: 'MQTT_MAX_PACKET_BYTES',
    defaultValue: 4 * 1024 * 1024,
    description:
      'Embedded broker: largest MQTT packet (bytes) once authenticated, twice the largest batch; a larger one closes the connection. Before authentication: 64 KiB.',
    parse: integer(64 * 1024, 256 * 1024 * 1024),
  },
  mqttConnectTimeoutS: {
    env: 'MQTT_CONNECT_TIMEOUT_S',
    defaultValue: 10,
    description: 'Embedded broker: a connection that has not authenticated within this many seconds is closed.',
    parse: integer(1, 300),
  },
  mqttMaxPendingConnections: {
    env: 'MQTT_MAX_PENDING_CONNECTIONS',
    defaultValue: 256,
    description:
      'Embedded broker: connections waiting to authenticate at once; beyond, new ones are closed at once (devices retry).',
    parse: integer(1, 100_000),
  },
  mqttMaxPendingPerAddress: {
    env: 'MQTT_MAX_PENDING_PER_ADDRESS',
    defaultValue: 32,
    description: 'Embedded broker: the same, from one IP address.',
    parse: integer(1, 100_000),
  },
  logLevel: {
    env: 'LOG_LEVEL',
    flag: 'log-level',
    defaultValue: 'info',
    description: `Log verbosity: ${LOG_LEVELS.join(', ')}. Logs are JSON lines on standard output.`,
    parse: oneOf(LOG_LEVELS),
  },
  adminToken: {
    env: 'SMARTCHARGE_ADMIN_TOKEN',
    defaultValue: undefined as string | undefined,
    defaultText: '(random, per run)',
    description:
      'Bearer token for the operator API (/api/v1/admin). Unset: a random token is made at each start and written, readable only by you, to the running-server file for the CLI.',
    parse: optional(secretToken),
  },
  publicUrl: {
    env: 'PUBLIC_URL',
    defaultValue: 'http://localhost:8080',
    defaultText: '`http://localhost:PORT`',
    description:
      "The address people reach the web app at: links in mail (password resets, invitations) and share links start with it. Unset: mail links use the port the server bound (PORT=0 too), and a share link the address the driver's browser reached the server at (X-Forwarded-Host and -Proto only from a proxy TRUST_PROXY trusts).",
    parse: url(['http:', 'https:']),
  },
  opsPublic: {
    env: 'OPS_PUBLIC',
    defaultValue: false,
    description:
      'true: /metrics and /status answer anyone who can reach the server (when the network in front of it keeps them private). Default: only the operator (token or signed-in operator account).',
    parse: boolean,
  },
  sessionTtlDays: {
    env: 'SESSION_TTL_DAYS',
    defaultValue: 30,
    description: 'Days a sign-in lasts before the account must sign in again.',
    parse: integer(1, 365),
  },
  smtpUrl: {
    env: 'SMTP_URL',
    defaultValue: undefined as string | undefined,
    defaultText: '(mail written to MAIL_DIR)',
    description:
      'SMTP server for outgoing mail, e.g. smtps://user:password@mail.example.com:465. Unset: each message is written as an .eml file to MAIL_DIR.',
    parse: optional(url(['smtp:', 'smtps:'])),
  },
  mailFrom: {
    env: 'MAIL_FROM',
    defaultValue: 'SmartCharge <no-reply@localhost>',
    description: 'Sender of outgoing mail.',
    parse: nonEmpty,
  },
  mailDir: {
    env: 'MAIL_DIR',
    defaultValue: undefined as string | undefined,
    defaultText: '(SMARTCHARGE_DATA_DIR/mail)',
    description: 'Folder outgoing mail is written to when SMTP_URL is unset.',
    parse: optional(nonEmpty),
  },
  paypalApiUrl: {
    env: 'PAYPAL_API_URL',
    defaultValue: 'https://api-m.sandbox.paypal.com',
    description: "PayPal's REST API: the sandbox by default; https://api-m.paypal.com to pay for real.",
    parse: url(['http:', 'https:']),
  },
  paypalClientId: {
    env: 'PAYPAL_CLIENT_ID',
    defaultValue: undefined as string | undefined,
    defaultText: '(PayPal payouts off)',
    description:
      'Client id of the PayPal REST app that pays rewards. With PAYPAL_CLIENT_SECRET, turns monthly PayPal payouts on.',
    parse: optional(nonEmpty),
  },
  paypalClientSecret: {
    env: 'PAYPAL_CLIENT_SECRET',
    defaultValue: undefined as string | undefined,
    defaultText: '(none)',
    description: 'Secret of that PayPal app. Never logged.',
    parse: optional(nonEmpty),
  },
  paypalResendAfterS: {
    env: 'PAYPAL_RESEND_AFTER_S',
    defaultValue: 900,
    description:
      'A PayPal batch sent without an answer we could read waits this many seconds before it is sent again under the same sender_batch_id.',
    parse: integer(1, 86_400),
  },
  roles: {
    env: 'ROLES',
    flag: 'roles',
    defaultValue: ROLES,
    defaultText: `${ROLES.join(',')} (all)`,
    description:
      'What this node does, comma-separated: `ingest` (device uplinks, HTTP and MQTT), `api` (the JSON API for people), `worker` (derivation from the queue, scheduled jobs), `web` (the web app). Every node answers `/healthz`, `/readyz`, `/metrics`, `/status`; routes of a role it lacks get 503 naming the role.',
    parse: roleList,
  },
  jobs: {
    env: 'JOBS',
    defaultValue: true,
    description:
      'Run scheduled work (rewards, payouts, reminders, clean-up) in this process. Several servers may all run it: each job runs on one at a time.',
    parse: boolean,
  },
  demo: {
    env: 'DEMO',
    defaultValue: true,
    defaultText: 'true (false when NODE_ENV=production)',
    description:
      'On an empty database, set up a demo: both seed programs, a driver and an administrator (credentials printed at start) and a simulated fleet with history that keeps driving live. `serve --no-demo` is the same as DEMO=false.',
    parse: boolean,
  },
  demoVehicles: {
    env: 'DEMO_VEHICLES',
    defaultValue: 12,
    description: 'How many simulated vehicles the demo fleet has.',
    parse: integer(1, 200),
  },
  demoDays: {
    env: 'DEMO_DAYS',
    defaultValue: 60,
    description: 'Days of history the demo fleet starts with (it fills in behind, with progress shown).',
    parse: integer(1, 365),
  },
  gridCacheS: {
    env: 'GRID_CACHE_S',
    defaultValue: 60,
    description:
      "How long a program's grid view, once computed, is served again to administrators (seconds; each view says when it was computed). 0: computed on every request.",
    parse: integer(0, 3600),
  },
  mapTileUrl: {
    env: 'MAP_TILE_URL',
    defaultValue: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
    description:
      'Map tiles for the web app ({z}/{x}/{y} template). "off": no tiles, the map draws the territory and charging places on a plain background (also what it falls back to when tiles do not load).',
    parse: nonEmpty,
  },
  ingestMaxFutureS: {
    env: 'INGEST_MAX_FUTURE_S',
    defaultValue: 600,
    description: 'Records timestamped further than this many seconds ahead of the server clock are refused.',
    parse: integer(0, 86_400),
  },
  ingestMaxAgeDays: {
    env: 'INGEST_MAX_AGE_DAYS',
    defaultValue: 400,
    description: 'Records older than this many days are refused (a device may buffer for long while out of coverage).',
    parse: integer(1, 3650),
  },
  ingestRateLimitPerMin: {
    env: 'INGEST_RATE_LIMIT_PER_MIN',
    defaultValue: 120,
    description:
      'Batches one device may send per minute (bursts up to the same number); more get 429 and a Retry-After.',
    parse: integer(1, 1_000_000),
  },
  ingestMaxPendingRecords: {
    env: 'INGEST_MAX_PENDING_RECORDS',
    defaultValue: 200_000,
    description: 'Records waiting for the database before new batches get 503 and a Retry-After (bounds memory).',
    parse: integer(1_000, 100_000_000),
  },
  ingestGroupMaxRecords: {
    env: 'INGEST_GROUP_MAX_RECORDS',
    defaultValue: 50_000,
    description: 'Most records written in one database transaction (batches arriving together are committed together).',
    parse: integer(1, 10_000_000),
  },
  deriveLive: {
    env: 'DERIVE_LIVE',
    defaultValue: true,
    description:
      'Derive trips, sessions, battery health and daily rollups from each batch as it is stored. false: only `smartcharge rebuild` derives.',
    parse: boolean,
  },
  deriveTripMaxGapS: {
    env: 'DERIVE_TRIP_MAX_GAP_S',
    defaultValue: 600,
    description:
      'Readings in drive further apart than this end one trip and start another (a parked car sends a reading every ten minutes).',
    parse: integer(10, 86_400),
  },
  deriveSessionMaxGapS: {
    env: 'DERIVE_SESSION_MAX_GAP_S',
    defaultValue: 86_400,
    description:
      'Plugged-in readings further apart than this make two charging sessions (so do readings between which the car moved).',
    parse: integer(60, 30 * 86_400),
  },
  deriveSampleMaxS: {
    env: 'DERIVE_SAMPLE_MAX_S',
    defaultValue: 5,
    description:
      'Longest interval between readings counted as measured while driving or charging; longer ones are gaps, their energy estimated.',
    parse: integer(1, 600),
  },
  deriveMinSessionWh: {
    env: 'DERIVE_MIN_SESSION_WH',
    defaultValue: 1000,
    description:
      'Wall energy a plug-in session needs to count as a charge event; smaller sessions are kept and marked.',
    parse: integer(0, 1_000_000),
  },
  deriveCapacityMinSocDelta: {
    env: 'DERIVE_CAPACITY_MIN_SOC_DELTA',
    defaultValue: 20,
    description:
      'Battery capacity is estimated from charging segments that raise the state of charge by at least this many points.',
    parse: decimal(5, 100),
  },
  deriveCapacityMaxSoc: {
    env: 'DERIVE_CAPACITY_MAX_SOC',
    defaultValue: 95,
    description:
      'Capacity estimates stop counting at this state of charge (the top of the pack is tapered and less certain).',
    parse: decimal(50, 100),
  },
  deriveCapacityTempMinC: {
    env: 'DERIVE_CAPACITY_TEMP_MIN_C',
    defaultValue: 5,
    description: 'Coldest mean pack temperature of a charging segment used for a capacity estimate (°C).',
    parse: decimal(-40, 60),
  },
  deriveCapacityTempMaxC: {
    env: 'DERIVE_CAPACITY_TEMP_MAX_C',
    defaultValue: 30,
    description: 'Warmest mean pack temperature of a charging segment used for a capacity estimate (°C).',
    parse: decimal(-40, 60),
  },
  deriveHealthWindowDays: {
    env: 'DERIVE_HEALTH_WINDOW_DAYS',
    defaultValue: 56,
    description:
      "Each week's battery health is the median of the estimates in this many days before it (up to four times longer when too few).",
    parse: integer(7, 730),
  },
  deriveHealthMinEstimates: {
    env: 'DERIVE_HEALTH_MIN_ESTIMATES',
    defaultValue: 3,
    description: 'Estimates a week needs in its window for a storage-capacity value.',
    parse: integer(1, 100),
  },
} as const satisfies Record<string, SettingSpec<unknown>>;

type Settings = typeof SETTINGS;
export type SettingName = keyof Settings;
export type Config = {
  -readonly [K in SettingName]: ReturnType<Settings[K]['parse']> | Settings[K]['defaultValue'];
} & {
  /**
   * PUBLIC_URL was set (flag or environment). Unset, links follow the server: mail uses the port it
   * actually bound (PORT=0 too), share links the address the driver reached it at.
   */
  publicUrlGiven?: boolean;
};

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Reads every setting from flags (which win) and the environment.
 * `flags` is keyed by setting name, values as typed on the command line.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  flags: Partial<Record<SettingName, string | number | boolean | undefined>> = {},
): Config {
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(SETTINGS) as [SettingName, SettingSpec<unknown>][]) {
    const flagValue = flags[name];
    const raw = flagValue === undefined ? env[spec.env] : String(flagValue);
    const source = flagValue !== undefined && spec.flag ? `--${spec.flag}` : spec.env;
    if (raw === undefined) {
      config[name] = spec.defaultValue;
      continue;
    }
    try {
      config[name] = spec.parse(raw);
    } catch (error) {
      if (!(error instanceof SettingError)) throw error;
      problems.push(`${source}=${JSON.stringify(raw)}: ${error.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const result = config as Config;
  result.dataDir = path.resolve(result.dataDir);
  if (result.mailDir !== undefined) result.mailDir = path.resolve(result.mailDir);
  // Links in mail and share links must reach this server: unset, PUBLIC_URL follows PORT (PORT=0
  // picks a port only at start: the server sets it then, see startServer).
  result.publicUrlGiven = flags.publicUrl !== undefined || env[SETTINGS.publicUrl.env] !== undefined;
  if (!result.publicUrlGiven && result.port > 0) result.publicUrl = `http://localhost:${result.port}`;
  if ((result.paypalClientId === undefined) !== (result.paypalClientSecret === undefined)) {
    throw new ConfigError(['PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET go together: set both, or neither.']);
  }
  if (result.natsUrl !== undefined && result.mqttUrl !== undefined) {
    throw new ConfigError([
      'NATS_URL and MQTT_URL both name a broker to take device uplinks from: set one (NATS_URL for a NATS JetStream cluster, MQTT_URL for Mosquitto).',
    ]);
  }
  if (result.databaseReadUrl !== undefined && result.databaseUrl === undefined) {
    throw new ConfigError([
      'DATABASE_READ_URL names a replica of a PostgreSQL primary: set DATABASE_URL to that primary too (the embedded database has no replicas).',
    ]);
  }
  return result;
}

/** A URL safe to print: the password, if any, replaced by ***. */
export function redactUrl(raw: string): string {
  try {
    const parsed = new URL(raw);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
