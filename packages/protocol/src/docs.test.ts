/**
 * The published protocol documents stay true to the code: the JSON Schema file is what the zod
 * definition generates, and docs/protocol.md describes every field with its unit and resolution.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { LOCATION_FIELDS, NUMERIC_FIELDS, UPLINK_ERROR_CODES, RECORD_ISSUE_CODES } from './index.js';
import { uplinkBatchJsonSchema } from './uplink.js';

const docs = (name: string) => readFile(new URL(`../../../docs/${name}`, import.meta.url), 'utf8');

/** The cells of the markdown table row whose first cell is `first`. */
function tableRow(markdown: string, first: string): string[] | undefined {
  for (const line of markdown.split('\n')) {
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    if (cells[0] === first) return cells;
  }
  return undefined;
}

describe('published protocol documents', () => {
  it('docs/uplink-batch.schema.json is the schema the code generates (run `npm run docs:schema` after a change)', async () => {
    expect(JSON.parse(await docs('uplink-batch.schema.json'))).toEqual(uplinkBatchJsonSchema());
  });

  it('docs/protocol.md lists every record field with its unit, range and resolution', async () => {
    const text = await docs('protocol.md');
    for (const [name, spec] of Object.entries(NUMERIC_FIELDS)) {
      const row = tableRow(text, `\`${name}\``);
      expect(row, name).toBeDefined();
      const [, type, unit, range, resolution] = row!;
      expect(type).toBe('number');
      expect(unit).toBe(spec.unit);
      expect(range!.replaceAll('−', '-')).toBe(`${spec.min} … ${spec.max}`);
      expect(resolution).toBe(String(1 / 10 ** spec.decimals));
    }
    for (const name of Object.keys(LOCATION_FIELDS)) expect(text).toContain(`\`location.${name}\``);
  });

  it('docs/protocol.md explains every refusal code and issue code', async () => {
    const text = await docs('protocol.md');
    for (const code of [...UPLINK_ERROR_CODES, ...RECORD_ISSUE_CODES]) expect(text, code).toContain(`\`${code}\``);
  });
});
