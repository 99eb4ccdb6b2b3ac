/**
 * `smartcharge account …` and `smartcharge job …`: operators make and list accounts, see the
 * scheduled jobs and run one now. Like every command they reach the platform through the running
 * server's operator API when it holds the data folder, and open the database themselves otherwise.
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ACCOUNT_ROLES, type AccountRole } from '../accounts/index.js';
import { AppError } from '../errors.js';
import type { Json, OperatorClient } from './operator-client.js';
import type { Output } from './output.js';

interface TargetOptions {
  dataDir?: string;
  databaseUrl?: string;
  json?: boolean;
}

/** The helpers commands.ts gives every command: where to connect, and how to print. */
export interface CommandKit {
  withTarget(command: Command): Command;
  withOperator(
    options: TargetOptions,
    commandLine: string,
    run: (client: OperatorClient, out: Output) => Promise<void>,
  ): Promise<void>;
  emit(out: Output, value: unknown, human: () => void): void;
}

/** Long enough to stand as a real password until its owner changes it (120 random bits). */
function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

/** The password piped in: everything on standard input but the final line break. */
async function readPasswordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new AppError('invalid_input', '--password-stdin reads the password from a pipe, e.g. `… < password.txt`.');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password === '') throw new AppError('invalid_input', 'No password arrived on standard input.');
  return password;
}

function when(value: unknown): string {
  return typeof value === 'string' ? value.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '–';
}

function printAccounts(accounts: readonly Json[]): void {
  if (accounts.length === 0) {
    console.log('No accounts.');
    return;
  }
  console.log(['id', 'email', 'name', 'role', 'utility', 'created'].join('\t'));
  for (const a of accounts) {
    console.log([a.id, a.email, a.name, a.role, a.utility ?? '–', when(a.createdAt)].map(String).join('\t'));
  }
}

function printJobs(jobs: readonly Json[]): void {
  if (jobs.length === 0) {
    console.log('No scheduled jobs.');
    return;
  }
  console.log(['job', 'next run', 'last run', 'result', 'runs'].join('\t'));
  for (const j of jobs) {
    const last = typeof j.lastStatus === 'string' ? j.lastStatus : '–';
    const result = j.running ? `running (${String(j.lockedBy)})` : last;
    const error = j.lastStatus === 'failed' && typeof j.lastError === 'string' ? `: ${j.lastError}` : '';
    console.log(
      [j.name, when(j.nextRunAt), when(j.lastFinishedAt), `${result}${error}`, j.runs].map(String).join('\t'),
    );
  }
}

export function addAccountCommands(program: Command, kit: CommandKit): void {
  const account = program.command('account').description('Accounts: drivers, program administrators, operators.');

  kit
    .withTarget(
      account
        .command('add')
        .description(
          'Make an account. Prints a generated password, once, unless one is piped in (--password-stdin) ' +
            'or the person is invited by mail to choose their own (--invite).',
        )
        .requiredOption('--email <address>', 'their email address: they sign in with it')
        .addOption(new Option('--role <role>', 'what they may do').choices(ACCOUNT_ROLES).makeOptionMandatory())
        .option(
          '--utility <name>',
          'for a program_admin: the utility whose programs they manage, e.g. "Alectra Utilities"',
        )
        .option('--name <name>', 'their name, as mail greets them (default: the part of the address before @)')
        .option('--password-stdin', 'read the password from standard input instead of generating one')
        .option('--invite', 'mail them a link to choose their password (valid seven days) instead'),
    )
    .action(
      async (
        options: TargetOptions & {
          email: string;
          role: AccountRole;
          utility?: string;
          name?: string;
          passwordStdin?: boolean;
          invite?: boolean;
        },
      ) => {
        if (options.passwordStdin && options.invite) {
          throw new AppError('invalid_input', 'Give either --password-stdin or --invite, not both.');
        }
        const piped = options.passwordStdin ? await readPasswordFromStdin() : undefined;
        const generated = options.passwordStdin || options.invite ? undefined : generatePassword();
        await kit.withOperator(options, 'smartcharge account add', async (client, out) => {
          const created = await client.createAccount({
            email: options.email,
            name: options.name ?? options.email.trim().split('@')[0] ?? options.email,
            role: options.role,
            ...(options.utility === undefined ? {} : { utility: options.utility }),
            ...(piped === undefined && generated === undefined ? {} : { password: piped ?? generated }),
          });
          kit.emit(out, generated ? { account: created, password: generated } : { account: created }, () => {
            const scope = typeof created.utility === 'string' ? ` for ${created.utility}` : '';
            console.log(`Account ${String(created.id)}: ${String(created.email)}, ${String(created.role)}${scope}.`);
            if (generated) {
              console.log('');
              console.log(`  password:  ${generated}`);
              console.log('');
              console.log('Give it to them now: it is shown only this once. They can change it after signing in.');
            } else if (options.invite) {
              console.log(`An invitation to choose a password is on its way to ${String(created.email)}.`);
            }
          });
        });
      },
    );

  kit
    .withTarget(
      account
        .command('list')
        .description('List accounts, oldest first.')
        .addOption(new Option('--role <role>', 'only this role').choices(ACCOUNT_ROLES))
        .option('--utility <name>', 'only administrators of this utility')
        .option('--after <id>', 'start after this account id (paging)', positiveInt)
        .option('--limit <n>', 'at most this many (default 100, at most 1000)', positiveInt),
    )
    .action(
      async (options: TargetOptions & { role?: AccountRole; utility?: string; after?: number; limit?: number }) => {
        await kit.withOperator(options, 'smartcharge account list', async (client, out) => {
          const accounts = await client.listAccounts({
            ...(options.role ? { role: options.role } : {}),
            ...(options.utility ? { utility: options.utility } : {}),
            ...(options.after ? { afterId: options.after } : {}),
            ...(options.limit ? { limit: options.limit } : {}),
          });
          kit.emit(out, accounts, () => printAccounts(accounts));
        });
      },
    );

  const job = program
    .command('job')
    .description('Scheduled work (rewards, payouts, reminders, mail, clean-up): its state, and running a job now.');

  kit
    .withTarget(job.command('list').description('List the scheduled jobs: next run, last run and its result.'))
    .action(async (options: TargetOptions) => {
      await kit.withOperator(options, 'smartcharge job list', async (client, out) => {
        const jobs = await client.listJobs();
        kit.emit(out, jobs, () => printJobs(jobs));
      });
    });

  kit
    .withTarget(
      job
        .command('run')
        .description('Run a job now (see: smartcharge job list); it keeps its schedule afterwards.')
        .argument('<name>', 'the job, e.g. rewards or gift-cards'),
    )
    .action(async (name: string, options: TargetOptions) => {
      await kit.withOperator(options, 'smartcharge job run', async (client, out) => {
        const result = await client.runJob(name);
        kit.emit(out, result, () => {
          if (result.status === 'ok') {
            const summary = result.summary === undefined ? '' : `: ${JSON.stringify(result.summary)}`;
            console.log(`Ran ${name} on ${out.via}${summary}`);
          }
        });
        if (result.status === 'skipped') {
          process.stderr.write(
            `smartcharge: ${name} is running in another process right now; it was not run again. Try when it is done.\n`,
          );
          process.exitCode = 1;
        } else if (result.status === 'failed') {
          process.stderr.write(`smartcharge: ${name} failed: ${String(result.error)}\n`);
          process.exitCode = 1;
        }
      });
    });
}
