import { describe, expect, it } from 'vitest';
import { csvField, csvLine } from './csv.js';

describe('csvField', () => {
  it.each(['=HYPERLINK("http://evil.example","Claim")', '+1+cmd|/C calc!A0', '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1'])(
    'neutralises text a spreadsheet would run as a formula: %j',
    (text) => {
      const field = csvField(text);
      // Unquoted, the cell starts with the apostrophe; quoted, right after the opening quote.
      expect(field.replace(/^"/, '').startsWith("'")).toBe(true);
      expect(field.replace(/^"/, '').replace(/"$/, '').replace(/""/g, '"')).toBe(`'${text}`);
    },
  );

  it('keeps numbers, negative ones included, as numbers', () => {
    expect(csvField('-3.5')).toBe('-3.5');
    expect(csvField('+12')).toBe('+12');
    expect(csvField('-1e-3')).toBe('-1e-3');
    expect(csvField(-7)).toBe('-7');
    expect(csvField(0.25)).toBe('0.25');
  });

  it('quotes commas, quotes and line breaks, and leaves plain text alone', () => {
    expect(csvField('Best, Buy')).toBe('"Best, Buy"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('pat@utility.example')).toBe('pat@utility.example');
    expect(csvField(null)).toBe('');
    expect(csvField(true)).toBe('true');
  });

  it('joins a line of fields, each neutralised', () => {
    expect(csvLine(['day', '=evil_kwh', 1.5])).toBe("day,'=evil_kwh,1.5");
  });
});
