import { describe, expect, it } from 'vitest';
import { originOf } from './share-origin.js';

describe('the origin a share link starts with', () => {
  it('is the protocol and host a request came in at, port included', () => {
    expect(originOf({ protocol: 'http', host: '127.0.0.1:41234' })).toBe('http://127.0.0.1:41234');
    expect(originOf({ protocol: 'https', host: 'EV.example.com' })).toBe('https://ev.example.com');
    expect(originOf({ protocol: 'https', host: 'ev.example.com:443' })).toBe('https://ev.example.com');
    expect(originOf({ protocol: 'http', host: '[::1]:8080' })).toBe('http://[::1]:8080');
  });

  it('is nothing when the host is not a plain host (the configured address is used then)', () => {
    for (const host of ['', 'evil.example/path', 'a b', 'ev.example.com@evil.example', 'x:99999999']) {
      expect(originOf({ protocol: 'http', host }), host).toBeUndefined();
    }
    expect(originOf({ protocol: 'javascript', host: 'ev.example.com' })).toBeUndefined();
    expect(originOf(undefined)).toBeUndefined();
  });
});
