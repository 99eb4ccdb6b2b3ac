/**
 * The byte pipe to an ELM327 adapter: Wi-Fi adapters listen on TCP (usually 192.168.0.10:35000),
 * USB and Bluetooth ones appear as a serial device (/dev/ttyUSB0, /dev/rfcomm0). Text goes in, text
 * comes back in chunks; the ELM327 client finds the `>` prompt in them.
 *
 * Serial ports are opened with the `serialport` package (prebuilt binaries, an optional dependency).
 * Where it cannot be loaded, the tty is opened as a file after setting it raw with `stty`: that works
 * on Linux (the Raspberry Pi) and needs nothing else installed.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { open, type FileHandle } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { promisify } from 'node:util';

export interface AdapterTransport {
  /** How the adapter is reached, for messages: `tcp://192.168.0.10:35000`, `/dev/ttyUSB0 at 38400 baud`. */
  readonly description: string;
  write(text: string): Promise<void>;
  /** Everything the adapter sends goes to this listener (one listener; set before writing). */
  onData(listener: (chunk: string) => void): void;
  /** Called once when the link drops (adapter unplugged, Wi-Fi lost). */
  onClose(listener: (error?: Error) => void): void;
  close(): Promise<void>;
}

export interface OpenAdapterOptions {
  /** Serial speed (default 38400, what most ELM327 clones ship with). */
  readonly baudRate?: number;
  /** Give up connecting after this long (default 10 s). */
  readonly connectTimeoutMs?: number;
}

export class AdapterError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AdapterError';
  }
}

/** `tcp://host:port` for a Wi-Fi adapter, or a serial device path. */
export async function openAdapter(spec: string, options: OpenAdapterOptions = {}): Promise<AdapterTransport> {
  if (/^tcp:\/\//i.test(spec)) {
    const url = new URL(spec);
    const port = Number(url.port || 35000);
    return TcpAdapterTransport.open(url.hostname, port, options.connectTimeoutMs ?? 10_000);
  }
  if (/^[a-z]+:\/\//i.test(spec)) {
    throw new AdapterError(
      `--adapter ${spec}: expected tcp://host:port (Wi-Fi adapter) or a serial device such as /dev/ttyUSB0`,
    );
  }
  return openSerialAdapter(spec, options.baudRate ?? 38400);
}

/** A Wi-Fi ELM327 (or the emulator): a plain TCP stream. */
export class TcpAdapterTransport implements AdapterTransport {
  private dataListener: ((chunk: string) => void) | undefined;
  private closeListener: ((error?: Error) => void) | undefined;
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly description: string,
  ) {
    socket.setEncoding('latin1');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => this.dataListener?.(chunk));
    let lastError: Error | undefined;
    socket.on('error', (error) => {
      lastError = error;
    });
    socket.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      this.closeListener?.(lastError);
    });
  }

  static async open(host: string, port: number, timeoutMs: number): Promise<TcpAdapterTransport> {
    const socket = connect({ host, port });
    const timer = setTimeout(() => socket.destroy(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
    try {
      await once(socket, 'connect');
    } catch (error) {
      throw new AdapterError(`Cannot reach the adapter at tcp://${host}:${port}: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
    return new TcpAdapterTransport(socket, `tcp://${host}:${port}`);
  }

  write(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(text, 'latin1', (error) => (error ? reject(error) : resolve()));
    });
  }

  onData(listener: (chunk: string) => void): void {
    this.dataListener = listener;
  }

  onClose(listener: (error?: Error) => void): void {
    this.closeListener = listener;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    this.socket.destroy();
  }
}

/** The part of serialport's SerialPort the transport uses (so tests can pass SerialPortMock). */
export interface SerialPortLike {
  open(callback: (error: Error | null) => void): void;
  write(data: string, callback: (error: Error | null | undefined) => void): boolean;
  drain(callback: (error: Error | null) => void): void;
  close(callback: (error: Error | null) => void): void;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'close', listener: (error?: Error | null) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  readonly isOpen: boolean;
}

/** A USB or Bluetooth-serial adapter through the `serialport` package. */
export class SerialAdapterTransport implements AdapterTransport {
  private dataListener: ((chunk: string) => void) | undefined;
  private closeListener: ((error?: Error) => void) | undefined;
  private closing = false;

  constructor(
    private readonly port: SerialPortLike,
    readonly description: string,
  ) {
    port.on('data', (chunk: Buffer) => this.dataListener?.(chunk.toString('latin1')));
    port.on('error', () => {});
    port.on('close', (error) => {
      if (!this.closing) this.closeListener?.(error ?? undefined);
    });
  }

  static async open(port: SerialPortLike, description: string): Promise<SerialAdapterTransport> {
    await new Promise<void>((resolve, reject) => {
      port.open((error) =>
        error ? reject(new AdapterError(`Cannot open ${description}: ${error.message}`, { cause: error })) : resolve(),
      );
    });
    return new SerialAdapterTransport(port, description);
  }

  write(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.port.write(text, (error) => {
        if (error) reject(error);
        else this.port.drain((drainError) => (drainError ? reject(drainError) : resolve()));
      });
    });
  }

  onData(listener: (chunk: string) => void): void {
    this.dataListener = listener;
  }

  onClose(listener: (error?: Error) => void): void {
    this.closeListener = listener;
  }

  close(): Promise<void> {
    this.closing = true;
    if (!this.port.isOpen) return Promise.resolve();
    return new Promise((resolve) => this.port.close(() => resolve()));
  }
}

interface SerialPortModule {
  SerialPort: new (options: { path: string; baudRate: number; autoOpen: boolean }) => SerialPortLike;
}

async function openSerialAdapter(path: string, baudRate: number): Promise<AdapterTransport> {
  const description = `${path} at ${baudRate} baud`;
  let module: SerialPortModule | undefined;
  try {
    // An optional dependency: named through a variable so that the build does not need it installed.
    const name = 'serialport';
    module = (await import(name)) as SerialPortModule;
  } catch {
    module = undefined;
  }
  if (module) {
    const port = new module.SerialPort({ path, baudRate, autoOpen: false });
    return SerialAdapterTransport.open(port, description);
  }
  return TtyFileTransport.open(path, baudRate, description);
}

/**
 * The fallback without `serialport`: `stty` sets the line raw at the baud rate, then the device is
 * read and written as a file. Linux only (stty -F).
 */
export class TtyFileTransport implements AdapterTransport {
  private dataListener: ((chunk: string) => void) | undefined;
  private closeListener: ((error?: Error) => void) | undefined;
  private closed = false;

  private constructor(
    private readonly handle: FileHandle,
    readonly description: string,
  ) {
    void this.readLoop();
  }

  static async open(path: string, baudRate: number, description: string): Promise<TtyFileTransport> {
    try {
      await promisify(execFile)('stty', ['-F', path, String(baudRate), 'raw', '-echo', '-echoe', '-echok', 'cs8']);
    } catch (error) {
      throw new AdapterError(`Cannot set up ${path} with stty: ${(error as Error).message}`, { cause: error });
    }
    let handle: FileHandle;
    try {
      handle = await open(path, 'r+');
    } catch (error) {
      throw new AdapterError(`Cannot open ${path}: ${(error as Error).message}`, { cause: error });
    }
    return new TtyFileTransport(handle, `${description} (tty file)`);
  }

  private async readLoop(): Promise<void> {
    const buffer = Buffer.alloc(4096);
    try {
      while (!this.closed) {
        const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        this.dataListener?.(buffer.toString('latin1', 0, bytesRead));
      }
      if (!this.closed) this.closeListener?.();
    } catch (error) {
      if (!this.closed) this.closeListener?.(error as Error);
    }
  }

  async write(text: string): Promise<void> {
    await this.handle.write(text, null, 'latin1');
  }

  onData(listener: (chunk: string) => void): void {
    this.dataListener = listener;
  }

  onClose(listener: (error?: Error) => void): void {
    this.closeListener = listener;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}
