/**
 * CSV for downloads (stats, grid view, gift-card orders): one field at a time, RFC 4180 quoting, and
 * no formulas. A spreadsheet runs a cell that begins with = + - @ (or a tab or carriage return before
 * one) as a formula, so text written by people — a gift-card brand, an e-mail address, a period's name
 * — is prefixed with an apostrophe (OWASP's advice for CSV injection), which the spreadsheet shows as
 * plain text. Numbers stay numbers: "-3.5" is a temperature, not a formula.
 */

/** Text a spreadsheet would take as the start of a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A plain decimal number (optionally signed, with a fraction or exponent): never a formula. */
const NUMBER = /^[-+]?\d+(\.\d+)?(e[-+]?\d+)?$/i;

/** One field: neutralised when it could be read as a formula, quoted when it holds a comma, a quote or a line break. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (typeof value === 'string' && FORMULA_START.test(text) && !NUMBER.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One line of fields. */
export function csvLine(values: readonly unknown[]): string {
  return values.map(csvField).join(',');
}
