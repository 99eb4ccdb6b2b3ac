import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactUrl } from './config.js';

const TOKEN = 'a-very-long-operator-token-0123456789';

/** Runs loadConfig, which must throw a ConfigError, and returns its problems. */
function problemsOf(...args: Parameters<typeof loadConfig>): readonly string[] {
  try {
    loadConfig(...args);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  return expect.fail('expected a ConfigError');
}

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      trustProxy: false,
      dataDir: path.resolve(process.cwd(), 'data'),
      databaseUrl: undefined,
      databaseReadUrl: undefined,
      databaseReadMaxLagS: 10,
      mqttUrl: undefined,
      natsUrl: undefined,
      natsStreamReplicas: 1,
      mqttPort: 1883,
      mqttTrustBrokerAuth: false,
      mqttMaxPacketBytes: 4 * 1024 * 1024,
      mqttConnectTimeoutS: 10,
      mqttMaxPendingConnections: 256,
      mqttMaxPendingPerAddress: 32,
      logLevel: 'info',
      adminToken: undefined,
      publicUrl: 'http://localhost:8080',
      publicUrlGiven: false,
      opsPublic: false,
      sessionTtlDays: 30,
      smtpUrl: undefined,
      mailFrom: 'SmartCharge <no-reply@localhost>',
      mailDir: undefined,
      paypalApiUrl: 'https://api-m.sandbox.paypal.com',
      paypalClientId: undefined,
      paypalClientSecret: undefined,
      paypalResendAfterS: 900,
      roles: ['ingest', 'api', 'worker', 'web'],
      jobs: true,
      demo: true,
      demoVehicles: 12,
      demoDays: 60,
      gridCacheS: 60,
      mapTileUrl: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
      ingestMaxFutureS: 600,
      ingestMaxAgeDays: 400,
      ingestRateLimitPerMin: 120,
      ingestMaxPendingRecords: 200_000,
      ingestGroupMaxRecords: 50_000,
      deriveLive: true,
      deriveTripMaxGapS: 600,
      deriveSessionMaxGapS: 86_400,
      deriveSampleMaxS: 5,
      deriveMinSessionWh: 1000,
      deriveCapacityMinSocDelta: 20,
      deriveCapacityMaxSoc: 95,
      deriveCapacityTempMinC: 5,
      deriveCapacityTempMaxC: 30,
      deriveHealthWindowDays: 56,
      deriveHealthMinEstimates: 3,
    });
  });

  it('reads each setting from its environment variable', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '127.0.0.1',
      TRUST_PROXY: '127.0.0.1, 10.0.0.0/8',
      SMARTCHARGE_DATA_DIR: '/var/lib/smartcharge',
      DATABASE_URL: 'postgres://app:pw@db.internal:5432/smartcharge',
      DATABASE_READ_URL: 'postgres://app:pw@replica.internal:5432/smartcharge',
      DATABASE_READ_MAX_LAG_S: '30',
      MQTT_URL: 'mqtts://broker.internal:8883',
      NATS_STREAM_REPLICAS: '3',
      MQTT_PORT: '0',
      MQTT_TRUST_BROKER_AUTH: 'true',
      MQTT_MAX_PACKET_BYTES: '1048576',
      MQTT_CONNECT_TIMEOUT_S: '5',
      MQTT_MAX_PENDING_CONNECTIONS: '64',
      MQTT_MAX_PENDING_PER_ADDRESS: '8',
      LOG_LEVEL: 'debug',
      SMARTCHARGE_ADMIN_TOKEN: TOKEN,
      PUBLIC_URL: 'https://ev.example.com',
      OPS_PUBLIC: 'true',
      SESSION_TTL_DAYS: '7',
      SMTP_URL: 'smtps://mailer:pw@mail.example.com:465',
      MAIL_FROM: 'Rewards <rewards@example.com>',
      MAIL_DIR: '/var/mail/smartcharge',
      PAYPAL_API_URL: 'https://api-m.paypal.com',
      PAYPAL_CLIENT_ID: 'client',
      PAYPAL_CLIENT_SECRET: 'secret',
      PAYPAL_RESEND_AFTER_S: '60',
      ROLES: 'Worker, ingest',
      JOBS: 'false',
      DEMO: 'false',
      DEMO_VEHICLES: '3',
      DEMO_DAYS: '7',
      GRID_CACHE_S: '0',
      MAP_TILE_URL: 'off',
      INGEST_MAX_FUTURE_S: '30',
      INGEST_MAX_AGE_DAYS: '7',
      INGEST_RATE_LIMIT_PER_MIN: '10',
      INGEST_MAX_PENDING_RECORDS: '5000',
      INGEST_GROUP_MAX_RECORDS: '100',
      DERIVE_LIVE: 'false',
      DERIVE_TRIP_MAX_GAP_S: '300',
      DERIVE_SESSION_MAX_GAP_S: '3600',
      DERIVE_SAMPLE_MAX_S: '3',
      DERIVE_MIN_SESSION_WH: '500',
      DERIVE_CAPACITY_MIN_SOC_DELTA: '30',
      DERIVE_CAPACITY_MAX_SOC: '90',
      DERIVE_CAPACITY_TEMP_MIN_C: '-5',
      DERIVE_CAPACITY_TEMP_MAX_C: '35',
      DERIVE_HEALTH_WINDOW_DAYS: '28',
      DERIVE_HEALTH_MIN_ESTIMATES: '5',
    });
    expect(config).toEqual({
      port: 9000,
      host: '127.0.0.1',
      trustProxy: ['127.0.0.1', '10.0.0.0/8'],
      dataDir: '/var/lib/smartcharge',
      databaseUrl: 'postgres://app:pw@db.internal:5432/smartcharge',
      databaseReadUrl: 'postgres://app:pw@replica.internal:5432/smartcharge',
      databaseReadMaxLagS: 30,
      mqttUrl: 'mqtts://broker.internal:8883',
      natsUrl: undefined,
      natsStreamReplicas: 3,
      mqttPort: 0,
      mqttTrustBrokerAuth: true,
      mqttMaxPacketBytes: 1_048_576,
      mqttConnectTimeoutS: 5,
      mqttMaxPendingConnections: 64,
      mqttMaxPendingPerAddress: 8,
      logLevel: 'debug',
      adminToken: TOKEN,
      publicUrl: 'https://ev.example.com',
      publicUrlGiven: true,
      opsPublic: true,
      sessionTtlDays: 7,
      smtpUrl: 'smtps://mailer:pw@mail.example.com:465',
      mailFrom: 'Rewards <rewards@example.com>',
      mailDir: '/var/mail/smartcharge',
      paypalApiUrl: 'https://api-m.paypal.com',
      paypalClientId: 'client',
      paypalClientSecret: 'secret',
      paypalResendAfterS: 60,
      roles: ['ingest', 'worker'],
      jobs: false,
      demo: false,
      demoVehicles: 3,
      demoDays: 7,
      gridCacheS: 0,
      mapTileUrl: 'off',
      ingestMaxFutureS: 30,
      ingestMaxAgeDays: 7,
      ingestRateLimitPerMin: 10,
      ingestMaxPendingRecords: 5000,
      ingestGroupMaxRecords: 100,
      deriveLive: false,
      deriveTripMaxGapS: 300,
      deriveSessionMaxGapS: 3600,
      deriveSampleMaxS: 3,
      deriveMinSessionWh: 500,
      deriveCapacityMinSocDelta: 30,
      deriveCapacityMaxSoc: 90,
      deriveCapacityTempMinC: -5,
      deriveCapacityTempMaxC: 35,
      deriveHealthWindowDays: 28,
      deriveHealthMinEstimates: 5,
    });
  });

  it('points PUBLIC_URL at the port the server listens on when PUBLIC_URL is unset', () => {
    expect(loadConfig({ PORT: '9000' }).publicUrl).toBe('http://localhost:9000');
    expect(loadConfig({}, { port: 7000 }).publicUrl).toBe('http://localhost:7000');
    // Set, it wins whatever the port: a proxy in front may listen elsewhere.
    expect(loadConfig({ PORT: '9000', PUBLIC_URL: 'https://ev.example.com' }).publicUrl).toBe('https://ev.example.com');
    // PORT=0 (a port picked at start) is not known yet: the server sets it once bound.
    expect(loadConfig({ PORT: '0' })).toMatchObject({ publicUrl: 'http://localhost:8080', publicUrlGiven: false });
    expect(loadConfig({ PORT: '0', PUBLIC_URL: 'https://ev.example.com' }).publicUrlGiven).toBe(true);
  });

  it('reads roles in any order and case, once each, and names an unknown role with the valid ones', () => {
    expect(loadConfig({ ROLES: 'web,api,web' }).roles).toEqual(['api', 'web']);
    expect(loadConfig({}, { roles: 'ingest' }).roles).toEqual(['ingest']);
    expect(problemsOf({ ROLES: 'ingest,injest' })).toEqual([
      'ROLES="ingest,injest": unknown role "injest": the roles are ingest, api, worker, web (comma-separated, e.g. ingest,worker)',
    ]);
    expect(problemsOf({}, { roles: 'api,admin,db' })[0]).toMatch(
      /^--roles="api,admin,db": unknown roles "admin", "db"/,
    );
    expect(problemsOf({ ROLES: ' , ' })[0]).toMatch(/^ROLES=" , ": expected one or more of ingest, api, worker, web/);
  });

  it('takes a read replica only with its primary, as a PostgreSQL URL, and a lag bound in whole seconds', () => {
    expect(() => loadConfig({ DATABASE_READ_URL: 'postgres://replica/db' })).toThrow(
      /DATABASE_READ_URL names a replica of a PostgreSQL primary: set DATABASE_URL/,
    );
    expect(problemsOf({ DATABASE_URL: 'postgres://db/app', DATABASE_READ_URL: 'mysql://replica/app' })).toEqual([
      'DATABASE_READ_URL="mysql://replica/app": expected a URL starting with postgres:// or postgresql://',
    ]);
    expect(problemsOf({ DATABASE_READ_MAX_LAG_S: '0' })).toEqual([
      'DATABASE_READ_MAX_LAG_S="0": expected an integer from 1 to 3600',
    ]);
  });

  it('takes NATS_URL as nats:// URLs, comma-separated, never together with MQTT_URL', () => {
    const urls = 'nats://ingest:pw@n1.internal:4222, nats://n2.internal:4222';
    expect(loadConfig({ NATS_URL: urls }).natsUrl).toBe(urls);
    expect(problemsOf({ NATS_URL: 'mqtt://n1:1883' })).toEqual([
      'NATS_URL="mqtt://n1:1883": mqtt://n1:1883 should start with nats:// (or tls://)',
    ]);
    expect(problemsOf({ NATS_URL: 'nats://a:one@n1:4222,nats://a:two@n2:4222' })[0]).toMatch(
      /^NATS_URL=.*: the URLs carry different credentials/,
    );
    expect(problemsOf({ NATS_STREAM_REPLICAS: '0' })).toEqual([
      'NATS_STREAM_REPLICAS="0": expected an integer from 1 to 5',
    ]);
    expect(() => loadConfig({ NATS_URL: 'nats://n1:4222', MQTT_URL: 'mqtt://broker:1883' })).toThrow(
      /NATS_URL and MQTT_URL both name a broker/,
    );
  });

  it('refuses a PayPal client id without its secret, naming both', () => {
    expect(() => loadConfig({ PAYPAL_CLIENT_ID: 'client' })).toThrow(/PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET/);
  });

  it('trims values and reads log levels and booleans in any case', () => {
    const config = loadConfig({ PORT: ' 9000 ', LOG_LEVEL: ' WARN ', HOST: ' ::1 ' });
    expect([config.port, config.logLevel, config.host]).toEqual([9000, 'warn', '::1']);
    for (const [raw, value] of [
      ['1', true],
      ['YES', true],
      ['on', true],
      ['True', true],
      ['0', false],
      ['no', false],
      ['OFF', false],
      ['false', false],
    ] as const) {
      expect(loadConfig({ MQTT_TRUST_BROKER_AUTH: raw }).mqttTrustBrokerAuth, raw).toBe(value);
    }
  });

  it('lets command-line flags win over the environment', () => {
    const config = loadConfig(
      { PORT: '9000', LOG_LEVEL: 'debug', DATABASE_URL: 'postgres://env-host/db' },
      { port: 7000, logLevel: 'error', databaseUrl: 'postgresql://flag-host/db' },
    );
    expect(config.port).toBe(7000);
    expect(config.logLevel).toBe('error');
    expect(config.databaseUrl).toBe('postgresql://flag-host/db');
  });

  it('falls back to the environment for a flag left undefined', () => {
    expect(loadConfig({ PORT: '9000' }, { port: undefined }).port).toBe(9000);
  });

  it('names the flag, not the variable, when a flag value is wrong', () => {
    expect(problemsOf({ PORT: '9000' }, { port: 'abc', mqttPort: 70000 })).toEqual([
      '--port="abc": expected an integer from 0 to 65535',
      '--mqtt-port="70000": expected an integer from 0 to 65535',
    ]);
  });

  it('reports every invalid value at once, each naming its variable and what was expected', () => {
    const problems = problemsOf({
      PORT: 'abc',
      HOST: '   ',
      DATABASE_URL: 'mysql://db/app',
      MQTT_URL: 'not a url',
      MQTT_PORT: '65536',
      MQTT_TRUST_BROKER_AUTH: 'maybe',
      LOG_LEVEL: 'loud',
      SMARTCHARGE_ADMIN_TOKEN: 'short',
      INGEST_MAX_AGE_DAYS: '0',
      INGEST_RATE_LIMIT_PER_MIN: '1.5',
    });
    expect(problems).toEqual([
      'PORT="abc": expected an integer from 0 to 65535',
      'HOST="   ": expected a non-empty value',
      'DATABASE_URL="mysql://db/app": expected a URL starting with postgres:// or postgresql://',
      'MQTT_URL="not a url": expected a URL such as mqtt://host:port',
      'MQTT_PORT="65536": expected an integer from 0 to 65535',
      'MQTT_TRUST_BROKER_AUTH="maybe": expected true or false',
      `LOG_LEVEL="loud": expected one of fatal, error, warn, info, debug, trace, silent`,
      'SMARTCHARGE_ADMIN_TOKEN="short": expected at least 24 characters',
      'INGEST_MAX_AGE_DAYS="0": expected an integer from 1 to 3650',
      'INGEST_RATE_LIMIT_PER_MIN="1.5": expected an integer from 1 to 1000000',
    ]);
  });

  it('puts every problem in the error message, so the start-up failure says what to fix', () => {
    expect(() => loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' })).toThrow(
      'Invalid settings:\n  - PORT="abc": expected an integer from 0 to 65535\n  - LOG_LEVEL="loud": expected one of',
    );
  });

  it('trusts X-Forwarded-For only from the proxies named in TRUST_PROXY, or a number of hops', () => {
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '::1,fd00::/8' }).trustProxy).toEqual(['::1', 'fd00::/8']);
    // "true" would let any client choose the address it is throttled by.
    for (const raw of ['true', 'proxy.internal', '10.0.0.0/33', '11']) {
      expect(problemsOf({ TRUST_PROXY: raw })[0], raw).toMatch(
        /^TRUST_PROXY=".*": expected false, a number of proxies/,
      );
    }
  });

  it('refuses integers written any other way than plain digits', () => {
    for (const raw of ['', '8080.0', '1e3', '0x50', '80 80', '-1']) {
      expect(problemsOf({ PORT: raw }), raw).toEqual([
        `PORT=${JSON.stringify(raw)}: expected an integer from 0 to 65535`,
      ]);
    }
  });

  it('accepts only postgres:// or postgresql:// URLs for DATABASE_URL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).databaseUrl).toBe('postgres://u@h/db');
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@h:5433/db' }).databaseUrl).toBe('postgresql://u@h:5433/db');
    for (const raw of ['mysql://h/db', 'http://h/db', 'h:5432/db', 'db']) {
      expect(problemsOf({ DATABASE_URL: raw })[0], raw).toMatch(/^DATABASE_URL=/);
    }
  });

  it('treats an empty optional value as unset', () => {
    const config = loadConfig({ DATABASE_URL: '', MQTT_URL: '  ', SMARTCHARGE_ADMIN_TOKEN: '' });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.mqttUrl).toBeUndefined();
    expect(config.adminToken).toBeUndefined();
    expect(loadConfig({ MQTT_TRUST_BROKER_AUTH: '' }).mqttTrustBrokerAuth).toBe(false);
  });

  it('makes the data folder absolute, relative to the working directory', () => {
    const config = loadConfig({ SMARTCHARGE_DATA_DIR: 'var/smartcharge' });
    expect(path.isAbsolute(config.dataDir)).toBe(true);
    expect(config.dataDir).toBe(path.join(process.cwd(), 'var', 'smartcharge'));
    expect(loadConfig({}, { dataDir: '/srv/data/' }).dataDir).toBe('/srv/data');
  });
});

describe('redactUrl', () => {
  it('replaces the password with ***', () => {
    const redacted = redactUrl('postgres://app:s3cret-pw@db.internal:5432/smartcharge');
    expect(redacted).toBe('postgres://app:***@db.internal:5432/smartcharge');
    expect(redacted).not.toContain('s3cret');
    expect(redactUrl('mqtts://dev:hunter2@broker:8883')).not.toContain('hunter2');
  });

  it('leaves a URL without a password as it is', () => {
    expect(redactUrl('postgres://app@db.internal:5432/smartcharge')).toBe(
      'postgres://app@db.internal:5432/smartcharge',
    );
    expect(redactUrl('mqtt://broker:1883')).toBe('mqtt://broker:1883');
  });

  it('prints a placeholder, never the text, for something that is not a URL', () => {
    expect(redactUrl('postgres://app:s3cret@[db')).toBe('(unparseable URL)');
    expect(redactUrl('not a url')).toBe('(unparseable URL)');
  });
});
