/** CSV for downloads (stats, grid view, gift-card orders): one field at a time, RFC 4180 quoting. */

/** One field: quoted when it holds a comma, a quote or a line break. Numbers and booleans as JSON writes them. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
