/**
 * Scheduled work inside the server (monthly rewards, payouts, reminders), on a schedule kept in
 * the database so that it survives restarts and is shared by every server process.
 *
 * Each job has one `job` row. A process runs a due job only after taking its lease in a single
 * UPDATE, so of several processes exactly one runs it; the lease is renewed while the job runs
 * and expires if the process dies, letting another process take over. Each run leaves a
 * `job_run` row. Time comes from the injected clock, never from the database.
 */
import type { Logger } from '../logger.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import {
  claimJob,
  completeJob,
  completeJobRun,
  insertJobIfMissing,
  insertJobRun,
  listDueJobNames,
  listJobRuns,
  listJobs,
  renewLease,
  setJobDue,
  type JobOutcome,
  type JobRunRow,
  type Lease,
} from './job.repository.js';
import { nextRunAfter, validateSchedule, type Schedule } from './schedule.js';

export interface JobContext {
  /** When this run started, by the scheduler's clock: the job's notion of "now". */
  readonly now: Date;
  /** Aborted when the scheduler stops or this process loses the job's lease: stop soon. */
  readonly signal: AbortSignal;
  readonly log: Logger;
}

export interface JobDefinition {
  readonly name: string;
  readonly schedule: Schedule;
  /** Also run on first registration instead of waiting for the first scheduled time. */
  readonly runImmediately?: boolean;
  /** What it returns is stored as the run's summary (JSON). */
  run(ctx: JobContext): Promise<Record<string, unknown> | void>;
}

export interface JobStatus {
  readonly name: string;
  readonly nextRunAt: Date;
  readonly lastStartedAt: Date | null;
  readonly lastFinishedAt: Date | null;
  readonly lastStatus: JobOutcome | null;
  readonly lastError: string | null;
  readonly runs: number;
  /** The process holding the lease, when one does (even an expired one). */
  readonly lockedBy: string | null;
  /** A lease is held and has not expired. */
  readonly running: boolean;
}

export interface JobRunResult {
  readonly name: string;
  /** skipped: due, but another process holds it (or this scheduler is stopping). */
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly summary?: unknown;
  readonly error?: string;
}

export type { JobRunRow } from './job.repository.js';

export interface SchedulerOptions {
  /** Names this process in leases and run history (host and process id, for example). */
  readonly instance: string;
  readonly clock?: () => Date;
  readonly log: Logger;
  /** How long a lease lasts without renewal (default 10 minutes). */
  readonly leaseMs?: number;
  /** How often a running job's lease is renewed (default a third of leaseMs). */
  readonly renewEveryMs?: number;
  /** How often due jobs are looked for once started (default 30 seconds). */
  readonly pollMs?: number;
  /** Delay before a failed job is tried again, capped by its next scheduled run (default 5 minutes). */
  readonly retryAfterFailureMs?: number;
}

const MINUTE_MS = 60_000;
const MAX_HISTORY = 1000;

function checkPositive(value: number, what: string): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new AppError('invalid_input', `${what} must be a positive number of milliseconds, not ${value}`);
  }
}

/** The message alone: stacks belong in logs, not in the job's row. */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class Scheduler {
  private readonly jobs: ReadonlyMap<string, JobDefinition>;
  private readonly instance: string;
  private readonly clock: () => Date;
  private readonly log: Logger;
  private readonly leaseMs: number;
  private readonly renewEveryMs: number;
  private readonly pollMs: number;
  private readonly retryAfterFailureMs: number;

  private registration: Promise<void> | undefined;
  private stopping = new AbortController();
  private polling = false;
  // Counts start() calls, so a poll loop left over from before a stop() does not carry on.
  private pollGeneration = 0;
  private pollTimer: NodeJS.Timeout | undefined;
  private readonly passes = new Set<Promise<unknown>>();

  constructor(
    private readonly db: Database,
    jobs: readonly JobDefinition[],
    options: SchedulerOptions,
  ) {
    const byName = new Map<string, JobDefinition>();
    for (const job of jobs) {
      if (!job.name) throw new AppError('invalid_input', 'Every job needs a name');
      if (byName.has(job.name)) throw new AppError('invalid_input', `Two jobs are named "${job.name}": rename one`);
      validateSchedule(job.schedule);
      byName.set(job.name, job);
    }
    if (!options.instance) throw new AppError('invalid_input', 'The scheduler needs an instance name');
    this.jobs = byName;
    this.instance = options.instance;
    this.clock = options.clock ?? (() => new Date());
    this.log = options.log.child({ component: 'scheduler', instance: options.instance });
    this.leaseMs = options.leaseMs ?? 10 * MINUTE_MS;
    this.renewEveryMs = options.renewEveryMs ?? this.leaseMs / 3;
    this.pollMs = options.pollMs ?? 30_000;
    this.retryAfterFailureMs = options.retryAfterFailureMs ?? 5 * MINUTE_MS;
    checkPositive(this.leaseMs, 'leaseMs');
    checkPositive(this.renewEveryMs, 'renewEveryMs');
    checkPositive(this.pollMs, 'pollMs');
    checkPositive(this.retryAfterFailureMs, 'retryAfterFailureMs');
    if (this.renewEveryMs >= this.leaseMs) {
      throw new AppError(
        'invalid_input',
        `renewEveryMs (${this.renewEveryMs}) must be shorter than leaseMs (${this.leaseMs})`,
      );
    }
  }

  /** Registers the jobs, then looks for due work now and every pollMs until stop(). */
  async start(): Promise<void> {
    if (this.polling) return;
    if (this.stopping.signal.aborted) this.stopping = new AbortController();
    await this.register();
    this.polling = true;
    this.pollGeneration += 1;
    this.schedulePoll(0, this.pollGeneration);
    this.log.info({ jobs: [...this.jobs.keys()], pollMs: this.pollMs }, 'scheduler started');
  }

  /** Stops polling, aborts running jobs' signals and waits for them to finish. */
  async stop(): Promise<void> {
    this.polling = false;
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    this.stopping.abort(new Error('the scheduler is stopping'));
    await Promise.allSettled([...this.passes]);
    this.log.info('scheduler stopped');
  }

  /** One pass: claims and runs each due job once, one after another. Jobs not due are left out. */
  runDue(): Promise<JobRunResult[]> {
    const pass = this.runDuePass();
    const settled = pass.then(
      () => undefined,
      () => undefined,
    );
    this.passes.add(settled);
    void settled.then(() => this.passes.delete(settled));
    return pass;
  }

  /** Makes a job due now; the next pass of any process runs it. */
  async trigger(name: string): Promise<void> {
    this.getJob(name);
    await setJobDue(this.db, name, this.clock());
  }

  /**
   * Runs one job now, in this process, and no other (the CLI's `smartcharge job run`): makes it
   * due, then claims and runs it. 'skipped' when another process holds it at that moment.
   */
  async runNow(name: string): Promise<JobRunResult> {
    const job = this.getJob(name);
    await this.register();
    await setJobDue(this.db, name, this.clock());
    return this.runJob(job);
  }

  /** This scheduler's jobs and their state. */
  async list(): Promise<JobStatus[]> {
    await this.register();
    const nowMs = this.clock().getTime();
    const rows = await listJobs(this.db);
    return rows
      .filter((row) => this.jobs.has(row.name))
      .map((row) => ({
        name: row.name,
        nextRunAt: row.nextRunAt,
        lastStartedAt: row.lastStartedAt,
        lastFinishedAt: row.lastFinishedAt,
        lastStatus: row.lastStatus,
        lastError: row.lastError,
        runs: row.runs,
        lockedBy: row.lockedBy,
        running: row.lockedUntil !== null && row.lockedUntil.getTime() > nowMs,
      }));
  }

  /** A job's runs, newest first (by any process). */
  async history(name: string, limit = 20): Promise<JobRunRow[]> {
    this.getJob(name);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY) {
      throw new AppError('invalid_input', `limit must be a whole number from 1 to ${MAX_HISTORY}, not ${limit}`);
    }
    return listJobRuns(this.db, name, limit);
  }

  private getJob(name: string): JobDefinition {
    const job = this.jobs.get(name);
    if (!job) {
      const known = [...this.jobs.keys()].join(', ') || '(none)';
      throw new AppError('not_found', `No job is named "${name}": the jobs are ${known}`);
    }
    return job;
  }

  /** Adds missing job rows once per scheduler; runDue and list do it too, for one-off use (CLI). */
  private register(): Promise<void> {
    this.registration ??= this.insertJobs().catch((error: unknown) => {
      this.registration = undefined;
      throw error;
    });
    return this.registration;
  }

  private async insertJobs(): Promise<void> {
    const now = this.clock();
    for (const job of this.jobs.values()) {
      await insertJobIfMissing(this.db, job.name, job.runImmediately ? now : nextRunAfter(job.schedule, now));
    }
  }

  private schedulePoll(delayMs: number, generation: number): void {
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      void this.poll(generation);
    }, delayMs);
    // Polling alone must not keep the process alive.
    this.pollTimer.unref();
  }

  private async poll(generation: number): Promise<void> {
    try {
      await this.runDue();
    } catch (error) {
      this.log.error({ err: error }, 'could not look for due jobs; trying again at the next poll');
    }
    if (this.polling && generation === this.pollGeneration) this.schedulePoll(this.pollMs, generation);
  }

  private async runDuePass(): Promise<JobRunResult[]> {
    if (this.stopping.signal.aborted) return [];
    await this.register();
    const results: JobRunResult[] = [];
    for (const name of await listDueJobNames(this.db, this.clock())) {
      const job = this.jobs.get(name);
      if (!job) continue; // defined by another version of the server
      if (this.stopping.signal.aborted) {
        results.push({ name, status: 'skipped', error: 'the scheduler is stopping' });
        continue;
      }
      results.push(await this.runJob(job));
    }
    return results;
  }

  /** Claims, runs and records one job; never throws, so one job cannot stop the others. */
  private async runJob(job: JobDefinition): Promise<JobRunResult> {
    const { name } = job;
    const startedAt = this.clock();
    let claimed;
    try {
      claimed = await claimJob(this.db, {
        name,
        lockedBy: this.instance,
        now: startedAt,
        lockedUntil: new Date(startedAt.getTime() + this.leaseMs),
      });
    } catch (error) {
      this.log.error({ job: name, err: error }, 'could not claim job');
      return { name, status: 'failed', error: messageOf(error) };
    }
    if (!claimed) return { name, status: 'skipped' };

    const keeper = new LeaseKeeper(
      this.db,
      { name, lockedBy: this.instance, lockedUntil: claimed.lockedUntil! },
      {
        clock: this.clock,
        leaseMs: this.leaseMs,
        renewEveryMs: this.renewEveryMs,
        log: this.log.child({ job: name }),
      },
    );
    const signal = AbortSignal.any([this.stopping.signal, keeper.lost]);
    let runId: number | undefined;
    let outcome: {
      status: JobOutcome;
      summary?: unknown;
      summaryJson: string | null;
      error: string | null;
      thrown?: unknown;
    };
    try {
      runId = await insertJobRun(this.db, { job: name, instance: this.instance, startedAt });
      const log = this.log.child({ job: name, runId });
      log.info('job started');
      const summary = await job.run({ now: startedAt, signal, log });
      // Serialised here so that a summary that is not JSON fails the run rather than the bookkeeping.
      outcome = {
        status: 'ok',
        summary,
        summaryJson: summary === undefined ? null : JSON.stringify(summary),
        error: null,
      };
    } catch (error) {
      outcome = { status: 'failed', summaryJson: null, error: messageOf(error), thrown: error };
    }
    const lease = await keeper.release();

    const finishedAt = this.clock();
    const nextRunAt = this.nextRunAt(job, startedAt, finishedAt, outcome.status);
    const durationMs = finishedAt.getTime() - startedAt.getTime();
    try {
      const recorded = await completeJob(this.db, lease, {
        claimedNextRunAt: claimed.nextRunAt,
        nextRunAt,
        finishedAt,
        status: outcome.status,
        error: outcome.error,
      });
      if (!recorded) {
        this.log.error(
          { job: name, runId },
          'job lease was taken over by another process during the run; its holder owns the schedule now',
        );
      }
      if (runId !== undefined) {
        await completeJobRun(this.db, runId, {
          finishedAt,
          status: outcome.status,
          summaryJson: outcome.summaryJson,
          error: outcome.error,
        });
      }
    } catch (error) {
      this.log.error({ job: name, runId, err: error }, 'could not record the end of a job run; its lease will expire');
      return { name, status: 'failed', error: messageOf(error) };
    }
    if (outcome.status === 'ok') {
      this.log.info({ job: name, runId, durationMs, nextRunAt }, 'job finished');
      return outcome.summary === undefined ? { name, status: 'ok' } : { name, status: 'ok', summary: outcome.summary };
    }
    this.log.error({ job: name, runId, durationMs, nextRunAt, err: outcome.thrown }, 'job failed');
    return { name, status: 'failed', error: outcome.error ?? 'failed' };
  }

  /**
   * From the run's start, not from the slot it was due at: after a long outage a job catches up
   * with one run instead of one per missed slot. A failure is retried after a delay, but never
   * later than the next scheduled run.
   */
  private nextRunAt(job: JobDefinition, startedAt: Date, finishedAt: Date, status: JobOutcome): Date {
    const scheduled = nextRunAfter(job.schedule, startedAt);
    if (status === 'ok') return scheduled;
    const retryMs = finishedAt.getTime() + this.retryAfterFailureMs;
    return scheduled.getTime() > finishedAt.getTime() && scheduled.getTime() < retryMs ? scheduled : new Date(retryMs);
  }
}

/**
 * Keeps a job's lease alive while it runs, renewing every renewEveryMs (real time) to clock() +
 * leaseMs. If a renewal finds the lease taken over, `lost` aborts so the job can stop early.
 */
class LeaseKeeper {
  private readonly lostController = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> = Promise.resolve();
  private released = false;

  constructor(
    private readonly db: Database,
    private lease: Lease,
    private readonly options: { clock: () => Date; leaseMs: number; renewEveryMs: number; log: Logger },
  ) {
    this.renewLater();
  }

  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  /** Stops renewing, waits for a renewal in flight, and returns the lease as last held. */
  async release(): Promise<Lease> {
    this.released = true;
    clearTimeout(this.timer);
    await this.renewing;
    return this.lease;
  }

  private renewLater(): void {
    this.timer = setTimeout(() => {
      this.renewing = this.renew();
    }, this.options.renewEveryMs);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    const until = new Date(this.options.clock().getTime() + this.options.leaseMs);
    try {
      const renewed = await renewLease(this.db, this.lease, until);
      if (!renewed) {
        this.options.log.error('job lease was taken over by another process; aborting the run');
        this.lostController.abort(new Error('the job lease was taken over by another process'));
        return;
      }
      this.lease = { ...this.lease, lockedUntil: renewed };
    } catch (error) {
      // A lease lasts several renewal intervals: one failed renewal is not yet a lost lease.
      this.options.log.warn({ err: error }, 'could not renew job lease; trying again');
    }
    if (!this.released) this.renewLater();
  }
}
