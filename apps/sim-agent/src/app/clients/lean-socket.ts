import * as net from 'node:net';
import * as tls from 'node:tls';
import type { DeviceClientOptions } from './device-client';

export type CodedError = Error & { code?: string };

export const codedError = (message: string, code: string): CodedError =>
  Object.assign(new Error(message), { code });

/** Keeps a socket error's own code; stream-internal codes carry no cause, so they become a reset. */
export function asConnectionError(err: Error): CodedError {
  const code = (err as CodedError).code;
  if (code !== undefined && !code.startsWith('ERR_')) {
    return err;
  }
  return codedError(`connection lost: ${err.message}`, 'ECONNRESET');
}

// One read buffer for every lean socket: onread callbacks run one at a time and the frame splitter
// copies only a packet split across reads, so 10k sockets need no 64 KiB allocation per read.
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** Where a lean socket's bytes go: `buf[0, length)` is valid only during the call. */
export interface LeanSocketSink {
  onSocketBytes(socket: net.Socket, buf: Buffer, length: number): void;
}

/**
 * Opens a lean client's connection, Nagle off. Plain TCP reads straight into the shared buffer
 * (`onread`); TLS decrypts into buffers of its own, which arrive as 'data'. Writing the CONNECT
 * before the handshake ends is fine: a TLSSocket holds writes until it is secure.
 */
export function openLeanSocket(
  options: Pick<DeviceClientOptions, 'host' | 'port' | 'localAddress' | 'tls'>,
  sink: LeanSocketSink,
): net.Socket {
  const { host, port, localAddress } = options;
  if (options.tls) {
    const tlsOptions: tls.ConnectionOptions & net.TcpSocketConnectOpts = {
      host,
      port,
      localAddress,
      ...options.tls,
    };
    const socket = tls.connect(tlsOptions);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => sink.onSocketBytes(socket, chunk, chunk.length));
    return socket;
  }
  const socket: net.Socket = net.connect({
    host,
    port,
    localAddress,
    noDelay: true,
    onread: {
      buffer: READ_BUFFER,
      callback: (length: number, buf: Uint8Array): boolean => {
        sink.onSocketBytes(socket, buf as Buffer, length);
        return true;
      },
    },
  });
  return socket;
}
