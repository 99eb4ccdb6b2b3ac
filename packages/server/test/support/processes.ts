/**
 * The real `smartcharge` command as a child process (the built CLI: `npm test` builds first).
 * For end-to-end tests that kill, restart or script the server from outside.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../bin/smartcharge.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

function requireBuild(): void {
  if (!existsSync(BUILT)) throw new Error('These tests run the built CLI: run `npm run build` first (npm test does).');
}

/** A TCP port nobody listens on right now (for the embedded MQTT broker, whose 0 means "off"). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one CLI command to completion; `input`, when given, is piped to its standard input. */
export function runCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  options: { input?: string } = {},
): Promise<CliResult> {
  requireBuild();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn', DEMO: 'false', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // Without input, standard input ends at once, as /dev/null would. A command that exits before
    // reading it closes the pipe (EPIPE): that is the command's answer, not a failure of the test.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process wrote so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `smartcharge serve` on a free HTTP port and waits until it is listening.
 * Pass SMARTCHARGE_DATA_DIR or DATABASE_URL (and MQTT settings) in env.
 */
export async function startServerProcess(
  env: Record<string, string | undefined>,
  options: { timeoutMs?: number; nodeArgs?: readonly string[] } = {},
): Promise<ServerProcess> {
  requireBuild();
  const timeoutMs = options.timeoutMs ?? 60_000;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, 'serve', '--json'], {
    env: { ...process.env, PORT: '0', MQTT_PORT: '0', LOG_LEVEL: 'warn', DEMO: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"event":"started".*?"url":"([^"]+)"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it started:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    exited,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
