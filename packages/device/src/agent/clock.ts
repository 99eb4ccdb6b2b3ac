/**
 * The agent's sense of time, passed in: the system clock on a car, a virtual one in tests (its
 * sleep advances time at once, so an hour of driving runs in seconds).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface AgentClock {
  now(): number;
  /** Waits `ms`; resolves early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: AgentClock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    if (ms <= 0 || signal?.aborted) return;
    await sleep(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
  },
};

/** Time that moves only when the agent sleeps. */
export class VirtualClock implements AgentClock {
  constructor(private timeMs: number) {}

  now(): number {
    return this.timeMs;
  }

  async sleep(ms: number): Promise<void> {
    this.timeMs += Math.max(0, ms);
    // Let I/O callbacks and other tasks run, as a real wait would.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
