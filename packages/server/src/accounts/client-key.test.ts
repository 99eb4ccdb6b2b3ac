import { describe, expect, it } from 'vitest';
import { clientKeyOf } from './client-key.js';

describe('clientKeyOf', () => {
  it('keeps an IPv4 address, and unwraps an IPv4-mapped IPv6 one', () => {
    expect(clientKeyOf('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKeyOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts every IPv6 address of one /64 as one client, whatever its spelling', () => {
    const key = clientKeyOf('2001:db8:1:2::1');
    expect(key).toBe('2001:db8:1:2::/64');
    for (const other of ['2001:0DB8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2:0:0:0:9', 'fe80::1%eth0']) {
      expect(clientKeyOf(other) === key).toBe(other !== 'fe80::1%eth0');
    }
    expect(clientKeyOf('2001:db8:1:3::1')).not.toBe(key);
    expect(clientKeyOf('::1')).toBe('0:0:0:0::/64');
    expect(clientKeyOf('2001:db8::1.2.3.4')).toBe('2001:db8:0:0::/64');
  });

  it('leaves what is not an address as it is (it still counts, as itself)', () => {
    expect(clientKeyOf('unix-socket')).toBe('unix-socket');
  });
});
