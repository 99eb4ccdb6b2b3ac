import { describe, expect, it } from 'vitest';
import type { Database } from './database.js';
import { ReplicaMonitor, type ReplicaStatus } from './replica-monitor.js';

/** A monitor fed polls by hand (observe), on a clock the test moves; it never connects anywhere. */
function monitorAt(maxLagS = 5) {
  let nowMs = 1_000_000;
  const events: string[] = [];
  const unused = (): never => {
    throw new Error('not connected in this test');
  };
  const monitor = new ReplicaMonitor({
    primary: { query: unused } as unknown as Database,
    connect: unused,
    url: 'postgres://reader@replica/db',
    maxLagS,
    pollMs: 100,
    now: () => nowMs,
    events: {
      usable: (s: ReplicaStatus) => events.push(`usable ${s.state}`),
      unusable: (s: ReplicaStatus) => events.push(`unusable ${s.state}`),
    },
  });
  const poll = (primaryLsn: number, replayed: number, advanceMs = 100) => {
    nowMs += advanceMs;
    monitor.observe({ atMs: nowMs, lsn: BigInt(primaryLsn) }, BigInt(replayed));
    return monitor.status();
  };
  return { monitor, events, poll };
}

describe('ReplicaMonitor: how far behind the replica is', () => {
  it('is streaming, zero behind, when it has replayed everything, however long the primary was idle', () => {
    const { poll, events } = monitorAt();
    expect(poll(500, 500)).toMatchObject({ state: 'streaming', lagS: 0 });
    expect(poll(500, 500, 3_600_000)).toMatchObject({ state: 'streaming', lagS: 0 });
    expect(events).toEqual(['usable streaming']);
  });

  it('is not used until it has replayed what the primary had when we connected', () => {
    const { poll, events } = monitorAt();
    expect(poll(900, 100)).toMatchObject({ state: 'catching_up', lagS: undefined });
    expect(poll(950, 899)).toMatchObject({ state: 'catching_up' });
    expect(poll(1000, 900)).toMatchObject({ state: 'streaming' });
    expect(events).toEqual(['usable streaming']);
  });

  it('measures the lag as the age of the oldest change not replayed, and stops using it past the bound', () => {
    const { poll, events } = monitorAt(5);
    poll(100, 100);
    // Replay stops at 100 while the primary goes on writing.
    expect(poll(200, 100, 1000).lagS).toBe(0);
    expect(poll(300, 100, 2000).lagS).toBe(2);
    expect(poll(300, 100, 3000)).toMatchObject({ state: 'streaming', lagS: 5 });
    expect(poll(400, 100, 1000)).toMatchObject({ state: 'lagging', lagS: 6 });
    // It replays up to 250: the oldest change it lacks (300) was first seen 4 s ago.
    expect(poll(400, 250, 0)).toMatchObject({ state: 'streaming', lagS: 4 });
    expect(poll(400, 400, 100)).toMatchObject({ state: 'streaming', lagS: 0 });
    expect(events).toEqual(['usable streaming', 'unusable lagging', 'usable streaming']);
  });

  it('grows the lag when the replica stops receiving altogether (nothing replayed, nothing pending on its side)', () => {
    const { poll } = monitorAt(5);
    poll(100, 100);
    for (let i = 1; i <= 10; i++) poll(100 + i, 100, 1000);
    // The primary was first seen ahead 10 s ago.
    expect(poll(111, 100, 1000)).toMatchObject({ state: 'lagging', lagS: 10 });
  });

  it('keeps the lag exact while the list of positions a stuck replica lacks is bounded', () => {
    const { poll } = monitorAt(100_000);
    poll(0, 0);
    for (let i = 1; i <= 5000; i++) poll(i, 0, 10);
    // The oldest position is kept: the lag is still the age of the first one not replayed.
    expect(poll(5001, 0, 10).lagS).toBeCloseTo(50, 5);
  });
});
