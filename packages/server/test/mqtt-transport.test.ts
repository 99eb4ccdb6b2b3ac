/**
 * The device's MQTT transport when the broker goes away after it connected: a send must fail
 * within its ack timeout with a TransportError (the publish stays queued for the reconnect),
 * never hang or leave a rejection nobody handles, and closing must not wait for the broker. A bare
 * aedes broker stands in for the server. A broker that takes the connection and never answers it
 * fails the send within the same timeout, and the next send connects afresh.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { MqttUplinkTransport, TransportError } from '@smartcharge/device';
import { Aedes } from 'aedes';
import { afterEach, expect, it } from 'vitest';
import { batchOf } from './support/builders.js';

let stop: (() => Promise<void>) | undefined;

afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function startBroker(): Promise<{ url: string; kill: () => Promise<void> }> {
  const broker = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const kill = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => broker.close(() => resolve()));
  };
  return { url: `mqtt://127.0.0.1:${port}`, kill };
}

it('fails a send within the ack timeout when the broker went away after connecting', async () => {
  const broker = await startBroker();
  const transport = new MqttUplinkTransport({
    url: broker.url,
    credential: { serial: 'C2-GONE-1', secret: 'x'.repeat(32) },
    timeoutMs: 300,
  });
  stop = async () => {
    await transport.close().catch(() => {});
  };
  await transport.connectOnce(5000);
  await broker.kill();
  const batch = batchOf('C2-GONE-1', 1, [{ seq: 0, time_ms: Date.now(), soc_pct: 50 }]);
  const sent = transport.send(batch);
  await expect(sent).rejects.toBeInstanceOf(TransportError);
  await expect(sent).rejects.toThrow('no ack within 300 ms');
  // Closing does not wait for the queued publish to reach a broker that is gone.
  await transport.close();
});

it('fails a send within its timeout when the broker takes the connection and never answers, then connects afresh', async () => {
  const silent = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    silent.add(socket);
    socket.once('close', () => silent.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const transport = new MqttUplinkTransport({
    url: `mqtt://127.0.0.1:${port}`,
    credential: { serial: 'C2-SILENT-1', secret: 'x'.repeat(32) },
    timeoutMs: 300,
  });
  stop = async () => {
    await transport.close().catch(() => {});
    for (const socket of silent) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const batch = batchOf('C2-SILENT-1', 1, [{ seq: 0, time_ms: Date.now(), soc_pct: 50 }]);
  const first = transport.send(batch);
  await expect(first).rejects.toBeInstanceOf(TransportError);
  await expect(first).rejects.toThrow('within 300 ms');
  await expect(transport.send(batch)).rejects.toBeInstanceOf(TransportError);
  // The second send did not wait on the first, abandoned connection: it opened its own.
  expect(connections).toBeGreaterThanOrEqual(2);
});
