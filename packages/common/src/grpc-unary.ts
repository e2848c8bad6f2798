import http2 from "node:http2";
import net from "node:net";
import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { StatusSchema } from "@tickstock/gen/google/rpc/status_pb.js";

/**
 * Unary gRPC calls over one node:http2 session per target, for the gateway's REST path.
 *
 * Both gRPC client libraries cost about 0.25–0.3 ms of CPU per unary call on our 2-core machine
 * (grpc-js's filter stack and retry machinery, connect-node's async iterables), against about
 * 0.08 ms for the same call made with node:http2 itself; the gateway makes one such call per
 * uncached REST request. A unary call is one length-prefixed message each way and a status in the
 * trailers (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md), so it is done here;
 * streams stay with grpc-js.
 */

const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM, NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_INADEQUATE_SECURITY, HTTP2_HEADER_STATUS } = http2.constants;

export interface UnaryCallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export interface UnaryChannel {
  call(path: string, request: Uint8Array, options: UnaryCallOptions): Promise<Uint8Array>;
  close(): void;
}

/** An HTTP status without a gRPC status → a code, as the gRPC spec maps them (http-grpc-status-mapping.md). */
function codeOfHttpStatus(status: number): Code {
  switch (status) {
    case 400:
      return Code.Internal;
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.Unimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.Unavailable;
    default:
      return Code.Unknown;
  }
}

/** An RST_STREAM before any status → a code (PROTOCOL-HTTP2.md, "Errors"). */
function codeOfReset(rstCode: number): Code {
  if (rstCode === NGHTTP2_REFUSED_STREAM) return Code.Unavailable;
  if (rstCode === NGHTTP2_CANCEL) return Code.Canceled;
  if (rstCode === NGHTTP2_ENHANCE_YOUR_CALM) return Code.ResourceExhausted;
  if (rstCode === NGHTTP2_INADEQUATE_SECURITY) return Code.PermissionDenied;
  return Code.Internal;
}

/** The status a server sent (trailers, or the headers of a trailers-only answer), with its details. */
function statusError(fields: http2.IncomingHttpHeaders): ConnectError | null {
  const code = Number(fields["grpc-status"]);
  if (code === 0) return null;
  const raw = String(fields["grpc-message"] ?? "");
  let message = raw;
  try {
    message = decodeURIComponent(raw);
  } catch {
    // not percent-encoded as the spec asks: taken as it came
  }
  const err = new ConnectError(message, Number.isInteger(code) && code > 0 && code <= 16 ? (code as Code) : Code.Unknown);
  const bin = fields["grpc-status-details-bin"];
  if (typeof bin === "string") err.details.push(...detailsOfStatus(Buffer.from(bin, "base64")));
  err.isWireError = true;
  return err;
}

/**
 * The details of a `grpc-status-details-bin` (a google.rpc.Status), as Connect keeps details read
 * from the wire (`findDetails` decodes them). Undecodable bytes give none: the code and message
 * still stand.
 */
export function detailsOfStatus(bytes: Uint8Array): { type: string; value: Uint8Array }[] {
  try {
    return fromBinary(StatusSchema, bytes).details.map((any) => ({ type: any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1), value: any.value }));
  } catch {
    return [];
  }
}

export function createUnaryChannel(target: string, opts: { maxMessageBytes: number; idleTimeoutMs?: number }): UnaryChannel {
  const [host, portText] = splitTarget(target);
  let session: http2.ClientHttp2Session | null = null;
  // A call in flight keeps the process alive, as any pending I/O does; an idle session does not.
  let inFlight = 0;
  const hold = () => {
    if (inFlight++ === 0) session?.ref();
  };
  const letGo = () => {
    if (--inFlight === 0) session?.unref();
  };

  const connect = (): http2.ClientHttp2Session => {
    if (session && !session.closed && !session.destroyed) return session;
    const s = http2.connect(`http://${target}`, {
      // TCP keep-alive finds a peer that vanished without a FIN; idle sessions are closed.
      createConnection: () => net.connect({ host, port: Number(portText), noDelay: true, keepAlive: true, keepAliveInitialDelay: 30_000 }),
    });
    s.on("error", () => undefined); // each stream reports its own failure
    s.once("close", () => {
      if (session === s) session = null;
    });
    s.once("goaway", () => {
      if (session === s) session = null; // new calls on a new session; the running ones finish
    });
    s.setTimeout(opts.idleTimeoutMs ?? 60_000, () => s.close());
    if (inFlight === 0) s.unref();
    session = s;
    return s;
  };

  return {
    call(path, request, options) {
      return new Promise<Uint8Array>((resolve, reject) => {
        if (options.signal?.aborted) return reject(new ConnectError("cancelled", Code.Canceled));
        let settled = false;
        let timer: NodeJS.Timeout | undefined;
        hold();
        const finish = (err: ConnectError | null, value?: Uint8Array) => {
          if (settled) return;
          settled = true;
          letGo();
          clearTimeout(timer);
          options.signal?.removeEventListener("abort", onAbort);
          if (err) reject(err);
          else resolve(value!);
        };
        const headers: http2.OutgoingHttpHeaders = {
          ...options.headers,
          ":method": "POST",
          ":path": path,
          "content-type": "application/grpc",
          te: "trailers",
        };
        if (options.timeoutMs !== undefined && options.timeoutMs > 0) headers["grpc-timeout"] = `${Math.ceil(options.timeoutMs)}m`;
        let stream: http2.ClientHttp2Stream;
        try {
          stream = connect().request(headers);
        } catch {
          return finish(new ConnectError("upstream unavailable", Code.Unavailable));
        }
        const onAbort = () => {
          stream.close(NGHTTP2_CANCEL);
          finish(new ConnectError("cancelled", Code.Canceled));
        };
        options.signal?.addEventListener("abort", onAbort, { once: true });
        if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
          timer = setTimeout(() => {
            stream.close(NGHTTP2_CANCEL);
            finish(new ConnectError("deadline exceeded", Code.DeadlineExceeded));
          }, options.timeoutMs);
        }

        const chunks: Buffer[] = [];
        let received = 0;
        let status: ConnectError | null | undefined; // undefined: no status yet
        stream.on("response", (fields) => {
          const httpStatus = Number(fields[HTTP2_HEADER_STATUS]);
          if (fields["grpc-status"] !== undefined) status = statusError(fields); // trailers-only
          else if (httpStatus !== 200) {
            stream.close(NGHTTP2_CANCEL);
            finish(new ConnectError(`upstream answered HTTP ${httpStatus}`, codeOfHttpStatus(httpStatus)));
          }
        });
        stream.on("data", (chunk: Buffer) => {
          received += chunk.length;
          if (received > opts.maxMessageBytes + 5) {
            stream.close(NGHTTP2_CANCEL);
            finish(new ConnectError(`response larger than ${opts.maxMessageBytes} bytes`, Code.ResourceExhausted));
            return;
          }
          chunks.push(chunk);
        });
        stream.on("trailers", (fields) => {
          status = statusError(fields);
        });
        stream.on("end", () => {
          if (status === undefined) return finish(new ConnectError("upstream ended the call without a status", Code.Internal));
          if (status) return finish(status);
          const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
          if (body.length < 5) return finish(new ConnectError("upstream sent no message", Code.Unimplemented));
          if (body[0] !== 0) return finish(new ConnectError("upstream sent a compressed message, which was not asked for", Code.Internal));
          const length = body.readUInt32BE(1);
          if (body.length !== 5 + length) return finish(new ConnectError("upstream sent a malformed message frame", Code.Internal));
          finish(null, body.subarray(5));
        });
        stream.on("error", (err: Error & { code?: string }) => {
          // A reset by the server, or no connection (refused, dropped): the text names neither.
          if (err.code === "ERR_HTTP2_STREAM_ERROR") finish(new ConnectError("upstream reset the call", codeOfReset(stream.rstCode ?? 0)));
          else finish(new ConnectError("upstream unavailable", Code.Unavailable));
        });
        stream.on("close", () => {
          if (status !== undefined) return;
          // Ended before a status: the connection was lost (the upstream died), or the server reset
          // the call, mapped as the spec maps RST_STREAM codes.
          const lost = stream.session === undefined || stream.session.destroyed || stream.session.closed;
          finish(lost ? new ConnectError("upstream unavailable", Code.Unavailable) : new ConnectError("upstream reset the call", codeOfReset(stream.rstCode ?? 0)));
        });
        stream.end(frame(request));
      });
    },
    close() {
      session?.close();
      session = null;
    },
  };
}

function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

function splitTarget(target: string): [string, string] {
  const i = target.lastIndexOf(":");
  if (i <= 0) throw new Error(`upstream address ${target} has no port`);
  return [target.slice(0, i).replace(/^\[|\]$/g, ""), target.slice(i + 1)];
}
