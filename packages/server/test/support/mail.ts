/**
 * Mail the server wrote as .eml files (MAIL_DIR, when SMTP_URL is unset), read back for tests:
 * recipient, subject and plain-text body, decoded from what nodemailer chose (7bit,
 * quoted-printable or base64; RFC 2047 words in headers). Written apart from nodemailer on
 * purpose: a test reads the message as a mail client would.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface TestMail {
  readonly file: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/** Every message in the folder, oldest first (none when the folder does not exist yet). */
export async function readTestMail(dir: string): Promise<TestMail[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.eml'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  // "<ISO stamp>-<pid>-<counter>.eml": the counter orders messages written within one millisecond.
  const order = (name: string) => {
    const match = /^(.*)-(\d+)-(\d+)\.eml$/.exec(name);
    return { stamp: match?.[1] ?? name, counter: Number(match?.[3] ?? 0) };
  };
  names.sort((a, b) => {
    const x = order(a);
    const y = order(b);
    return x.stamp < y.stamp ? -1 : x.stamp > y.stamp ? 1 : x.counter - y.counter;
  });
  const out: TestMail[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    out.push({ file, ...parseMessage(await readFile(file, 'utf8')) });
  }
  return out;
}

/** Messages to one address (compared without case), oldest first. */
export async function mailTo(dir: string, address: string): Promise<TestMail[]> {
  return (await readTestMail(dir)).filter((mail) => mail.to.toLowerCase().includes(address.toLowerCase()));
}

function parseMessage(raw: string): Omit<TestMail, 'file'> {
  const normalized = raw.replace(/\r\n/g, '\n');
  const split = normalized.indexOf('\n\n');
  const head = split === -1 ? normalized : normalized.slice(0, split);
  const body = split === -1 ? '' : normalized.slice(split + 2);
  const headers = new Map<string, string>();
  // Folded header lines continue with whitespace.
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const type = headers.get('content-type') ?? 'text/plain';
  if (!type.toLowerCase().startsWith('text/plain')) {
    throw new Error(`expected a plain-text message, got Content-Type: ${type}`);
  }
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  return {
    to: decodeWords(headers.get('to') ?? ''),
    subject: decodeWords(headers.get('subject') ?? ''),
    text: decodeBody(body, encoding),
  };
}

function decodeBody(body: string, encoding: string): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

function decodeQuotedPrintable(text: string): string {
  const joined = text.replace(/=\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined[i] === '=' ? joined.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words: =?UTF-8?Q?…?= and =?UTF-8?B?…?=. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_all, _charset: string, kind: string, data: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}
