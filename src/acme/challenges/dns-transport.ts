/**
 * One DNS exchange with one server: UDP first (what every server answers fastest), TCP when the
 * answer is truncated or UDP stays silent (RFC 7766: TCP is always allowed). Only a datagram from
 * the server's address and port, with our ID, counts as the answer: anything else on the socket is
 * ignored, not trusted.
 */
import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import { DnsWireError, decodeMessage, isResponse, isTruncated, type Message } from './dns-wire.ts';

/** A DNS message is at most 65535 octets; a UDP answer without EDNS at most 512, accept more. */
const MAX_MESSAGE = 65535;

export interface Exchanged {
  wire: Buffer;
  message: Message;
}

export interface ExchangeOptions {
  host: string;
  port: number;
  /** Per try; UDP is tried twice before TCP. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export async function exchange(request: Buffer, opts: ExchangeOptions): Promise<Exchanged> {
  const id = request.readUInt16BE(0);
  for (let attempt = 0; attempt < 2; attempt++) {
    const udp = await udpExchange(request, id, opts);
    if (udp === undefined) continue;
    if (!isTruncated(udp.message)) return udp;
    break;
  }
  return tcpExchange(request, id, opts);
}

function parseAnswer(wire: Buffer, id: number): Exchanged | undefined {
  try {
    const message = decodeMessage(wire);
    return message.id === id && isResponse(message) ? { wire, message } : undefined;
  } catch {
    return undefined;
  }
}

function abortError(): Error {
  return Object.assign(new Error('stopped: time budget spent'), { name: 'DeadlineExceeded' });
}

/** undefined: no answer within the timeout. */
function udpExchange(request: Buffer, id: number, opts: ExchangeOptions): Promise<Exchanged | undefined> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(abortError());
    const socket = createSocket(isIPv6(opts.host) ? 'udp6' : 'udp4');
    const done = (fn: () => void) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.close();
      fn();
    };
    const onAbort = () => done(() => reject(abortError()));
    const timer = setTimeout(() => done(() => resolve(undefined)), opts.timeoutMs);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    // A refusal (ICMP port unreachable) or a send error: let TCP try and say what is wrong.
    socket.on('error', () => done(() => resolve(undefined)));
    socket.on('message', (wire, rinfo) => {
      if (rinfo.port !== opts.port) return;
      const answer = parseAnswer(wire, id);
      if (answer) done(() => resolve(answer));
    });
    // connect(): the kernel drops datagrams from any other address.
    socket.connect(opts.port, opts.host, () => socket.send(request));
  });
}

function tcpExchange(request: Buffer, id: number, opts: ExchangeOptions): Promise<Exchanged> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(abortError());
    const socket = connect({ host: opts.host, port: opts.port });
    let chunks: Buffer[] = [];
    let received = 0;
    const done = (fn: () => void) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      fn();
    };
    const onAbort = () => done(() => reject(abortError()));
    const timer = setTimeout(
      () =>
        done(() => reject(new Error(`no answer from ${opts.host}:${opts.port} within ${opts.timeoutMs} ms`))),
      opts.timeoutMs,
    );
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      done(() => reject(new Error(`${opts.host}:${opts.port}: ${err.code ?? err.message}`))),
    );
    socket.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(request.length);
      socket.write(Buffer.concat([len, request]));
    });
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      received += d.length;
      if (received > MAX_MESSAGE + 2) return done(() => reject(new DnsWireError('oversized TCP answer')));
      const all = Buffer.concat(chunks);
      chunks = [all];
      if (all.length < 2) return;
      const len = all.readUInt16BE(0);
      if (all.length < len + 2) return;
      const answer = parseAnswer(all.subarray(2, 2 + len), id);
      done(() =>
        answer
          ? resolve(answer)
          : reject(new DnsWireError(`${opts.host}:${opts.port} sent a malformed or unrelated answer`)),
      );
    });
    socket.on('end', () =>
      done(() => reject(new Error(`${opts.host}:${opts.port} closed the connection without an answer`))),
    );
  });
}
