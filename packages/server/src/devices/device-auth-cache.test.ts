import { describe, expect, it } from 'vitest';
import { DeviceAuthCache } from './device-auth-cache.js';
import type { DeviceRow } from './device.repository.js';

const row = (serial: string, status: DeviceRow['status'] = 'active') => ({ id: 1, serial, status }) as DeviceRow;

function counting(result: () => Promise<DeviceRow | undefined>) {
  const loader = { calls: 0, load: () => (loader.calls++, result()) };
  return loader;
}

describe('DeviceAuthCache', () => {
  it('reuses a loaded row until it expires, then loads again', async () => {
    let now = 0;
    const cache = new DeviceAuthCache(5000, () => now);
    const loader = counting(() => Promise.resolve(row('C2-A')));
    await cache.get('C2-A', loader.load);
    now = 4999;
    await cache.get('C2-A', loader.load);
    expect(loader.calls).toBe(1);
    now = 5000;
    await cache.get('C2-A', loader.load);
    expect(loader.calls).toBe(2);
  });

  it('loads again at once after forget (a revocation in this process)', async () => {
    const cache = new DeviceAuthCache(5000, () => 0);
    let status: DeviceRow['status'] = 'active';
    const load = () => Promise.resolve(row('C2-A', status));
    expect((await cache.get('C2-A', load))?.status).toBe('active');
    status = 'returned';
    expect((await cache.get('C2-A', load))?.status).toBe('active');
    cache.forget('C2-A');
    expect((await cache.get('C2-A', load))?.status).toBe('returned');
  });

  it('remembers an unknown serial for the period too', async () => {
    const cache = new DeviceAuthCache(5000, () => 0);
    const loader = counting(() => Promise.resolve(undefined));
    expect(await cache.get('C2-NOBODY', loader.load)).toBeUndefined();
    expect(await cache.get('C2-NOBODY', loader.load)).toBeUndefined();
    expect(loader.calls).toBe(1);
  });

  it('makes concurrent requests for one serial share one lookup', async () => {
    const cache = new DeviceAuthCache(5000, () => 0);
    const loader = counting(() => new Promise((resolve) => setTimeout(() => resolve(row('C2-A')), 10)));
    const rows = await Promise.all([1, 2, 3].map(() => cache.get('C2-A', loader.load)));
    expect(loader.calls).toBe(1);
    expect(rows.map((r) => r?.serial)).toEqual(['C2-A', 'C2-A', 'C2-A']);
  });

  it('does not remember a failed lookup', async () => {
    const cache = new DeviceAuthCache(5000, () => 0);
    await expect(cache.get('C2-A', () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    const loader = counting(() => Promise.resolve(row('C2-A')));
    expect((await cache.get('C2-A', loader.load))?.serial).toBe('C2-A');
    expect(loader.calls).toBe(1);
  });

  it('stays within its size bound, dropping expired entries first', async () => {
    let now = 0;
    const cache = new DeviceAuthCache(100, () => now, 3);
    for (const serial of ['A', 'B', 'C']) await cache.get(serial, () => Promise.resolve(row(serial)));
    now = 200; // A, B, C expired
    await cache.get('D', () => Promise.resolve(row('D')));
    const reloads = counting(() => Promise.resolve(row('D')));
    await cache.get('D', reloads.load);
    expect(reloads.calls).toBe(0);
    for (const serial of ['E', 'F', 'G']) await cache.get(serial, () => Promise.resolve(row(serial)));
    const again = counting(() => Promise.resolve(row('D')));
    await cache.get('D', again.load); // the oldest live entry was dropped to stay at 3
    expect(again.calls).toBe(1);
  });
});
