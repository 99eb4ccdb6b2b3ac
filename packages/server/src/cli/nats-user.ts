/**
 * `smartcharge broker nats-user`: a device's (or an ingest server's) account line for the NATS
 * users file (deploy/nats/smartcharge-users.conf), its secret bcrypt-hashed, so the broker's config
 * never holds it in plain text. Prints the line, or with --file adds, replaces or (--revoke)
 * removes it there; `nats-server --signal reload` then takes it in. docs/nats.md.
 */
import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { AppError } from '../errors.js';
import { addNatsUser, DEFAULT_BCRYPT_COST, natsUserEntry, removeNatsUser, type NatsUser } from '../nats/nats-users.js';

interface NatsUserOptions {
  serial?: string;
  ingest?: string;
  secret?: string;
  secretFile?: string;
  file?: string;
  revoke?: boolean;
  cost: number;
}

function bcryptCost(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 10 || n > 15) throw new InvalidArgumentError('expected a whole number from 10 to 15');
  return n;
}

const RELOAD_HINT = 'reload every NATS node to apply it: nats-server --signal reload (or systemctl reload nats-server)';

export function addBrokerCommands(program: Command): void {
  const broker = program.command('broker').description('Accounts on an external broker (NATS: docs/nats.md).');
  broker
    .command('nats-user')
    .description(
      "Print a device's account line for the NATS users file (bcrypt-hashed secret, its own topics only), or add, replace or remove it in that file.",
    )
    .option('--serial <serial>', 'the device (its account: user = serial, password = secret)')
    .option('--ingest <name>', 'instead of a device: a platform ingest account, named smartcharge-ingest…')
    .option('--secret <secret>', 'the secret (device provision prints it); visible to other users of this machine')
    .option('--secret-file <file>', 'read the secret from this file instead (first line)')
    .option('--file <file>', 'the users file to write the line into (replacing the account’s line if present)')
    .option('--revoke', 'remove the account from --file instead')
    .option('--cost <n>', 'bcrypt cost (the broker spends it on every connection)', bcryptCost, DEFAULT_BCRYPT_COST)
    .action(async (options: NatsUserOptions) => {
      if ((options.serial === undefined) === (options.ingest === undefined)) {
        throw new AppError('invalid_input', 'Name the account: --serial SERIAL for a device, or --ingest NAME.');
      }
      const user: NatsUser =
        options.serial !== undefined
          ? { kind: 'device', serial: options.serial }
          : { kind: 'ingest', name: options.ingest! };
      const name = options.serial ?? options.ingest!;
      try {
        if (options.revoke) {
          if (options.file === undefined)
            throw new AppError('invalid_input', '--revoke removes a line from --file: name the file.');
          const removed = await removeNatsUser(options.file, user);
          process.stdout.write(
            removed
              ? `Removed ${name} from ${options.file}; ${RELOAD_HINT}.\n`
              : `${name} is not in ${options.file}.\n`,
          );
          return;
        }
        const secret =
          options.secretFile !== undefined
            ? ((await readFile(options.secretFile, 'utf8')).split('\n')[0] ?? '').trim()
            : options.secret;
        if (secret === undefined || secret === '') {
          throw new AppError('invalid_input', 'Give the secret: --secret SECRET or --secret-file FILE.');
        }
        const entry = await natsUserEntry(user, secret, options.cost);
        if (options.file === undefined) {
          process.stdout.write(`${entry}\n`);
          return;
        }
        const outcome = await addNatsUser(options.file, entry);
        process.stdout.write(
          `${outcome === 'added' ? 'Added' : 'Replaced'} ${name} in ${options.file}; ${RELOAD_HINT}.\n`,
        );
      } catch (error) {
        if (error instanceof AppError) throw error;
        throw new AppError('invalid_input', (error as Error).message, { cause: error });
      }
    });
}
