/**
 * Device rows for uplink authentication, kept for a few seconds so a device's batches do not
 * each cost a database lookup (with PGlite that lookup would also wait for the running write).
 * The device service forgets a serial at once whenever it changes that device, so in this process
 * a revocation takes effect immediately; a change made by another process (another server, or the
 * CLI on PostgreSQL) within `ttlMs`. Unknown serials are remembered too, so a flood of them costs
 * one lookup each per period; provisioning forgets the serial.
 */
import type { DeviceRow } from './device.repository.js';

interface Entry {
  readonly row: Promise<DeviceRow | undefined>;
  readonly expiresAt: number;
}

export class DeviceAuthCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
    private readonly maxEntries = 100_000,
  ) {}

  /** The device row for a serial, from the cache or from `load` (one load per serial at a time). */
  get(serial: string, load: () => Promise<DeviceRow | undefined>): Promise<DeviceRow | undefined> {
    const now = this.now();
    const entry = this.entries.get(serial);
    if (entry && entry.expiresAt > now) return entry.row;
    if (this.entries.size >= this.maxEntries) this.evictExpired(now);
    const row = load();
    this.entries.set(serial, { row, expiresAt: now + this.ttlMs });
    // A failed lookup must not be remembered.
    row.catch(() => {
      if (this.entries.get(serial)?.row === row) this.entries.delete(serial);
    });
    return row;
  }

  forget(serial: string): void {
    this.entries.delete(serial);
  }

  private evictExpired(now: number): void {
    for (const [serial, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(serial);
    // Still full of live entries: drop the oldest (insertion order) to stay bounded.
    for (const serial of this.entries.keys()) {
      if (this.entries.size < this.maxEntries) break;
      this.entries.delete(serial);
    }
  }
}
