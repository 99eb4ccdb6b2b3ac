/**
 * Scheduled work across nodes, with real processes on one PostgreSQL primary (and its streaming
 * standby, which API reads may use):
 *   - a job scheduled every second in three processes running the server's scheduler (the built
 *     one), one of them SIGKILLed in the middle of a run: no two runs of the job ever overlap,
 *     the dead process's run keeps the job until its lease expires, then another takes over;
 *   - two `smartcharge serve` workers asked at the same moment, again and again, to run the same
 *     job: it runs on one at a time, each run recorded once;
 *   - a payout whose worker is SIGKILLed while PayPal holds its answer: the surviving worker
 *     sends it again under the same sender_batch_id and settles it; PayPal pays once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_OPERATOR } from '../src/actor.js';
import type { Database } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';
import { PRESETS } from '../src/programs/index.js';
import { createServices, type Services } from '../src/services.js';
import { TEST_PASSWORD_COST, TEST_SETTINGS } from './support/builders.js';
import { startCluster, waitUntil, type Cluster, type ClusterNode } from './support/cluster.js';
import { startFakePaypal, type FakePaypal } from './support/fake-paypal.js';
import { apiCaller } from './support/http.js';
import { createOperator, enrollDriver, uniqueEmail } from './support/program-fixtures.js';

const ADMIN_TOKEN = 'cluster-jobs-operator-token-0123456789';
const SLUG = 'alectra-cluster-jobs';

interface RunRow {
  readonly id: number;
  readonly instance: string;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly status: string | null;
}

async function jobRuns(db: Database, job: string): Promise<RunRow[]> {
  const { rows } = await db.query<{
    id: string;
    instance: string;
    started_at: Date;
    finished_at: Date | null;
    status: string | null;
  }>('SELECT id, instance, started_at, finished_at, status FROM job_run WHERE job = $1 ORDER BY started_at, id', [job]);
  return rows.map((r) => ({
    id: Number(r.id),
    instance: r.instance,
    startedAt: r.started_at.getTime(),
    finishedAt: r.finished_at?.getTime() ?? null,
    status: r.status,
  }));
}

/** Pairs of runs of which the later started before the earlier one finished. */
function overlaps(runs: readonly RunRow[]): string[] {
  const found: string[] = [];
  for (let i = 1; i < runs.length; i++) {
    const before = runs[i - 1]!;
    const after = runs[i]!;
    if (before.finishedAt !== null && after.startedAt < before.finishedAt) {
      found.push(`run ${after.id} (${after.instance}) started inside run ${before.id} (${before.instance})`);
    }
  }
  return found;
}

// A process that runs the server's own (built) scheduler with one job due every second, each run
// taking 400 ms; a short lease, so that a dead holder's lease expires within the test.
const LEASE_MS = 1500;
const SCHEDULER_PROGRAM = `
const [instance, url] = process.argv.slice(1);
const { Scheduler } = await import(${JSON.stringify(pathToFileURL(fileURLToPath(new URL('../dist/jobs/index.js', import.meta.url))).href)});
const { openPostgres } = await import(${JSON.stringify(pathToFileURL(fileURLToPath(new URL('../dist/db/postgres.js', import.meta.url))).href)});
const { createLogger } = await import(${JSON.stringify(pathToFileURL(fileURLToPath(new URL('../dist/logger.js', import.meta.url))).href)});
const db = await openPostgres(url, { maxConnections: 3 });
const job = {
  name: 'every-second',
  schedule: { every: 1 },
  runImmediately: true,
  async run(ctx) {
    await new Promise((resolve) => setTimeout(resolve, 400));
    return { instance, aborted: ctx.signal.aborted };
  },
};
const scheduler = new Scheduler(db, [job], {
  instance,
  log: createLogger('warn'),
  leaseMs: ${LEASE_MS},
  renewEveryMs: 500,
  pollMs: 100,
  retryAfterFailureMs: 1000,
});
await scheduler.start();
process.stdout.write('ready\\n');
process.once('SIGTERM', async () => {
  await scheduler.stop();
  await db.close();
  process.exit(0);
});
`;

interface SchedulerProcess {
  readonly instance: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

async function startSchedulerProcess(instance: string, url: string): Promise<SchedulerProcess> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SCHEDULER_PROGRAM, instance, url], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitUntil(`scheduler process ${instance} ready`, () => {
    if (child.exitCode !== null) throw new Error(`scheduler process ${instance} exited:\n${output}`);
    return output.includes('ready');
  });
  return { instance, child, exited, output: () => output };
}

async function stopSchedulerProcess(p: SchedulerProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
  try {
    return await p.exited;
  } finally {
    clearTimeout(timer);
  }
}

describe('scheduled work across nodes', () => {
  let cluster: Cluster;
  let db: Database;
  let services: Services;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ natsNodes: 0, adminToken: ADMIN_TOKEN });
    cleanups.push(() => cluster.stop());
    db = await cluster.primary();
    services = await createServices(db, TEST_SETTINGS, {
      log: createLogger('silent'),
      metrics: createMetrics({ defaultMetrics: false }),
      passwordCost: TEST_PASSWORD_COST,
    });
  }, 120_000);
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }, 60_000);

  it('runs a job due every second on one process at a time, and hands it over when its holder dies', async () => {
    const processes: SchedulerProcess[] = [];
    cleanups.push(() => Promise.all(processes.map((p) => stopSchedulerProcess(p, 'SIGKILL'))));
    for (const instance of ['sched-a', 'sched-b', 'sched-c']) {
      processes.push(await startSchedulerProcess(instance, cluster.databaseUrl));
    }
    // Let the three compete for a few runs, then kill whichever is running the job at that moment.
    await waitUntil('three runs of the job', async () => (await jobRuns(db, 'every-second')).length >= 3, {
      timeoutMs: 30_000,
    });
    let holder: string | undefined;
    await waitUntil(
      'a run in progress',
      async () => {
        const { rows } = await db.query<{ locked_by: string | null; running: boolean }>(
          `SELECT locked_by, locked_until > now() AS running FROM job WHERE name = 'every-second'`,
        );
        if (rows[0]?.running && rows[0].locked_by) holder = rows[0].locked_by;
        return holder !== undefined;
      },
      { timeoutMs: 30_000, everyMs: 20 },
    );
    const victim = processes.find((p) => p.instance === holder)!;
    expect(await stopSchedulerProcess(victim, 'SIGKILL')).toBeNull();
    const killedAt = Date.now();

    // The survivors carry on once the dead holder's lease has expired.
    await waitUntil(
      'three more runs after the kill',
      async () => (await jobRuns(db, 'every-second')).filter((r) => r.startedAt > killedAt).length >= 3,
      { timeoutMs: 30_000 },
    );
    for (const p of processes.filter((p) => p !== victim)) expect(await stopSchedulerProcess(p, 'SIGTERM')).toBe(0);

    const runs = await jobRuns(db, 'every-second');
    expect(overlaps(runs), JSON.stringify(runs)).toEqual([]);
    // The one run never finished is the victim's; the next run waited at least for its first lease.
    const unfinished = runs.filter((r) => r.finishedAt === null);
    expect(unfinished.map((r) => r.instance)).toEqual([victim.instance]);
    const afterDead = runs[runs.indexOf(unfinished[0]!) + 1]!;
    expect(afterDead.instance).not.toBe(victim.instance);
    expect(afterDead.startedAt - unfinished[0]!.startedAt).toBeGreaterThanOrEqual(LEASE_MS);
    expect(runs.filter((r) => r.finishedAt !== null).every((r) => r.status === 'ok')).toBe(true);
    // Work spread: more than one process ran the job.
    expect(new Set(runs.map((r) => r.instance)).size).toBeGreaterThan(1);
  }, 120_000);

  it('runs a job asked of two workers at once on one of them at a time', async () => {
    const workers: ClusterNode[] = [
      await cluster.addNode({ name: 'worker-a', roles: ['worker', 'api'] }),
      await cluster.addNode({ name: 'worker-b', roles: ['worker', 'api'] }),
    ];
    const before = (await jobRuns(db, 'rewards')).length;
    let ran = 0;
    for (let round = 0; round < 15; round++) {
      const answers = await Promise.all(
        workers.map((worker) => apiCaller(() => worker.url)('POST', '/jobs/rewards/run', ADMIN_TOKEN)),
      );
      for (const answer of answers) {
        expect(answer.status, answer.text).toBe(200);
        const results = answer.body.results as { status: string }[];
        // [] when the other worker had already run it and it was no longer due.
        for (const result of results) {
          expect(['ok', 'skipped']).toContain(result.status);
          if (result.status === 'ok') ran++;
        }
      }
    }
    expect(ran).toBeGreaterThanOrEqual(15);
    // Each run the workers answered 'ok' for is one row (the timers may have added their own).
    const runs = await jobRuns(db, 'rewards');
    expect(runs.length - before).toBeGreaterThanOrEqual(ran);
    expect(overlaps(runs), JSON.stringify(runs)).toEqual([]);
    expect(runs.every((r) => r.status === 'ok')).toBe(true);
    for (const worker of workers) expect(await worker.kill('SIGTERM')).toBe(0);
  }, 180_000);

  it('pays once when the worker sending a payout dies before PayPal answers: the other worker settles it', async () => {
    const paypal: FakePaypal = await startFakePaypal();
    cleanups.push(() => paypal.close());
    const paypalEmail = uniqueEmail('paypal');
    const operator = await createOperator(services);
    await services.programs.createProgram(CLI_OPERATOR, { ...PRESETS.alectra, slug: SLUG });
    const participant = await enrollDriver(services, SLUG, { paypalEmail });
    await services.rewards.adjust(operator, participant.enrollmentId, { points: 1500, reason: 'Rewards for testing' });

    const env = {
      PAYPAL_API_URL: paypal.url,
      PAYPAL_CLIENT_ID: paypal.clientId,
      PAYPAL_CLIENT_SECRET: paypal.clientSecret,
      PAYPAL_RESEND_AFTER_S: '1',
    };
    const first = await cluster.addNode({ name: 'payer-1', roles: ['worker', 'api'], env });
    const second = await cluster.addNode({ name: 'payer-2', roles: ['worker', 'api'], env });
    // Their timers leave the job alone: it runs when the test asks.
    await db.query(`UPDATE job SET next_run_at = now() + interval '1 day' WHERE name = 'paypal-payouts'`);

    // PayPal takes the batch and holds its answer; the first worker is killed while it waits.
    paypal.spoilResponseAfterCommit(1, 'stall');
    const running = apiCaller(() => first.url)('POST', '/jobs/paypal-payouts/run', ADMIN_TOKEN).catch(() => undefined);
    await waitUntil('PayPal holding the batch', () => paypal.batches().length > 0, { timeoutMs: 30_000 });
    expect(await first.kill('SIGKILL')).toBeNull();
    await running;
    const sent = paypal.batches()[0]!;
    const { rows } = await db.query<{ sender_batch_id: string }>('SELECT sender_batch_id FROM payout_batch');
    expect(rows.map((r) => r.sender_batch_id)).toEqual([sent.senderBatchId]);

    // The dead worker's lease, ten minutes long, has run out (as it would after ten minutes).
    await db.query(`UPDATE job SET locked_until = now() - interval '1 second' WHERE name = 'paypal-payouts'`);
    await sleep(1200); // past PAYPAL_RESEND_AFTER_S
    const call = apiCaller(() => second.url);
    for (let i = 0; i < 3; i++) {
      const ran = await call('POST', '/jobs/paypal-payouts/run', ADMIN_TOKEN);
      expect(ran.status, ran.text).toBe(200);
      expect(['ok', 'skipped'], JSON.stringify(ran.body)).toContain(
        (ran.body.results as { status: string }[])[0]?.status,
      );
    }
    // Sent again under the same sender_batch_id, PayPal answered with its one batch: paid once.
    expect(paypal.batches().map((b) => b.senderBatchId)).toEqual([sent.senderBatchId]);
    expect(paypal.paidCents(paypalEmail)).toBe(1500);
    // Read where people read (the API may read from the standby): settled there too, soon.
    let settled = await call('GET', `/programs/${SLUG}/reconciliation`, ADMIN_TOKEN);
    await waitUntil('the reconciliation settled', async () => {
      settled = await call('GET', `/programs/${SLUG}/reconciliation`, ADMIN_TOKEN);
      return settled.body.ok === true;
    });
    expect(settled.body).toMatchObject({
      ok: true,
      problems: [],
      totals: { items: 1, paidPoints: 1500, inFlightPoints: 0, ledgerDebits: 1500, ledgerReversals: 0 },
    });
    const runs = await jobRuns(db, 'paypal-payouts');
    expect(overlaps(runs)).toEqual([]);
    // The dead worker's run never finished; the survivor's did.
    expect(runs.filter((r) => r.finishedAt === null)).toHaveLength(1);

    const ledger = await services.rewards.getLedger(participant.actor, participant.enrollmentId);
    expect(ledger.balance).toBe(0);
    expect(ledger.entries.map((e) => `${e.kind}:${e.points}`).sort()).toEqual(['adjustment:1500', 'payout:-1500']);
    expect(await second.kill('SIGTERM')).toBe(0);
  }, 180_000);
});
