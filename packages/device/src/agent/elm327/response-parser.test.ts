import { describe, expect, it } from 'vitest';
import { hexBytes, parseElmResponse, reassemble, responseLines } from './response-parser.js';

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');

/** The single message an answer holds. */
function message(raw: string, headers: boolean, command?: string) {
  const parsed = parseElmResponse(raw, { headers, ...(command ? { command } : {}) });
  expect(parsed.status).toBe('ok');
  const messages = reassemble(parsed.frames, headers);
  expect(messages).toHaveLength(1);
  return messages[0]!;
}

describe('ELM327 answers', () => {
  it('reassembles a multi-frame answer printed with headers and spaces', () => {
    const raw = '7EC 10 0E 62 01 05 11 22 33\r7EC 21 44 55 66 77 88 99 AA\r7EC 22 BB AA AA AA AA AA AA\r\r';
    const m = message(raw, true);
    expect(m.id).toBe('7EC');
    expect(m.complete).toBe(true);
    expect(hex(m.payload)).toBe('62 01 05 11 22 33 44 55 66 77 88 99 AA BB');
  });

  it('reads the same answer without spaces (ATS0)', () => {
    const raw = '7EC100E620105112233\r7EC2144556677889 9AA'.replace(' ', '') + '\r7EC22BBAAAAAAAAAAAA\r';
    expect(hex(message(raw, true).payload)).toBe('62 01 05 11 22 33 44 55 66 77 88 99 AA BB');
  });

  it('reads the headers-off multi-frame form: a length line, then numbered lines', () => {
    const raw = '00E\r0: 62 01 05 11 22 33\r1: 44 55 66 77 88 99 AA\r2: BB AA AA AA AA AA AA\r';
    const m = message(raw, false);
    expect(m.complete).toBe(true);
    expect(hex(m.payload)).toBe('62 01 05 11 22 33 44 55 66 77 88 99 AA BB');
  });

  it('reads single frames with headers (length byte, padding) and without', () => {
    expect(hex(message('7E8 03 41 0D 32 AA AA AA AA\r', true).payload)).toBe('41 0D 32');
    expect(hex(message('7E8 03 41 0D 32\r', true).payload)).toBe('41 0D 32');
    expect(hex(message('41 0D 32\r', false).payload)).toBe('41 0D 32');
    expect(hex(message('410D32\r', false).payload)).toBe('41 0D 32');
  });

  it('skips the echo, CR LF line ends, SEARCHING..., BUS INIT, a stray OK and prompts', () => {
    const raw = '010D\r\nSEARCHING...\r\nBUS INIT: ...OK\r\nOK\r\n>7E8 03 41 0D 32\r\n\r\n';
    expect(responseLines(raw, '01 0D')).toEqual(['7E8 03 41 0D 32']);
    expect(hex(message(raw, true, '010D').payload)).toBe('41 0D 32');
  });

  it.each([
    ['NO DATA', 'no-data'],
    ['STOPPED', 'stopped'],
    ['?', 'unknown-command'],
    ['CAN ERROR', 'error'],
    ['BUFFER FULL', 'error'],
    ['UNABLE TO CONNECT', 'error'],
    ['BUS INIT: ...ERROR', 'error'],
    ['ERR94', 'error'],
  ])('says why there is no data: %s', (line, status) => {
    const parsed = parseElmResponse(`${line}\r\r`, { headers: true });
    expect(parsed.status).toBe(status);
    expect(parsed.frames).toHaveLength(0);
  });

  it('keeps the frames of two ECUs apart, even interleaved', () => {
    const raw = ['7E8 10 0A 49 02 01 31 47 31', '7EA 06 41 00 98 18 80 13', '7E8 21 46 59 36 53 30 37 4C'].join('\r');
    const messages = reassemble(parseElmResponse(raw, { headers: true }).frames, true);
    expect(messages.map((m) => [m.id, hex(m.payload), m.complete])).toEqual([
      ['7EA', '41 00 98 18 80 13', true],
      ['7E8', '49 02 01 31 47 31 46 59 36 53', true],
    ]);
  });

  it('marks an answer whose last frames are missing as incomplete', () => {
    const messages = reassemble(
      parseElmResponse('7EC 10 14 62 01 01 11 22 33\r7EC 21 44 55', { headers: true }).frames,
      true,
    );
    expect(messages[0]!.complete).toBe(false);
  });

  it('marks an answer with a frame out of sequence as incomplete', () => {
    const raw = '7EC 10 0E 62 01 05 11 22 33\r7EC 22 44 55 66 77 88 99 AA\r7EC 23 BB AA AA AA AA AA AA\r';
    expect(reassemble(parseElmResponse(raw, { headers: true }).frames, true)[0]!.complete).toBe(false);
  });

  it('marks an answer as incomplete when a frame lost bytes, even if padding makes up the length', () => {
    // Frame 21 lost a byte on the line: a consecutive frame carries 7 bytes unless it is the last.
    const raw = '7EC 10 0E 62 01 05 11 22 33\r7EC 21 44 55 66 77 88 99\r7EC 22 BB AA AA AA AA AA AA\r';
    expect(reassemble(parseElmResponse(raw, { headers: true }).frames, true)[0]!.complete).toBe(false);
    // The first frame too (it carries 6), and the numbered lines of the headers-off form.
    const first = '7EC 10 0E 62 01 05 11 22\r7EC 21 33 44 55 66 77 88 99\r7EC 22 AA BB AA AA AA AA AA\r';
    expect(reassemble(parseElmResponse(first, { headers: true }).frames, true)[0]!.complete).toBe(false);
    const numbered = '00E\r0: 62 01 05 11 22\r1: 33 44 55 66 77 88 99\r2: AA BB\r';
    expect(reassemble(parseElmResponse(numbered, { headers: false }).frames, false)[0]!.complete).toBe(false);
    // A last frame without padding is whole.
    const unpadded = '7EC 10 0E 62 01 05 11 22 33\r7EC 21 44 55 66 77 88 99 AA\r7EC 22 BB\r';
    expect(reassemble(parseElmResponse(unpadded, { headers: true }).frames, true)[0]!.complete).toBe(true);
  });

  it('refuses two ISO-TP frames fused on one line (the line end lost) as incomplete', () => {
    const fused = [
      // With spaces, with both ids; without spaces (ATS0, as the agent sets it); the second id lost too.
      '7EC 10 0E 62 01 05 11 22 33\r7EC 21 44 55 66 77 88 99 AA 7EC 22 BB AA AA AA AA AA AA\r',
      '7EC100E620105112233\r7EC2144556677889 9AA7EC22BBAAAAAAAAAAAA\r'.replace(' ', ''),
      '7EC 10 0E 62 01 05 11 22 33\r7EC 21 44 55 66 77 88 99 AA 22 BB AA AA AA AA AA AA\r',
    ];
    for (const raw of fused) {
      const parsed = parseElmResponse(raw, { headers: true });
      expect(parsed.malformed, raw).toHaveLength(1);
      const [m] = reassemble(parsed.frames, true);
      expect(m!.complete, raw).toBe(false);
    }
  });

  it('sets a line cut in the middle of a byte aside as malformed', () => {
    const parsed = parseElmResponse('7EC 10 14 62 01 01 11 22 3', { headers: true });
    expect(parsed.malformed).toEqual(['7EC 10 14 62 01 01 11 22 3']);
    expect(parsed.frames).toHaveLength(0);
  });

  it('reads hex bytes with or without spaces, and nothing else', () => {
    expect(Array.from(hexBytes('62 01 0A')!)).toEqual([0x62, 0x01, 0x0a]);
    expect(Array.from(hexBytes('62010A')!)).toEqual([0x62, 0x01, 0x0a]);
    expect(hexBytes('62010')).toBeUndefined();
    expect(hexBytes('6G')).toBeUndefined();
  });
});
