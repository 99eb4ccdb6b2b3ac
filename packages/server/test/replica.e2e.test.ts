/**
 * Reading off the primary, end to end: a real PostgreSQL primary and streaming standby (started
 * here), the server with DATABASE_URL on the first and DATABASE_READ_URL on the second, people
 * over HTTP. The metrics say where each read ran; replay paused on the standby makes it stale on
 * purpose, so what each person sees shows which server answered.
 */
import { basicAuthorization, PROTOCOL_VERSION, UPLINK_HTTP_PATH } from '@smartcharge/protocol';
import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_OPERATOR } from '../src/actor.js';
import { READ_POSITION_COOKIE } from '../src/http/read-your-writes.js';
import {
  ADMIN_TOKEN,
  HOUR_MS,
  metricValue,
  provisionDevice,
  scrapeMetrics,
  startTestServer,
  storedRecords,
  uploadOverHttp,
  type TestServer,
} from './support/servers.js';
import { telemetryStream } from './support/telemetry-fixtures.js';
import { startPgReplicaPair, type PgReplicaPair } from './support/pg-replica.js';
import { freePort } from './support/processes.js';

const PASSWORD = 'replica-test-password-1';
const WAIT_MS = 20_000;

interface Answer<T> {
  readonly status: number;
  readonly body: T;
}

/** A person's client: a bearer token, and the read-your-writes cookie kept as a browser would. */
function personClient(server: () => TestServer, token: () => string) {
  let readAfter: string | undefined;
  return {
    get position() {
      return readAfter;
    },
    async call<T = Record<string, unknown>>(method: string, route: string, body?: unknown): Promise<Answer<T>> {
      const response = await fetch(`${server().url}/api/v1${route}`, {
        method,
        headers: {
          authorization: `Bearer ${token()}`,
          ...(readAfter ? { cookie: `${READ_POSITION_COOKIE}=${readAfter}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      for (const cookie of response.headers.getSetCookie()) {
        const match = new RegExp(`^${READ_POSITION_COOKIE}=([^;]+)`).exec(cookie);
        if (match?.[1]) readAfter = match[1];
      }
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
    },
  };
}

type Client = ReturnType<typeof personClient>;

async function reads(server: TestServer, labels: Record<string, string>): Promise<number> {
  return metricValue(await scrapeMetrics(server), 'smartcharge_db_reads_total', labels);
}

/** Runs `step` until the reads it causes include one on `target` (bounded); returns how many it took. */
async function untilServedBy(server: TestServer, target: 'replica' | 'primary', step: () => Promise<void>) {
  const deadline = Date.now() + WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    const before = await reads(server, { target });
    await step();
    if ((await reads(server, { target })) > before) return attempt;
    if (Date.now() > deadline) throw new Error(`no read served by the ${target} within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function signIn(server: TestServer, email: string): Promise<string> {
  const response = await fetch(`${server.url}/api/v1/auth/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  const body = (await response.json()) as { token?: string };
  if (!response.ok || !body.token) throw new Error(`sign-in of ${email} answered ${response.status}`);
  return body.token;
}

describe('reads off the primary (DATABASE_READ_URL, a streaming replica)', () => {
  let pair: PgReplicaPair | undefined;
  let current: TestServer | undefined;
  const server = () => {
    if (!current) throw new Error('the server is started in beforeAll');
    return current;
  };
  const tokens = new Map<string, string>();
  let alice: Client;
  let bob: Client;
  /** Two operator clients: one that changes things, one that only looks. */
  let writer: Client;
  let looker: Client;

  beforeAll(async () => {
    pair = await startPgReplicaPair();
    const { primaryUrl, standbyUrl } = await pair.createDatabase('smartcharge_replica_e2e');
    current = await startTestServer({
      database: 'pglite', // the data folder only: DATABASE_URL below puts the data on the primary
      mqtt: 'off',
      env: {
        DATABASE_URL: primaryUrl,
        // A password (trust authentication ignores it) that must not show in the metrics or on /status.
        DATABASE_READ_URL: standbyUrl.replace('postgres@', 'postgres:not-for-logs@'),
        DATABASE_READ_MAX_LAG_S: '600',
      },
    });
    for (const name of ['alice', 'bob']) {
      const email = `${name}@replica.example`;
      await current.services.accounts.createAccount(CLI_OPERATOR, { email, name, role: 'driver', password: PASSWORD });
      tokens.set(name, await signIn(current, email));
    }
    alice = personClient(server, () => tokens.get('alice') ?? '');
    bob = personClient(server, () => tokens.get('bob') ?? '');
    writer = personClient(server, () => ADMIN_TOKEN);
    looker = personClient(server, () => ADMIN_TOKEN);
    await pair.waitForReplay();
  }, 120_000);

  afterAll(async () => {
    await current?.stop();
    await pair?.cleanup();
  });

  it("serves a driver's reads from the replica", async () => {
    await untilServedBy(server(), 'replica', async () => {
      expect((await alice.call('GET', '/auth/me')).status).toBe(200);
    });
    const before = await reads(server(), { target: 'replica' });
    const me = await bob.call<{ name: string }>('GET', '/auth/me');
    expect(me.body.name).toBe('bob');
    expect(await reads(server(), { target: 'replica' })).toBeGreaterThan(before);
  });

  it('names the replica, password removed, in the metrics (as up) and on /status', async () => {
    const text = await scrapeMetrics(server());
    expect(metricValue(text, 'smartcharge_db_replica_up')).toBe(1);
    expect(text).toMatch(
      /smartcharge_db_replica_up\{url="postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/smartcharge_replica_e2e"\} 1/,
    );
    expect(metricValue(text, 'smartcharge_db_replica_lag_seconds')).toBeGreaterThanOrEqual(0);
    const status = await fetch(`${server().url}/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const page = await status.text();
    expect(page).toContain('reads from the replica at postgres://postgres:***@127.0.0.1:');
    expect(`${text}${page}`).not.toContain('not-for-logs');
  });

  it('shows a person their own change at once while the replica is behind, and others the replica', async () => {
    await pair!.pauseReplay();
    try {
      const ownBefore = await reads(server(), { target: 'primary', reason: 'own_write' });
      const before = (await alice.call<{ preferences: { distanceUnit: string } }>('GET', '/auth/me')).body;
      const unit = before.preferences.distanceUnit === 'mi' ? 'km' : 'mi';
      const changed = await alice.call('PATCH', '/auth/me/preferences', { distanceUnit: unit });
      expect(changed.status).toBe(200);
      expect(alice.position).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);

      const after = await alice.call<{ preferences: { distanceUnit: string } }>('GET', '/auth/me');
      expect(after.body.preferences.distanceUnit).toBe(unit);
      expect(await reads(server(), { target: 'primary', reason: 'own_write' })).toBeGreaterThan(ownBefore);

      // The operator who adds an account sees it; another operator's view comes from the paused replica.
      const made = await writer.call<{ id: number }>('POST', '/accounts', {
        email: 'carol@replica.example',
        name: 'carol',
        role: 'driver',
        password: PASSWORD,
      });
      expect(made.status).toBe(201);
      const names = async (client: Client) =>
        (await client.call<{ accounts: { name: string }[] }>('GET', '/accounts')).body.accounts.map((a) => a.name);
      expect(await names(writer)).toContain('carol');
      const replicaBefore = await reads(server(), { target: 'replica' });
      expect(await names(looker)).not.toContain('carol');
      expect(await reads(server(), { target: 'replica' })).toBeGreaterThan(replicaBefore);
      // The lag the metrics report grows while replay stands still.
      const deadline = Date.now() + WAIT_MS;
      while (!(metricValue(await scrapeMetrics(server()), 'smartcharge_db_replica_lag_seconds') > 0)) {
        if (Date.now() > deadline) throw new Error('the replica lag stayed at 0 with replay paused');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // Bob's own reads still come from the replica: Alice's change holds only Alice's reads to the primary.
      const bobBefore = await reads(server(), { target: 'replica' });
      expect((await bob.call('GET', '/auth/me')).status).toBe(200);
      expect(await reads(server(), { target: 'replica' })).toBeGreaterThan(bobBefore);
    } finally {
      await pair!.resumeReplay();
    }
    await pair!.waitForReplay();
    // Replayed: the looker sees Carol, and Alice's reads go back to the replica.
    await untilServedBy(server(), 'replica', async () => {
      const accounts = await looker.call<{ accounts: { name: string }[] }>('GET', '/accounts');
      expect(accounts.body.accounts.map((a) => a.name)).toContain('carol');
    });
    await untilServedBy(server(), 'replica', async () => {
      expect((await alice.call('GET', '/auth/me')).status).toBe(200);
    });
  });

  it('reads from the primary, without an error, while the standby is stopped, and from it again once back', async () => {
    const fallbacksBefore = metricValue(await scrapeMetrics(server()), 'smartcharge_db_replica_fallbacks_total');
    await pair!.standby.stop('fast');
    try {
      await untilServedBy(server(), 'primary', async () => {
        const me = await bob.call<{ name: string }>('GET', '/auth/me');
        expect(me.status).toBe(200);
        expect(me.body.name).toBe('bob');
      });
      for (let i = 0; i < 5; i++) expect((await looker.call('GET', '/accounts')).status).toBe(200);
      const text = await scrapeMetrics(server());
      expect(metricValue(text, 'smartcharge_db_replica_fallbacks_total')).toBe(fallbacksBefore + 1);
      expect(metricValue(text, 'smartcharge_db_replica_up')).toBe(0);
      // /healthz (public) says the replica is not in use, without naming where it is.
      const health = (await (await fetch(`${server().url}/healthz`)).json()) as { replica?: { state: string } };
      expect(health.replica?.state).not.toBe('streaming');
      expect(JSON.stringify(health)).not.toContain('127.0.0.1');
    } finally {
      await pair!.standby.start();
    }
    await pair!.waitForStreaming();
    await untilServedBy(server(), 'replica', async () => {
      expect((await bob.call('GET', '/auth/me')).status).toBe(200);
    });
    expect(metricValue(await scrapeMetrics(server()), 'smartcharge_db_replica_up')).toBe(1);
    const health = (await (await fetch(`${server().url}/healthz`)).json()) as { replica?: { state: string } };
    expect(health.replica?.state).toBe('streaming');
  });

  it('survives the standby being killed (SIGKILL) and restarted', async () => {
    await pair!.standby.kill();
    try {
      await untilServedBy(server(), 'primary', async () => {
        expect((await alice.call('GET', '/auth/me')).status).toBe(200);
      });
    } finally {
      await pair!.standby.start();
    }
    await pair!.waitForStreaming();
    await untilServedBy(server(), 'replica', async () => {
      expect((await alice.call('GET', '/auth/me')).status).toBe(200);
    });
  });

  it('runs writes on the primary (the standby would refuse them), and the writer reads them back', async () => {
    const changed = await bob.call('PATCH', '/auth/me/preferences', { temperatureUnit: 'F' });
    expect(changed.status).toBe(200);
    const me = await bob.call<{ preferences: { temperatureUnit: string } }>('GET', '/auth/me');
    expect(me.body.preferences.temperatureUnit).toBe('F');
  });

  it('keeps device uplinks and their derivation off the replica, and their answers free of read positions', async () => {
    const device = await provisionDevice(server());
    const records = telemetryStream({ startMs: Date.now() - 2 * HOUR_MS, driveSeconds: 300, chargeSeconds: 300 });
    const before = await reads(server(), {});
    const first = await fetch(`${server().url}${UPLINK_HTTP_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuthorization(device.credential) },
      body: JSON.stringify({
        v: PROTOCOL_VERSION,
        device: device.credential.serial,
        boot: 1,
        records: records.slice(0, 1),
      }),
    });
    expect(first.status).toBe(200);
    expect(first.headers.getSetCookie().join('; ')).not.toContain(READ_POSITION_COOKIE);
    await uploadOverHttp(server(), device.credential, records.slice(1));
    expect(await reads(server(), {})).toBe(before);
    expect(await storedRecords(server(), device.id)).toHaveLength(records.length);
  });
});

describe('a replica further behind than DATABASE_READ_MAX_LAG_S', () => {
  let pair: PgReplicaPair | undefined;
  let current: TestServer | undefined;

  beforeAll(async () => {
    pair = await startPgReplicaPair();
    const { primaryUrl, standbyUrl } = await pair.createDatabase('smartcharge_replica_lag');
    current = await startTestServer({
      database: 'pglite',
      mqtt: 'off',
      env: { DATABASE_URL: primaryUrl, DATABASE_READ_URL: standbyUrl, DATABASE_READ_MAX_LAG_S: '1' },
    });
    await pair.waitForReplay();
  }, 120_000);

  afterAll(async () => {
    await current?.stop();
    await pair?.cleanup();
  });

  it('sends reads to the primary while it lags, and back to it once it has caught up', async () => {
    const s = current!;
    const looker = personClient(
      () => s,
      () => ADMIN_TOKEN,
    );
    await untilServedBy(s, 'replica', async () => {
      expect((await looker.call('GET', '/accounts')).status).toBe(200);
    });
    await pair!.pauseReplay();
    try {
      // A change the replica cannot replay; once it is older than a second, the replica is too far behind.
      await s.services.accounts.createAccount(CLI_OPERATOR, {
        email: 'dave@replica.example',
        name: 'dave',
        role: 'driver',
        password: PASSWORD,
      });
      const deadline = Date.now() + WAIT_MS;
      while (metricValue(await scrapeMetrics(s), 'smartcharge_db_replica_up') !== 0) {
        if (Date.now() > deadline) throw new Error('the lagging replica was still used');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const before = await reads(s, { target: 'primary', reason: 'replica_unusable' });
      const accounts = await looker.call<{ accounts: { name: string }[] }>('GET', '/accounts');
      expect(accounts.body.accounts.map((a) => a.name)).toContain('dave');
      expect(await reads(s, { target: 'primary', reason: 'replica_unusable' })).toBeGreaterThan(before);
    } finally {
      await pair!.resumeReplay();
    }
    await untilServedBy(s, 'replica', async () => {
      expect((await looker.call('GET', '/accounts')).status).toBe(200);
    });
  });

  it('refuses to start when DATABASE_READ_URL is another database, naming the setting', async () => {
    const { primaryUrl } = await pair!.createDatabase('smartcharge_replica_other');
    await expect(
      startTestServer({
        database: 'pglite',
        mqtt: 'off',
        env: { DATABASE_URL: primaryUrl, DATABASE_READ_URL: pair!.standby.url('smartcharge_replica_lag') },
      }),
    ).rejects.toThrow(/DATABASE_READ_URL is not a replica of DATABASE_URL's database/);
  });

  it('starts with the replica unreachable, reading from the primary', async () => {
    const s = await startTestServer({
      database: 'pglite',
      mqtt: 'off',
      env: {
        DATABASE_URL: pair!.primary.url('smartcharge_replica_lag'),
        DATABASE_READ_URL: `postgres://postgres@127.0.0.1:${await freePort()}/smartcharge_replica_lag`,
      },
    });
    try {
      const looker = personClient(
        () => s,
        () => ADMIN_TOKEN,
      );
      expect((await looker.call('GET', '/accounts')).status).toBe(200);
      const text = await scrapeMetrics(s);
      expect(metricValue(text, 'smartcharge_db_reads_total', { target: 'primary', reason: 'replica_unusable' })).toBe(
        1,
      );
      expect(metricValue(text, 'smartcharge_db_replica_up')).toBe(0);
      // /healthz (public) says the replica is not in use, without naming where it is.
      const health = (await (await fetch(`${s.url}/healthz`)).json()) as { replica?: { state: string } };
      expect(health.replica?.state).not.toBe('streaming');
      expect(JSON.stringify(health)).not.toContain('127.0.0.1');
    } finally {
      await s.stop();
    }
  });

  it('starts, and reads from the primary, when the replica accepts connections and never answers', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const s = await startTestServer({
        database: 'pglite',
        mqtt: 'off',
        env: {
          DATABASE_URL: pair!.primary.url('smartcharge_replica_lag'),
          DATABASE_READ_URL: `postgres://postgres@127.0.0.1:${port}/smartcharge_replica_lag`,
        },
      });
      try {
        const looker = personClient(
          () => s,
          () => ADMIN_TOKEN,
        );
        expect((await looker.call('GET', '/accounts')).status).toBe(200);
        expect(await reads(s, { target: 'primary', reason: 'replica_unusable' })).toBeGreaterThan(0);
        expect(await reads(s, { target: 'replica' })).toBe(0);
      } finally {
        await s.stop();
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
