/**
 * `smartcharge simulate`'s period (--start, --end, --days) and reproducible files, through the
 * command's own function (runSimulate) writing real NDJSON files: a fixed seed and --end give the
 * same bytes whatever the wall clock says.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSimulate, simulationPeriod, type SimulateOptions } from '../src/cli/simulate.js';

const DAY_MS = 86_400_000;
const NOW = Date.UTC(2026, 11, 7, 11, 30, 15, 400);

describe('simulationPeriod', () => {
  it('ends now (to the second) and lasts 7 days by default', () => {
    const now = Math.floor(NOW / 1000) * 1000;
    expect(simulationPeriod({ days: undefined }, NOW)).toEqual({ startMs: now - 7 * DAY_MS, endMs: now, days: 7 });
  });

  it('ends at --end, and begins --days before it', () => {
    const end = Date.UTC(2026, 10, 1);
    expect(simulationPeriod({ days: 3, end: '2026-11-01T00:00:00Z' }, NOW)).toEqual({
      startMs: end - 3 * DAY_MS,
      endMs: end,
      days: 3,
    });
    // A date alone is midnight UTC; an offset is honoured.
    expect(simulationPeriod({ days: 1, end: '2026-11-01' }, NOW).endMs).toBe(end);
    expect(simulationPeriod({ days: 1, end: '2026-11-01T01:00:00+01:00' }, NOW).endMs).toBe(end);
  });

  it('runs from --start to --end, from --start for --days, or from --start until now', () => {
    expect(simulationPeriod({ days: undefined, start: '2026-10-01', end: '2026-10-11' }, NOW)).toEqual({
      startMs: Date.UTC(2026, 9, 1),
      endMs: Date.UTC(2026, 9, 11),
      days: 10,
    });
    expect(simulationPeriod({ days: 2, start: '2026-10-01T00:00:00Z' }, NOW).endMs).toBe(Date.UTC(2026, 9, 3));
    expect(simulationPeriod({ days: undefined, start: '2026-12-01T00:00:00Z' }, NOW).endMs).toBe(
      Math.floor(NOW / 1000) * 1000,
    );
  });

  it('refuses a local time, a non-time, an empty period and --days that disagree, saying which option', () => {
    expect(() => simulationPeriod({ days: 1, end: '2026-11-01T00:00:00' }, NOW)).toThrow(
      /--end 2026-11-01T00:00:00: expected an ISO 8601 time with its zone/,
    );
    expect(() => simulationPeriod({ days: 1, end: 'yesterday' }, NOW)).toThrow(/--end yesterday/);
    expect(() => simulationPeriod({ days: undefined, start: 'soon' }, NOW)).toThrow(/--start soon/);
    expect(() => simulationPeriod({ days: undefined, start: '2026-11-02', end: '2026-11-01' }, NOW)).toThrow(
      /--start 2026-11-02 is not before the end/,
    );
    expect(() => simulationPeriod({ days: 5, start: '2026-10-01', end: '2026-10-11' }, NOW)).toThrow(
      /--days 5 disagrees with --start and --end, 10 days apart/,
    );
  });
});

describe('runSimulate into files', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  const options = (to: string, period: Partial<SimulateOptions>): SimulateOptions => ({
    vehicles: 3,
    days: undefined,
    program: 'alectra',
    seed: 7,
    to,
    server: undefined,
    adminToken: undefined,
    dataDir: path.dirname(to),
    speed: 'fast',
    truth: undefined,
    json: true,
    maxAgeDays: 30,
    ...period,
  });

  it('writes byte-identical batches and ground truth from the same --seed and --end', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'smartcharge-simulate-unit-'));
    dirs.push(dir);
    const period = { days: 2, end: '2026-11-01T00:00:00Z' };
    const first = await runSimulate(options(path.join(dir, 'a.ndjson'), period));
    const second = await runSimulate(options(path.join(dir, 'b.ndjson'), period));
    expect(first.records).toBeGreaterThan(1000);
    expect(second.records).toBe(first.records);
    expect(first).toMatchObject({ startMs: Date.UTC(2026, 9, 30), endMs: Date.UTC(2026, 10, 1), days: 2 });
    const [a, b] = await Promise.all([readFile(path.join(dir, 'a.ndjson')), readFile(path.join(dir, 'b.ndjson'))]);
    expect(a.length).toBeGreaterThan(0);
    expect(b.equals(a)).toBe(true);
    const [ta, tb] = await Promise.all([
      readFile(path.join(dir, 'a.truth.ndjson'), 'utf8'),
      readFile(path.join(dir, 'b.truth.ndjson'), 'utf8'),
    ]);
    expect(ta).toContain('"type":"trip"');
    expect(tb).toBe(ta);
    // Every reading lies inside the period.
    for (const line of a.toString('utf8').split('\n').filter(Boolean)) {
      for (const record of (JSON.parse(line) as { records: { time_ms: number }[] }).records) {
        expect(record.time_ms).toBeGreaterThanOrEqual(first.startMs);
        expect(record.time_ms).toBeLessThanOrEqual(first.endMs);
      }
    }
    // Another end is another history.
    await runSimulate(options(path.join(dir, 'c.ndjson'), { days: 2, end: '2026-11-02T00:00:00Z' }));
    expect((await readFile(path.join(dir, 'c.ndjson'))).equals(a)).toBe(false);
  });

  it('refuses --end with --speed realtime, and a --start older than the server keeps', async () => {
    await expect(
      runSimulate({ ...options('/tmp/x.ndjson', { end: '2026-11-01T00:00:00Z' }), speed: 'realtime' }),
    ).rejects.toThrow(/--end 2026-11-01T00:00:00Z with --speed realtime/);
    await expect(
      runSimulate(options('http://127.0.0.1:9', { start: '2020-01-01T00:00:00Z', end: '2020-01-03T00:00:00Z' })),
    ).rejects.toThrow(/--start 2020-01-01T00:00:00Z: the server refuses records older than 30 days/);
  });
});
