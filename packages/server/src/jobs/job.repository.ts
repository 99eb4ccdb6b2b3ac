/**
 * SQL for scheduled jobs (`job`: one row per job, holding its next run and lease) and their run
 * history (`job_run`). One function, one query. Every "now" is a parameter from the scheduler's
 * clock, never SQL now(), so that tests can move time and every process agrees on one source.
 *
 * A lease is identified by (locked_by, locked_until): renewing or finishing only succeeds while
 * both still match what the holder set, so a holder that lost its lease cannot overwrite the
 * state written by the process that took over.
 */
import type { Queryable } from '../db/database.js';

export type JobOutcome = 'ok' | 'failed';

export interface JobRow {
  readonly name: string;
  readonly nextRunAt: Date;
  readonly lockedBy: string | null;
  readonly lockedUntil: Date | null;
  readonly lastStartedAt: Date | null;
  readonly lastFinishedAt: Date | null;
  readonly lastStatus: JobOutcome | null;
  readonly lastError: string | null;
  readonly runs: number;
}

export interface JobRunRow {
  readonly id: number;
  readonly job: string;
  readonly instance: string;
  readonly startedAt: Date;
  /** Null while running, or forever when the process died during the run. */
  readonly finishedAt: Date | null;
  readonly status: JobOutcome | null;
  /** What the job returned (JSON), null when it returned nothing or failed. */
  readonly summary: unknown;
  readonly error: string | null;
}

export interface Lease {
  readonly name: string;
  readonly lockedBy: string;
  readonly lockedUntil: Date;
}

const JOB_COLUMNS = `name, next_run_at AS "nextRunAt", locked_by AS "lockedBy", locked_until AS "lockedUntil",
  last_started_at AS "lastStartedAt", last_finished_at AS "lastFinishedAt", last_status AS "lastStatus",
  last_error AS "lastError", runs`;

const JOB_RUN_COLUMNS = `id, job, instance, started_at AS "startedAt", finished_at AS "finishedAt", status, summary, error`;

/** Adds the job unless it exists: an existing row keeps its next_run_at across restarts. */
export async function insertJobIfMissing(q: Queryable, name: string, nextRunAt: Date): Promise<void> {
  await q.query('INSERT INTO job (name, next_run_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, nextRunAt]);
}

export async function findJob(q: Queryable, name: string): Promise<JobRow | undefined> {
  const { rows } = await q.query<JobRow & Record<string, unknown>>(`SELECT ${JOB_COLUMNS} FROM job WHERE name = $1`, [
    name,
  ]);
  return rows[0];
}

export async function listJobs(q: Queryable): Promise<JobRow[]> {
  const { rows } = await q.query<JobRow & Record<string, unknown>>(`SELECT ${JOB_COLUMNS} FROM job ORDER BY name`);
  return rows;
}

/** Names of jobs whose next run is at or before `now`, leased or not, earliest first. */
export async function listDueJobNames(q: Queryable, now: Date): Promise<string[]> {
  const { rows } = await q.query<{ name: string }>(
    'SELECT name FROM job WHERE next_run_at <= $1 ORDER BY next_run_at, name',
    [now],
  );
  return rows.map((row) => row.name);
}

/**
 * Takes the lease of a due job whose lease is free or expired. One UPDATE, so of several
 * processes trying at once exactly one gets the row back (PostgreSQL re-checks the WHERE clause
 * against the winner's update before letting the others' updates proceed).
 */
export async function claimJob(
  q: Queryable,
  claim: { name: string; lockedBy: string; now: Date; lockedUntil: Date },
): Promise<JobRow | undefined> {
  const { rows } = await q.query<JobRow & Record<string, unknown>>(
    `UPDATE job SET locked_by = $2, locked_until = $4, last_started_at = $3
      WHERE name = $1 AND next_run_at <= $3 AND (locked_until IS NULL OR locked_until < $3)
      RETURNING ${JOB_COLUMNS}`,
    [claim.name, claim.lockedBy, claim.now, claim.lockedUntil],
  );
  return rows[0];
}

/** Extends a lease still held, returning its new expiry; undefined when it was taken over. */
export async function renewLease(q: Queryable, lease: Lease, lockedUntil: Date): Promise<Date | undefined> {
  const { rows } = await q.query<{ lockedUntil: Date }>(
    `UPDATE job SET locked_until = $4 WHERE name = $1 AND locked_by = $2 AND locked_until = $3
      RETURNING locked_until AS "lockedUntil"`,
    [lease.name, lease.lockedBy, lease.lockedUntil, lockedUntil],
  );
  return rows[0]?.lockedUntil;
}

/**
 * Records the end of a run and releases the lease; false when the lease was taken over (nothing
 * is written then). A next_run_at changed during the run (a trigger) is kept when it is earlier,
 * so a run requested while the job was running is not lost.
 */
export async function completeJob(
  q: Queryable,
  lease: Lease,
  result: {
    claimedNextRunAt: Date;
    nextRunAt: Date;
    finishedAt: Date;
    status: JobOutcome;
    error: string | null;
  },
): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE job
        SET next_run_at = CASE WHEN next_run_at <> $4::timestamptz THEN LEAST(next_run_at, $5::timestamptz)
                               ELSE $5::timestamptz END,
            locked_by = NULL, locked_until = NULL,
            last_finished_at = $6, last_status = $7, last_error = $8, runs = runs + 1
      WHERE name = $1 AND locked_by = $2 AND locked_until = $3`,
    [
      lease.name,
      lease.lockedBy,
      lease.lockedUntil,
      result.claimedNextRunAt,
      result.nextRunAt,
      result.finishedAt,
      result.status,
      result.error,
    ],
  );
  return rowCount === 1;
}

/** Makes the job due at `at`, adding its row if the scheduler has not registered it yet. */
export async function setJobDue(q: Queryable, name: string, at: Date): Promise<void> {
  await q.query(
    `INSERT INTO job (name, next_run_at) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET next_run_at = EXCLUDED.next_run_at`,
    [name, at],
  );
}

export async function insertJobRun(
  q: Queryable,
  run: { job: string; instance: string; startedAt: Date },
): Promise<number> {
  const { rows } = await q.query<{ id: number }>(
    'INSERT INTO job_run (job, instance, started_at) VALUES ($1, $2, $3) RETURNING id',
    [run.job, run.instance, run.startedAt],
  );
  return rows[0]!.id;
}

/** `summaryJson` is JSON text (or null), stored as jsonb. */
export async function completeJobRun(
  q: Queryable,
  id: number,
  result: { finishedAt: Date; status: JobOutcome; summaryJson: string | null; error: string | null },
): Promise<void> {
  await q.query('UPDATE job_run SET finished_at = $2, status = $3, summary = $4::jsonb, error = $5 WHERE id = $1', [
    id,
    result.finishedAt,
    result.status,
    result.summaryJson,
    result.error,
  ]);
}

/** A job's runs, newest first. */
export async function listJobRuns(q: Queryable, job: string, limit: number): Promise<JobRunRow[]> {
  const { rows } = await q.query<JobRunRow & Record<string, unknown>>(
    `SELECT ${JOB_RUN_COLUMNS} FROM job_run WHERE job = $1 ORDER BY started_at DESC, id DESC LIMIT $2`,
    [job, limit],
  );
  return rows;
}
