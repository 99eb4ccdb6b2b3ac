/**
 * The job scheduler on PGlite and on PostgreSQL, with an injected clock the tests move: due and
 * not-due jobs, restarts, several schedulers racing for the same jobs (on PostgreSQL through
 * separate connection pools), leases taken over after a crash and kept by renewal, failures and
 * retries, catching up after an outage, trigger, history, and start/stop.
 */
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { openPostgres } from '../src/db/postgres.js';
import { claimJob, findJob, type JobRow } from '../src/jobs/job.repository.js';
import { Scheduler, type JobDefinition, type SchedulerOptions } from '../src/jobs/index.js';
import { createLogger, type Logger } from '../src/logger.js';
import { caught } from './support/app-errors.js';
import { describeEachDatabase } from './support/databases.js';

const T0 = Date.parse('2026-03-07T12:00:00.000Z');
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const TORONTO = 'America/Toronto';

/** A clock that stands still until the test moves it. */
function testClock(startMs = T0): { clock: () => Date; advance(ms: number): void; nowMs(): number } {
  let nowMs = startMs;
  return {
    clock: () => new Date(nowMs),
    advance(ms) {
      nowMs += ms;
    },
    nowMs: () => nowMs,
  };
}

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A logger whose JSON lines are kept for assertions. */
function capturingLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  return { log: createLogger('info', stream), lines };
}

const ERROR_LEVEL = 50;
const INFO_LEVEL = 30;

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Polls until `condition` holds, for at most ~5 s of real time. */
async function waitFor(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    if (await condition()) return;
    await sleep(10);
  }
  throw new Error(`gave up waiting for ${what}`);
}

let nameCounter = 0;
/** Job names unique within the suite's database, which every test shares. */
function uniqueJobName(role: string): string {
  nameCounter += 1;
  return `${role}-${nameCounter}`;
}

/** A job that counts its runs and returns the count as its summary. */
function countingJob(name: string, schedule: JobDefinition['schedule'], runImmediately = false) {
  const calls: Date[] = [];
  const job: JobDefinition = {
    name,
    schedule,
    runImmediately,
    async run(ctx) {
      calls.push(ctx.now);
      return { run: calls.length };
    },
  };
  return { job, calls };
}

async function getJobRow(db: Database, name: string): Promise<JobRow> {
  const row = await findJob(db, name);
  if (!row) throw new Error(`no job row named ${name}`);
  return row;
}

describeEachDatabase('scheduler', (setup) => {
  function newScheduler(
    jobs: readonly JobDefinition[],
    options: Partial<SchedulerOptions> & { clock: () => Date },
    db: Database = setup().db,
  ): Scheduler {
    return new Scheduler(db, jobs, { instance: 'test-a', log: createLogger('silent'), ...options });
  }

  it('runs a due job once and schedules it for its next local slot', async () => {
    const time = testClock();
    const name = uniqueJobName('nightly');
    const { job, calls } = countingJob(name, { daily: { hour: 3 }, timeZone: TORONTO }, true);
    const scheduler = newScheduler([job], { clock: time.clock });

    expect(await scheduler.runDue()).toEqual([{ name, status: 'ok', summary: { run: 1 } }]);
    expect(calls.map((at) => at.getTime())).toEqual([T0]);
    const [status] = await scheduler.list();
    expect(status).toMatchObject({
      name,
      nextRunAt: new Date('2026-03-08T07:00:00.000Z'), // 03:00 EDT, the morning clocks spring forward
      lastStartedAt: new Date(T0),
      lastFinishedAt: new Date(T0),
      lastStatus: 'ok',
      lastError: null,
      runs: 1,
      lockedBy: null,
      running: false,
    });

    time.advance(HOUR_MS);
    expect(await scheduler.runDue()).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it('does not run a job before its first scheduled time, and runs it at that time', async () => {
    const time = testClock();
    const name = uniqueJobName('monthly-rewards');
    const { job, calls } = countingJob(name, { monthly: { day: 1, hour: 0 }, timeZone: TORONTO });
    const scheduler = newScheduler([job], { clock: time.clock });

    expect(await scheduler.runDue()).toEqual([]);
    const firstSlotMs = Date.parse('2026-04-01T04:00:00.000Z');
    expect((await getJobRow(setup().db, name)).nextRunAt.getTime()).toBe(firstSlotMs);

    time.advance(firstSlotMs - T0 - 1);
    expect(await scheduler.runDue()).toEqual([]);
    time.advance(1);
    expect(await scheduler.runDue()).toMatchObject([{ name, status: 'ok' }]);
    expect(calls).toHaveLength(1);
    expect((await getJobRow(setup().db, name)).nextRunAt).toEqual(new Date('2026-05-01T04:00:00.000Z'));
  });

  it('keeps next_run_at across a restart and does not run the job again', async () => {
    const time = testClock();
    const name = uniqueJobName('reminders');
    const first = countingJob(name, { every: 3600 }, true);
    expect(await newScheduler([first.job], { clock: time.clock }).runDue()).toHaveLength(1);
    const before = await getJobRow(setup().db, name);

    time.advance(10 * MINUTE_MS);
    const second = countingJob(name, { every: 3600 }, true);
    const restarted = newScheduler([second.job], { clock: time.clock, instance: 'test-b', pollMs: 60_000 });
    await restarted.start();
    expect(await restarted.runDue()).toEqual([]);
    await restarted.stop();

    expect(second.calls).toHaveLength(0);
    const after = await getJobRow(setup().db, name);
    expect(after.nextRunAt).toEqual(before.nextRunAt);
    expect(after.nextRunAt).toEqual(new Date(T0 + HOUR_MS));
    expect(after.runs).toBe(1);
  });

  describe('several schedulers on one database', () => {
    let other: Database;
    let ownConnection = false;
    beforeAll(async () => {
      const { url, db } = setup();
      // Separate pools on PostgreSQL, so the race is between real connections; PGlite has one.
      ownConnection = url !== undefined;
      other = url === undefined ? db : await openPostgres(url, { maxConnections: 4 });
    });
    afterAll(async () => {
      if (ownConnection) await other.close();
    });

    it('runs each due run exactly once when two schedulers race for many rounds', async () => {
      const time = testClock();
      const names = [uniqueJobName('race'), uniqueJobName('race'), uniqueJobName('race')];
      const runsByJob = new Map(names.map((name) => [name, 0]));
      const jobs: JobDefinition[] = names.map((name) => ({
        name,
        schedule: { every: 60 },
        runImmediately: true,
        async run() {
          runsByJob.set(name, runsByJob.get(name)! + 1);
          // Yield to real I/O so the other scheduler's claim lands while this run holds the lease.
          await sleep(1);
        },
      }));
      const a = newScheduler(jobs, { clock: time.clock, instance: 'proc-a' });
      const b = newScheduler(jobs, { clock: time.clock, instance: 'proc-b' }, other);

      const rounds = 25;
      for (let round = 1; round <= rounds; round += 1) {
        const [fromA, fromB] = await Promise.all([a.runDue(), b.runDue()]);
        const ok = [...fromA, ...fromB].filter((result) => result.status === 'ok').map((result) => result.name);
        expect(ok.sort(), `round ${round}`).toEqual([...names].sort());
        for (const name of names) expect(runsByJob.get(name), `${name} after round ${round}`).toBe(round);
        time.advance(60_000);
      }
      for (const name of names) {
        expect((await getJobRow(setup().db, name)).runs).toBe(rounds);
        expect(await a.history(name, 1000)).toHaveLength(rounds);
      }
    });

    it('takes over a job whose holder crashed once its lease expires', async () => {
      const time = testClock();
      const name = uniqueJobName('payouts');
      const { job, calls } = countingJob(name, { every: 3600 }, true);
      const scheduler = newScheduler([job], { clock: time.clock, leaseMs: 10 * MINUTE_MS });
      // Register, then let a process that will never come back take the lease.
      expect(await scheduler.list()).toHaveLength(1);
      const crashed = await claimJob(other, {
        name,
        lockedBy: 'crashed-process',
        now: time.clock(),
        lockedUntil: new Date(T0 + 10 * MINUTE_MS),
      });
      expect(crashed?.lockedBy).toBe('crashed-process');
      expect((await scheduler.list())[0]).toMatchObject({ running: true, lockedBy: 'crashed-process' });

      time.advance(10 * MINUTE_MS);
      expect(await scheduler.runDue()).toEqual([{ name, status: 'skipped' }]);
      expect(calls).toHaveLength(0);

      time.advance(1);
      expect(await scheduler.runDue()).toMatchObject([{ name, status: 'ok' }]);
      expect(calls).toHaveLength(1);
      const row = await getJobRow(setup().db, name);
      expect(row).toMatchObject({ lockedBy: null, lockedUntil: null, lastStatus: 'ok', runs: 1 });
      expect(row.nextRunAt).toEqual(new Date(T0 + 10 * MINUTE_MS + 1 + HOUR_MS));
    });

    it('renews the lease of a long job so that another scheduler cannot take it', async () => {
      const time = testClock();
      const name = uniqueJobName('long-report');
      const release = deferred();
      const entered = deferred();
      let signalAborted: boolean | undefined;
      let runsOnA = 0;
      const longJob: JobDefinition = {
        name,
        schedule: { every: 3600 },
        runImmediately: true,
        async run(ctx) {
          runsOnA += 1;
          entered.resolve();
          await release.promise;
          signalAborted = ctx.signal.aborted;
          return { rows: 1 };
        },
      };
      const b = countingJob(name, { every: 3600 }, true);
      const leaseMs = 10 * MINUTE_MS;
      const a = newScheduler([longJob], { clock: time.clock, instance: 'proc-a', leaseMs, renewEveryMs: 10 });
      const thief = newScheduler([b.job], { clock: time.clock, instance: 'proc-b', leaseMs }, other);

      const passOnA = a.runDue();
      try {
        await entered.promise;
        time.advance(3 * leaseMs);
        await waitFor('a renewal past the advanced clock', async () => {
          const row = await getJobRow(setup().db, name);
          return row.lockedUntil !== null && row.lockedUntil.getTime() > time.nowMs();
        });
        expect(await thief.runDue()).toEqual([{ name, status: 'skipped' }]);
        expect((await thief.list())[0]).toMatchObject({ running: true, lockedBy: 'proc-a' });
      } finally {
        release.resolve();
      }
      expect(await passOnA).toEqual([{ name, status: 'ok', summary: { rows: 1 } }]);
      expect(b.calls).toHaveLength(0);
      expect(runsOnA).toBe(1);
      expect(signalAborted).toBe(false);
      expect(await getJobRow(setup().db, name)).toMatchObject({ lockedBy: null, runs: 1, lastStatus: 'ok' });
    });

    it('does not let a holder that lost its lease overwrite the new holder’s record', async () => {
      const time = testClock();
      const name = uniqueJobName('stalled');
      const release = deferred();
      const entered = deferred();
      const stalled: JobDefinition = {
        name,
        schedule: { every: 3600 },
        runImmediately: true,
        async run() {
          entered.resolve();
          await release.promise; // a process paused longer than its lease, never renewing
        },
      };
      const b = countingJob(name, { every: 3600 }, true);
      const captured = capturingLogger();
      const a = newScheduler([stalled], {
        clock: time.clock,
        instance: 'proc-a',
        leaseMs: MINUTE_MS,
        renewEveryMs: MINUTE_MS - 1, // real milliseconds: no renewal within the test
        log: captured.log,
      });
      const taker = newScheduler([b.job], { clock: time.clock, instance: 'proc-b', leaseMs: MINUTE_MS }, other);

      const passOnA = a.runDue();
      try {
        await entered.promise;
        time.advance(MINUTE_MS + 1);
        expect(await taker.runDue()).toMatchObject([{ name, status: 'ok' }]);
      } finally {
        release.resolve();
      }
      await passOnA;
      const row = await getJobRow(setup().db, name);
      expect(row).toMatchObject({ runs: 1, lockedBy: null, lastStatus: 'ok' });
      expect(row.nextRunAt).toEqual(new Date(T0 + MINUTE_MS + 1 + HOUR_MS));
      expect(captured.lines.some((line) => line.level === ERROR_LEVEL && line.msg.includes('taken over'))).toBe(true);
      const history = await a.history(name);
      expect(history.map((run) => run.instance).sort()).toEqual(['proc-a', 'proc-b']);
    });
  });

  it('records a failure without its stack, retries after the delay, and still runs the other jobs', async () => {
    const time = testClock();
    const failingName = uniqueJobName('flaky-payouts');
    const fineName = uniqueJobName('reminders');
    let attempts = 0;
    const flaky: JobDefinition = {
      name: failingName,
      schedule: { every: 3600 },
      runImmediately: true,
      async run() {
        attempts += 1;
        if (attempts === 1) throw new Error('payout provider answered 503');
        return { paid: 2 };
      },
    };
    const fine = countingJob(fineName, { every: 3600 }, true);
    const captured = capturingLogger();
    const retryMs = 5 * MINUTE_MS;
    const scheduler = newScheduler([flaky, fine.job], {
      clock: time.clock,
      retryAfterFailureMs: retryMs,
      log: captured.log,
    });

    const results = await scheduler.runDue();
    expect(results).toContainEqual({ name: failingName, status: 'failed', error: 'payout provider answered 503' });
    expect(results).toContainEqual({ name: fineName, status: 'ok', summary: { run: 1 } });
    const failed = await getJobRow(setup().db, failingName);
    expect(failed).toMatchObject({ lastStatus: 'failed', lastError: 'payout provider answered 503', lockedBy: null });
    expect(failed.nextRunAt).toEqual(new Date(T0 + retryMs));
    const [failedRun] = await scheduler.history(failingName);
    expect(failedRun).toMatchObject({ status: 'failed', error: 'payout provider answered 503', summary: null });

    const errorLines = captured.lines.filter((line) => line.level === ERROR_LEVEL && line['job'] === failingName);
    expect(errorLines.length).toBeGreaterThan(0);
    const finished = captured.lines.find((line) => line.msg === 'job finished' && line['job'] === fineName);
    expect(finished?.level).toBe(INFO_LEVEL);
    expect(typeof finished?.['durationMs']).toBe('number');

    time.advance(retryMs - 1);
    expect(await scheduler.runDue()).toEqual([]);
    time.advance(1);
    expect(await scheduler.runDue()).toEqual([{ name: failingName, status: 'ok', summary: { paid: 2 } }]);
    const recovered = await getJobRow(setup().db, failingName);
    expect(recovered).toMatchObject({ lastStatus: 'ok', lastError: null, runs: 2 });
    expect(recovered.nextRunAt).toEqual(new Date(T0 + retryMs + HOUR_MS));
  });

  it('retries a failure no later than the next scheduled run', async () => {
    const time = testClock();
    const name = uniqueJobName('frequent');
    const job: JobDefinition = {
      name,
      schedule: { every: 60 },
      runImmediately: true,
      async run() {
        throw new Error('nope');
      },
    };
    const scheduler = newScheduler([job], { clock: time.clock, retryAfterFailureMs: 5 * MINUTE_MS });
    expect(await scheduler.runDue()).toMatchObject([{ status: 'failed' }]);
    expect((await getJobRow(setup().db, name)).nextRunAt).toEqual(new Date(T0 + 60_000));
  });

  it('fails a run whose summary is not JSON', async () => {
    const time = testClock();
    const name = uniqueJobName('bigint');
    const job: JobDefinition = {
      name,
      schedule: { every: 3600 },
      runImmediately: true,
      async run() {
        return { total: 1n };
      },
    };
    const scheduler = newScheduler([job], { clock: time.clock });
    expect(await scheduler.runDue()).toMatchObject([{ name, status: 'failed' }]);
    expect((await getJobRow(setup().db, name)).lastStatus).toBe('failed');
  });

  it('catches up after an outage with a single run, not one per missed slot', async () => {
    const time = testClock();
    const name = uniqueJobName('daily-digest');
    const { job, calls } = countingJob(name, { daily: { hour: 9 }, timeZone: TORONTO }, true);
    const scheduler = newScheduler([job], { clock: time.clock });
    await scheduler.runDue();

    time.advance(5 * DAY_MS); // the servers were down for five days: 2026-03-12T12:00Z, 08:00 EDT
    expect(await scheduler.runDue()).toHaveLength(1);
    expect(await scheduler.runDue()).toEqual([]);
    expect(calls).toHaveLength(2);
    expect((await getJobRow(setup().db, name)).nextRunAt).toEqual(new Date('2026-03-12T13:00:00.000Z'));
  });

  it('trigger makes a job due now, and names the known jobs when the name is wrong', async () => {
    const time = testClock();
    const name = uniqueJobName('payout-batch');
    const { job, calls } = countingJob(name, { monthly: { day: 15, hour: 6 }, timeZone: TORONTO });
    const scheduler = newScheduler([job], { clock: time.clock });
    expect(await scheduler.runDue()).toEqual([]);

    await scheduler.trigger(name);
    expect((await scheduler.list())[0]?.nextRunAt).toEqual(new Date(T0));
    expect(await scheduler.runDue()).toMatchObject([{ name, status: 'ok' }]);
    expect(calls).toHaveLength(1);
    expect((await getJobRow(setup().db, name)).nextRunAt).toEqual(new Date('2026-03-15T10:00:00.000Z'));

    const error = await caught(scheduler.trigger('no-such-job'));
    expect(error.code).toBe('not_found');
    expect(error.message).toContain('no-such-job');
    expect(error.message).toContain(name);
    expect((await caught(scheduler.history('no-such-job'))).code).toBe('not_found');
  });

  it('runNow runs the one job asked for, leaves other due jobs alone, and skips one another process holds', async () => {
    const time = testClock();
    const asked = countingJob(uniqueJobName('asked'), { daily: { hour: 6 }, timeZone: TORONTO });
    const other = countingJob(uniqueJobName('other'), { every: 3600 }, true);
    const scheduler = newScheduler([asked.job, other.job], { clock: time.clock });

    expect(await scheduler.runNow(asked.job.name)).toEqual({ name: asked.job.name, status: 'ok', summary: { run: 1 } });
    expect(other.calls).toHaveLength(0);
    // Back on its schedule afterwards: the next 06:00 in Toronto (daylight time from that morning).
    expect((await getJobRow(setup().db, asked.job.name)).nextRunAt).toEqual(new Date('2026-03-08T10:00:00.000Z'));

    // Another process is running it: this one does not run it too.
    time.advance(MINUTE_MS);
    await scheduler.trigger(asked.job.name);
    const held = await claimJob(setup().db, {
      name: asked.job.name,
      lockedBy: 'another-process',
      now: new Date(time.nowMs()),
      lockedUntil: new Date(time.nowMs() + HOUR_MS),
    });
    expect(held).toBeDefined();
    expect(await scheduler.runNow(asked.job.name)).toEqual({ name: asked.job.name, status: 'skipped' });
    expect(asked.calls).toHaveLength(1);
    expect((await caught(scheduler.runNow('no-such-job'))).code).toBe('not_found');
  });

  it('keeps a trigger that arrives while the job is running', async () => {
    const time = testClock();
    const name = uniqueJobName('busy');
    const release = deferred();
    const entered = deferred();
    let runs = 0;
    const job: JobDefinition = {
      name,
      schedule: { every: 3600 },
      runImmediately: true,
      async run() {
        runs += 1;
        entered.resolve();
        await release.promise;
      },
    };
    const scheduler = newScheduler([job], { clock: time.clock });
    const pass = scheduler.runDue();
    try {
      await entered.promise;
      time.advance(MINUTE_MS);
      await scheduler.trigger(name);
    } finally {
      release.resolve();
    }
    await pass;
    expect((await getJobRow(setup().db, name)).nextRunAt).toEqual(new Date(T0 + MINUTE_MS));
    expect(await scheduler.runDue()).toMatchObject([{ name, status: 'ok' }]);
    expect(runs).toBe(2);
  });

  it('history lists runs newest first with their summaries', async () => {
    const time = testClock();
    const name = uniqueJobName('stats');
    const { job } = countingJob(name, { every: 60 }, true);
    const scheduler = newScheduler([job], { clock: time.clock, instance: 'history-proc' });
    for (let round = 0; round < 3; round += 1) {
      await scheduler.runDue();
      time.advance(60_000);
    }
    const runs = await scheduler.history(name, 2);
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({
      job: name,
      instance: 'history-proc',
      startedAt: new Date(T0 + 120_000),
      finishedAt: new Date(T0 + 120_000),
      status: 'ok',
      summary: { run: 3 },
      error: null,
    });
    expect(runs[1]).toMatchObject({ startedAt: new Date(T0 + 60_000), summary: { run: 2 } });
    expect(await scheduler.history(name)).toHaveLength(3);
    expect((await caught(scheduler.history(name, 0))).code).toBe('invalid_input');
  });

  it('start polls and runs due jobs; stop aborts the running job and waits for it', async () => {
    const time = testClock();
    const name = uniqueJobName('polled');
    const entered = deferred();
    const job: JobDefinition = {
      name,
      schedule: { every: 3600 },
      runImmediately: true,
      async run(ctx) {
        entered.resolve();
        await new Promise<void>((resolve) => {
          if (ctx.signal.aborted) resolve();
          ctx.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        throw ctx.signal.reason;
      },
    };
    const scheduler = newScheduler([job], { clock: time.clock, pollMs: 10 });
    await scheduler.start();
    await entered.promise;
    await scheduler.stop();

    const row = await getJobRow(setup().db, name);
    expect(row).toMatchObject({ lastStatus: 'failed', lastError: 'the scheduler is stopping', lockedBy: null });
    expect(await scheduler.runDue()).toEqual([]);
  });

  it('rejects duplicate job names and a lease renewed no sooner than it expires', () => {
    const time = testClock();
    const { job } = countingJob('same', { every: 60 });
    expect(() => newScheduler([job, job], { clock: time.clock })).toThrow(/Two jobs are named "same"/);
    expect(() => newScheduler([job], { clock: time.clock, leaseMs: 1000, renewEveryMs: 1000 })).toThrow(/renewEveryMs/);
  });
});
