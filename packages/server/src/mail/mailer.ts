/**
 * Outgoing email: password resets, decisions, reminders, payouts. With SMTP_URL it goes to that
 * server; without, each message is written as an .eml file to MAIL_DIR, where a developer (or a
 * test) can open it. nodemailer builds the message either way. The log names recipient and
 * subject, never the body (reset links are secrets).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../logger.js';

export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

export interface Mailer {
  /** Where mail goes, safe to print. */
  readonly description: string;
  send(message: MailMessage): Promise<void>;
}

export function createMailer(options: {
  smtpUrl: string | undefined;
  from: string;
  directory: string;
  log: Logger;
}): Mailer {
  if (options.smtpUrl) {
    const transport: Transporter = nodemailer.createTransport(options.smtpUrl);
    const host = safeHost(options.smtpUrl);
    return {
      description: `SMTP ${host}`,
      async send(message) {
        await transport.sendMail({ from: options.from, ...message });
        options.log.info({ to: message.to, subject: message.subject }, 'mail sent');
      },
    };
  }
  const transport: Transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  let counter = 0;
  return {
    description: `files in ${options.directory}`,
    async send(message) {
      const info = (await transport.sendMail({ from: options.from, ...message })) as { message: Buffer };
      await mkdir(options.directory, { recursive: true, mode: 0o700 });
      counter += 1;
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const file = path.join(options.directory, `${stamp}-${process.pid}-${counter}.eml`);
      await writeFile(file, info.message, { mode: 0o600 });
      options.log.info({ to: message.to, subject: message.subject, file }, 'mail written');
    },
  };
}

function safeHost(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}`;
  } catch {
    return '(unparseable SMTP_URL)';
  }
}
