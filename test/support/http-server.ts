// A real HTTP server on 127.0.0.1 (port 0) for the tests of the steps that speak
// HTTP: each test says how it answers, and it records every request it got.
// No fetch is mocked anywhere; slow answers are held until the client aborts.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  /** The path and query, e.g. `/users/42?x=1`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Resolves when the connection of this request closes (the client aborted, or the answer ended). */
  closed: Promise<void>;
}

export type Handler = (request: ReceivedRequest, response: ServerResponse) => void;

export interface LocalServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Answers the following requests with `handler`. */
  answer(handler: Handler): void;
  /** Resolves with the next request as soon as its body has arrived. */
  nextRequest(): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

export async function startServer(handler: Handler = (_req, res) => res.end()): Promise<LocalServer> {
  let current = handler;
  const requests: ReceivedRequest[] = [];
  const waiting: ((request: ReceivedRequest) => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const received: ReceivedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        closed: new Promise((resolve) => res.on("close", () => resolve())),
      };
      requests.push(received);
      current(received, res);
      waiting.shift()?.(received);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answer: (next) => {
      current = next;
    },
    nextRequest: () => new Promise((resolve) => waiting.push(resolve)),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on 127.0.0.1 where nothing listens: a server took the port and let it go. */
export async function closedPortUrl(): Promise<string> {
  const server = await startServer();
  await server.close();
  return server.url;
}

/** Answers with `status`, a JSON body and extra headers. */
export function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}
