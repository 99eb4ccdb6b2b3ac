/**
 * The README is the front door: it must name every setting, with the default the code uses.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../src/config.js';

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

describe('README', () => {
  it('documents every setting with its flag and default', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    for (const spec of Object.values(SETTINGS)) {
      const row = tableRow(readme, `\`${spec.env}\``);
      expect(row, spec.env).toBeDefined();
      const defaultText = 'defaultText' in spec ? spec.defaultText : `\`${String(spec.defaultValue)}\``;
      expect(row![1], spec.env).toBe('flag' in spec ? `\`--${spec.flag}\`` : '–');
      expect(row![2], spec.env).toBe(defaultText);
      expect(row![3], spec.env).toBe(spec.description);
    }
  });

  it('shows the two commands a new user needs', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });
});
