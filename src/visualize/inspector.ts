// The Stately inspector for runs in Node: a small relay on 127.0.0.1 (HTTP
// for the page, WebSocket for the events). The run's actors send their
// inspection events to it through @statelyai/inspect's WebSocket inspector;
// the page embeds Stately's inspector UI and forwards the events to it. (We
// do not use @statelyai/inspect/server: it listens on every interface, which
// would expose run data, patient records say, to the network.)
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createWebSocketInspector } from "@statelyai/inspect";
import type { InspectionEvent, Observer } from "xstate";
import { WebSocket, WebSocketServer } from "ws";

export interface InspectorOptions {
  /** @default 8080 (0 picks a free port) */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** The Stately inspector UI the page embeds. @default "https://stately.ai/inspect" */
  inspectorUrl?: string;
}

export interface InspectorServer {
  /** Open this page to watch. */
  readonly url: string;
  /** Where inspection events go (and where other clients can listen). */
  readonly wsUrl: string;
  /** Pass as the `inspect` option of run(), start() or createEngine(). */
  readonly inspect: Observer<InspectionEvent>;
  stop(): Promise<void>;
}

const BUFFER = 500;

function page(wsUrl: string, inspectorUrl: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>stepchart · Stately inspector</title>
<style>html,body,iframe{margin:0;width:100%;height:100%;border:0}</style></head>
<body><iframe id="inspector" src="${inspectorUrl}"></iframe><script>
const frame = document.getElementById("inspector"), pending = []; let connected = false;
addEventListener("message", (e) => { if (e.data && e.data.type === "@statelyai.connected") { connected = true; pending.splice(0).forEach((m) => frame.contentWindow.postMessage(m, "*")); } });
const ws = new WebSocket(${JSON.stringify(wsUrl)});
ws.onmessage = (e) => { const m = JSON.parse(e.data); connected ? frame.contentWindow.postMessage(m, "*") : pending.push(m); };
</script></body></html>`;
}

/**
 * Starts the relay and returns the inspector to pass to a run.
 * @example
 * const inspector = await startInspector();
 * console.log(`open ${inspector.url}`);
 * await run(wf, input, { inspect: inspector.inspect });
 */
export async function startInspector(options: InspectorOptions = {}): Promise<InspectorServer> {
  const host = options.host ?? "127.0.0.1";
  const inspectorUrl = options.inspectorUrl ?? "https://stately.ai/inspect";
  let wsUrl = "";
  const http: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(page(wsUrl, inspectorUrl));
  });
  const wss = new WebSocketServer({ server: http });
  const buffer: string[] = [];
  wss.on("connection", (socket) => {
    for (const message of buffer) socket.send(message);
    socket.on("message", (data) => {
      const message = data.toString();
      buffer.push(message);
      if (buffer.length > BUFFER) buffer.shift();
      for (const client of wss.clients) if (client !== socket && client.readyState === WebSocket.OPEN) client.send(message);
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? 8080, host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const shown = host.includes(":") ? `[${host}]` : host;
  wsUrl = `ws://${shown}:${port}`;
  const inspector = createWebSocketInspector({ url: wsUrl });
  return {
    url: `http://${shown}:${port}`,
    wsUrl,
    inspect: inspector.inspect,
    stop: async () => {
      inspector.stop();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
