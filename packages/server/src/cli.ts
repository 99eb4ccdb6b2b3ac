/**
 * Entry point of the `smartcharge` command. Errors become one clear line and an exit code:
 * 2 for wrong settings or usage, 1 for everything else.
 */
import { CommanderError } from 'commander';
import { buildProgram } from './cli/commands.js';
import { ConfigError } from './config.js';
import { DataDirBusyError } from './db/data-dir-lock.js';
import { AppError } from './errors.js';

export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`smartcharge: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    if (error instanceof AppError) {
      process.stderr.write(`smartcharge: ${error.message}\n`);
      for (const detail of error.details ?? []) process.stderr.write(`  - ${detail.field}: ${detail.message}\n`);
      // Bad input from the command line is a usage error, like a wrong setting.
      process.exitCode = error.code === 'invalid_input' ? 2 : 1;
      return;
    }
    if (error instanceof DataDirBusyError) {
      process.stderr.write(`smartcharge: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`smartcharge: ${(error as Error).message ?? String(error)}\n`);
    if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace') console.error(error);
    process.exitCode = 1;
  }
}
