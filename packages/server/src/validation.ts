/**
 * Turning zod failures on service input into an AppError that names every offending field.
 */
import type { z } from 'zod';
import { AppError } from './errors.js';

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    field: formatPath(issue.path) || '(input)',
    message: issue.message,
  }));
  throw new AppError('invalid_input', details.map((d) => `${d.field}: ${d.message}`).join('; '), { details });
}
