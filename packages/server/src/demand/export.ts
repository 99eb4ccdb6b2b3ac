/**
 * The evaluator's export of one event: one CSV row per participant, pseudonymous (P001, P002, … in
 * vehicle order within the event: stable across re-exports, and no name, e-mail or vehicle id leaves).
 */
import { csvLine } from '../csv.js';

export interface ExportRow {
  readonly group: 'treatment' | 'control';
  readonly startOffsetS: number;
  readonly endOffsetS: number;
  readonly notified: boolean;
  readonly optOut: 'explicit' | 'charging' | null;
  readonly baselineWh: number | null;
  readonly baselineDays: number | null;
  readonly actualWh: number | null;
  readonly shiftedWh: number | null;
  readonly reboundWh: number | null;
}

export const EXPORT_COLUMNS = [
  'participant',
  'group',
  'start_offset_s',
  'end_offset_s',
  'notified',
  'opt_out',
  'baseline_wh',
  'baseline_days',
  'actual_wh',
  'shifted_wh',
  'rebound_wh',
] as const;

const wh = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);

/** Rows in vehicle order → CSV text with a header line. */
export function participantsCsv(rows: readonly ExportRow[]): string {
  const lines = [csvLine(EXPORT_COLUMNS)];
  rows.forEach((r, i) => {
    lines.push(
      csvLine([
        `P${String(i + 1).padStart(3, '0')}`,
        r.group,
        r.startOffsetS,
        r.endOffsetS,
        r.notified,
        r.optOut ?? '',
        wh(r.baselineWh),
        r.baselineDays,
        wh(r.actualWh),
        wh(r.shiftedWh),
        wh(r.reboundWh),
      ]),
    );
  });
  return `${lines.join('\r\n')}\r\n`;
}
