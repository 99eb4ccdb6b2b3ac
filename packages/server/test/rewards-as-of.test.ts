/**
 * Evaluating rewards "as of" a moment, on PGlite and on PostgreSQL: the ledger is append-only, so
 * an evaluation as of a moment after the platform's clock would pay the future (a month, a tenure
 * or a year-end bonus not yet earned) for good. The service refuses it and writes nothing; a past
 * or absent asOf evaluates as before.
 */
import { beforeAll, expect, it } from 'vitest';
import { CLI_OPERATOR } from '../src/actor.js';
import { AppError } from '../src/errors.js';
import { PRESETS } from '../src/programs/index.js';
import type { Services } from '../src/services.js';
import { testServices } from './support/builders.js';
import { describeEachDatabase } from './support/databases.js';

const NOW = Date.UTC(2026, 8, 30, 12);

describeEachDatabase('rewards evaluated as of a moment', (setup) => {
  let services: Services;
  const slug = 'alectra-as-of';

  beforeAll(async () => {
    services = await testServices(setup().db, {}, () => new Date(NOW));
    await services.programs.createProgram(CLI_OPERATOR, { ...PRESETS.alectra, slug });
  });

  const ledgerRows = async () =>
    Number((await services.db.query<{ n: string }>('SELECT count(*) AS n FROM ledger_entry')).rows[0]!.n);

  it('refuses an asOf after the platform clock, naming both moments, and writes nothing', async () => {
    const before = await ledgerRows();
    const future = new Date(Date.UTC(2026, 11, 31, 23));
    const refusal = services.rewards.evaluateProgram(CLI_OPERATOR, slug, future);
    await expect(refusal).rejects.toBeInstanceOf(AppError);
    await expect(refusal).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(refusal).rejects.toThrow(
      `asOf ${future.toISOString()} is after the current time ${new Date(NOW).toISOString()}`,
    );
    await expect(services.rewards.evaluateAll(future)).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await ledgerRows()).toBe(before);
  });

  it('evaluates as of a past moment, as of now, and with no asOf', async () => {
    for (const asOf of [new Date(NOW - 86_400_000), new Date(NOW), undefined]) {
      const result = await services.rewards.evaluateProgram(CLI_OPERATOR, slug, asOf);
      expect(result).toMatchObject({ program: slug });
    }
  });
});
