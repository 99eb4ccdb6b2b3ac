import { describe, expect, it } from 'vitest';
import { clientIdProblem, sessionIdOf } from './client-id.js';

describe('clientIdProblem', () => {
  it('accepts the serial, the serial with a letters-and-digits suffix, and no id at all', () => {
    expect(clientIdProblem('C2-A01', 'C2-A01')).toBeUndefined();
    expect(clientIdProblem('C2-A01-k3y4b2c1', 'C2-A01')).toBeUndefined();
    expect(clientIdProblem('', 'C2-A01')).toBeUndefined();
  });

  it('refuses another device’s serial or id, a bare prefix and any other shape, naming the rule', () => {
    expect(clientIdProblem('C2-B02', 'C2-A01')).toMatch(/device C2-A01 may use as MQTT client id only its serial/);
    expect(clientIdProblem('C2-B02-k3y4b2c1', 'C2-A01')).toBeDefined();
    expect(clientIdProblem('C2-A01-', 'C2-A01')).toBeDefined();
    expect(clientIdProblem('C2-A01-a-b', 'C2-A01')).toBeDefined();
    expect(clientIdProblem('C2-A01x', 'C2-A01')).toBeDefined();
    expect(clientIdProblem(`C2-A01-${'a'.repeat(33)}`, 'C2-A01')).toBeDefined();
  });

  it('keeps sessions of serials that extend one another apart', () => {
    // `C2-A01-x1` is a valid id for C2-A01 and the bare serial of device C2-A01-x1.
    expect(clientIdProblem('C2-A01-x1', 'C2-A01')).toBeUndefined();
    expect(sessionIdOf('C2-A01', 'C2-A01-x1')).not.toBe(sessionIdOf('C2-A01-x1', 'C2-A01-x1'));
  });
});
