/**
 * A server killed between sending a PayPal batch and reading the answer pays it exactly once: a
 * real `smartcharge serve` process runs the PayPal job, the fake PayPal takes the batch and holds
 * the answer, the process is killed with SIGKILL, and a restarted process on the same data finds
 * the batch in flight (points still debited, reconciliation naming it), resolves it under the same
 * sender_batch_id and settles it; the next runs pay nothing again. On PGlite and on PostgreSQL.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, it } from 'vitest';
import { CLI_OPERATOR } from '../src/actor.js';
import type { Database } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { pgliteDir } from '../src/db/open.js';
import { openPGlite } from '../src/db/pglite.js';
import { openPostgres } from '../src/db/postgres.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';
import { PRESETS } from '../src/programs/index.js';
import { createServices, type Services } from '../src/services.js';
import { TEST_SETTINGS } from './support/builders.js';
import { createPostgresDatabase, describeEachKind } from './support/databases.js';
import { startFakePaypal, type FakePaypal } from './support/fake-paypal.js';
import { apiCaller } from './support/http.js';
import { startServerProcess, type ServerProcess } from './support/processes.js';
import { createOperator, enrollDriver, uniqueEmail, type Participant } from './support/program-fixtures.js';

const ADMIN_TOKEN = 'payout-kill-operator-token-0123456789';
const SLUG = 'alectra-kill';

interface Target {
  readonly env: Record<string, string>;
  open(): Promise<Database>;
  cleanup(): Promise<void>;
}

async function target(kind: 'pglite' | 'postgres'): Promise<Target> {
  const dir = await mkdtemp(path.join(tmpdir(), 'smartcharge-payout-kill-'));
  if (kind === 'pglite') {
    return {
      env: { SMARTCHARGE_DATA_DIR: dir },
      open: () => openPGlite(pgliteDir(dir)),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const created = await createPostgresDatabase();
  return {
    env: { DATABASE_URL: created.url, SMARTCHARGE_DATA_DIR: dir },
    open: () => openPostgres(created.url),
    async cleanup() {
      await created.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Services on the target's database while no server holds it. */
async function withServices<T>(t: Target, work: (services: Services, db: Database) => Promise<T>): Promise<T> {
  const db = await t.open();
  try {
    await migrate(db);
    const services = await createServices(db, TEST_SETTINGS, {
      log: createLogger('silent'),
      metrics: createMetrics({ defaultMetrics: false }),
    });
    return await work(services, db);
  } finally {
    await db.close();
  }
}

describeEachKind('a server killed mid-payout pays once', (kind) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('keeps the batch in flight across SIGKILL and settles it once after the restart', async () => {
    const paypal: FakePaypal = await startFakePaypal();
    cleanups.push(() => paypal.close());
    const t = await target(kind);
    cleanups.push(() => t.cleanup());
    const paypalEmail = uniqueEmail('paypal');
    const participant: Participant = await withServices(t, async (services) => {
      const operator = await createOperator(services);
      await services.programs.createProgram(CLI_OPERATOR, { ...PRESETS.alectra, slug: SLUG });
      const enrolled = await enrollDriver(services, SLUG, { paypalEmail });
      await services.rewards.adjust(operator, enrolled.enrollmentId, { points: 1500, reason: 'Rewards for testing' });
      return enrolled;
    });

    const env = {
      ...t.env,
      SMARTCHARGE_ADMIN_TOKEN: ADMIN_TOKEN,
      JOBS: 'true',
      LOG_LEVEL: 'warn',
      PAYPAL_API_URL: paypal.url,
      PAYPAL_CLIENT_ID: paypal.clientId,
      PAYPAL_CLIENT_SECRET: paypal.clientSecret,
      PAYPAL_RESEND_AFTER_S: '1',
    };
    let server: ServerProcess = await startServerProcess(env);
    cleanups.push(() => server.kill('SIGKILL'));
    const call = apiCaller(() => server.url);

    // PayPal takes the batch and holds its answer; the server is killed while it waits.
    paypal.spoilResponseAfterCommit(1, 'stall');
    const running = call('POST', '/jobs/paypal-payouts/run', ADMIN_TOKEN).catch(() => undefined);
    let answered: unknown;
    void running.then((answer) => (answered = answer));
    for (let i = 0; i < 300 && paypal.batches().length === 0 && answered === undefined; i++) await sleep(100);
    expect(paypal.batches(), JSON.stringify(answered)).toHaveLength(1);
    expect(await server.kill('SIGKILL')).toBeNull();
    await running;

    // Ten minutes later the dead process's job lease has expired; the job's own timer is set to
    // tomorrow, so that here it runs when the test asks.
    await withServices(t, async (_services, db) => {
      await db.query(
        `UPDATE job SET locked_until = now() - interval '1 second', next_run_at = now() + interval '1 day'
          WHERE name = 'paypal-payouts'`,
      );
    });
    server = await startServerProcess(env);
    const unknown = await call('GET', `/programs/${SLUG}/reconciliation`, ADMIN_TOKEN);
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({
      ok: false,
      totals: { items: 1, inFlightPoints: 1500, ledgerDebits: 1500, ledgerReversals: 0, paidPoints: 0 },
    });
    expect((unknown.body.problems as string[]).join('\n')).toMatch(/sent to PayPal at .*, outcome unknown/);

    // Past PAYPAL_RESEND_AFTER_S the job sends the same request again and PayPal answers with its batch.
    await sleep(1200);
    for (let i = 0; i < 3; i++) {
      const ran = await call('POST', '/jobs/paypal-payouts/run', ADMIN_TOKEN);
      // 'skipped' only if the server's timer runs the same job at that moment: it runs once either way.
      expect(['ok', 'skipped'], JSON.stringify(ran.body)).toContain(
        (ran.body.results as { status: string }[])[0]?.status,
      );
    }
    expect(paypal.batches()).toHaveLength(1);
    expect(paypal.paidCents(paypalEmail)).toBe(1500);
    const settled = await call('GET', `/programs/${SLUG}/reconciliation`, ADMIN_TOKEN);
    expect(settled.body).toMatchObject({
      ok: true,
      problems: [],
      totals: { items: 1, paidPoints: 1500, inFlightPoints: 0, ledgerDebits: 1500, ledgerReversals: 0 },
    });
    expect(await server.kill('SIGTERM')).toBe(0);

    const ledger = await withServices(t, (services) =>
      services.rewards.getLedger(participant.actor, participant.enrollmentId),
    );
    expect(ledger.balance).toBe(0);
    expect(ledger.entries.map((e) => `${e.kind}:${e.points}`).sort()).toEqual(['adjustment:1500', 'payout:-1500']);
  });
});
