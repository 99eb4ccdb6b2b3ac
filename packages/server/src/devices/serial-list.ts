/**
 * Reading a list of device serials that staff paste or upload: one serial a line, or a CSV whose
 * first column is the serial (a header line "serial" is allowed). Each problem names its line.
 */
import { DEVICE_SERIAL_PATTERN } from '@smartcharge/protocol';

/** Most serials one list may add (a pallet of devices; larger lists go in several parts). */
export const MAX_SERIALS_PER_LIST = 1000;

export interface SerialListLine {
  readonly line: number;
  readonly serial: string;
}

export interface SerialListProblem {
  /** 1-based, as an editor numbers lines; 0 for the list as a whole. */
  readonly line: number;
  readonly message: string;
}

export interface SerialList {
  readonly serials: readonly SerialListLine[];
  readonly problems: readonly SerialListProblem[];
}

const HEADER = /^(serial|serial number|device|device serial)$/i;

/** The serials of a pasted or uploaded list, and what is wrong with its lines. */
export function parseSerialList(text: string): SerialList {
  const serials: SerialListLine[] = [];
  const problems: SerialListProblem[] = [];
  const firstLine = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    // The first column: a CSV from a spreadsheet may carry more (a batch number, a date).
    const cell = (raw.split(/[,;\t]/)[0] ?? '')
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim();
    if (cell === '') return;
    if (serials.length === 0 && problems.length === 0 && HEADER.test(cell)) return;
    if (!DEVICE_SERIAL_PATTERN.test(cell)) {
      problems.push({
        line,
        message: `Line ${line}: "${cell.slice(0, 70)}" is not a serial (3 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit).`,
      });
      return;
    }
    const seen = firstLine.get(cell);
    if (seen !== undefined) {
      problems.push({ line, message: `Line ${line}: ${cell} is already on line ${seen}.` });
      return;
    }
    firstLine.set(cell, line);
    serials.push({ line, serial: cell });
  });
  if (serials.length === 0 && problems.length === 0) {
    problems.push({ line: 0, message: 'The list has no serials: give one serial a line.' });
  }
  if (serials.length > MAX_SERIALS_PER_LIST) {
    problems.push({
      line: 0,
      message: `The list has ${serials.length} serials; add at most ${MAX_SERIALS_PER_LIST} at a time (split the file).`,
    });
  }
  return { serials, problems };
}
