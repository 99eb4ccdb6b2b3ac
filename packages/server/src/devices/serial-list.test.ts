import { describe, expect, it } from 'vitest';
import { MAX_SERIALS_PER_LIST, parseSerialList } from './serial-list.js';

describe('parseSerialList', () => {
  it('reads one serial a line, the first column of a CSV, with a header, quotes, blank lines and CRLF', () => {
    const list = parseSerialList('\uFEFFserial,batch\r\nC2-A-0001,7\r\n\r\n"C2-A-0002";8\n  C2-A-0003  \n');
    expect(list.problems).toEqual([]);
    expect(list.serials).toEqual([
      { line: 2, serial: 'C2-A-0001' },
      { line: 4, serial: 'C2-A-0002' },
      { line: 5, serial: 'C2-A-0003' },
    ]);
  });

  it('names each bad line by its number, in words, and keeps the good ones', () => {
    const list = parseSerialList('C2-B-0001\nnot a serial!\nC2-B-0001\nx\nC2-B-0002');
    expect(list.serials.map((s) => s.serial)).toEqual(['C2-B-0001', 'C2-B-0002']);
    expect(list.problems.map((p) => p.line)).toEqual([2, 3, 4]);
    expect(list.problems[0]!.message).toMatch(/^Line 2: "not a serial!" is not a serial \(3 to 64 letters/);
    expect(list.problems[1]!.message).toBe('Line 3: C2-B-0001 is already on line 1.');
    expect(list.problems[2]!.message).toMatch(/^Line 4: "x" is not a serial/);
  });

  it('takes "serial" as a serial when it is not the first line, and refuses an empty list', () => {
    expect(parseSerialList('C2-C-0001\nserial').serials.map((s) => s.serial)).toEqual(['C2-C-0001', 'serial']);
    expect(parseSerialList(' \n\n').problems).toEqual([
      { line: 0, message: 'The list has no serials: give one serial a line.' },
    ]);
  });

  it('refuses more serials than one list may add', () => {
    const text = Array.from({ length: MAX_SERIALS_PER_LIST + 1 }, (_, i) => `C2-D-${i}`).join('\n');
    const { problems } = parseSerialList(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 0 });
    expect(problems[0]!.message).toContain(`add at most ${MAX_SERIALS_PER_LIST} at a time`);
  });
});
