/**
 * The README is the front door: it must name every setting, with the default the code uses.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../src/config.js';

describe('README', () => {
  it('documents every setting with its flag and default', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    for (const spec of Object.values(SETTINGS)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${spec.env}\` |`));
      expect(row, spec.env).toBeDefined();
      const defaultText = 'defaultText' in spec ? spec.defaultText : `\`${String(spec.defaultValue)}\``;
      expect(row, spec.env).toContain(`| ${defaultText} |`);
      if ('flag' in spec) expect(row, spec.env).toContain(`\`--${spec.flag}\``);
    }
  });

  it('shows the two commands a new user needs', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });
});
