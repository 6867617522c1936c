// `stepchart ui`: the local run viewer. Holds an engine on the store (so the
// page's buttons go through engine.signal and engine.cancel, and the runs of
// the store keep running here), serves the page on 127.0.0.1 unless --host
// says otherwise, prints the page's URL with its token, and stops on SIGINT
// or SIGTERM.
import { createEngine } from "../engine/engine.js";
import { isLoopback, newToken } from "../ui/access.js";
import { createRunApi } from "../ui/api.js";
import { startUiServer } from "../ui/http.js";
import { loadWorkflows } from "./load.js";
import { COMMON_OPTIONS, openStore, parse } from "./session.js";
import { UsageError } from "./usage-error.js";

export const DEFAULT_UI_PORT = 4300;

/** stepchart ui [--store path] [--workflows file|dir]... [--port n] [--host h] [--token t] [--json] */
export async function uiCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    ...COMMON_OPTIONS,
    workflows: { type: "string", multiple: true, default: ["machines/index.ts"] as string[] },
    port: { type: "string", default: String(DEFAULT_UI_PORT) },
    host: { type: "string", default: "127.0.0.1" },
    token: { type: "string" },
  });
  if (positionals.length > 0) throw new UsageError("Expected no arguments: stepchart ui [--store path] [--workflows file|dir] [--port n] [--host h]");
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`Expected --port to be an integer from 0 to 65535, got ${JSON.stringify(values.port)}`);
  const token = values.token ?? process.env.STEPCHART_UI_TOKEN ?? newToken();
  if (token.length < 16) throw new UsageError(`Expected the token (--token or STEPCHART_UI_TOKEN) to have at least 16 characters, got ${token.length}`);
  const host = values.host;

  const workflows = await loadWorkflows(values.workflows, ["demo.ts"]);
  const store = openStore(values.store);
  const engine = createEngine({
    workflows,
    store,
    log: (entry) => {
      if (entry.level === "error") console.error(`${entry.runId} ${entry.path}: ${entry.message}`);
    },
  });
  const closeEngine = async () => {
    await engine.close();
    await store.close();
  };
  let server;
  try {
    await engine.ready;
    server = await startUiServer({
      api: createRunApi({ engine, store, workflows }),
      token,
      host,
      port,
      onError: (e) => console.error(values.verbose && e instanceof Error ? e.stack : `stepchart ui: ${String(e)}`),
    });
  } catch (e) {
    await closeEngine();
    if ((e as NodeJS.ErrnoException).code === "EADDRINUSE") throw new UsageError(`Port ${port} on ${host} is in use; pick another with --port`);
    if ((e as NodeJS.ErrnoException).code === "EADDRNOTAVAIL") throw new UsageError(`${host} is not an address of this machine; pick another with --host`);
    throw e;
  }
  if (values.json) {
    console.log(JSON.stringify({ url: server.url, host: server.host, port: server.port, token: server.token }));
  } else {
    console.log(`stepchart ui: ${server.url}`);
    console.log(`  store ${values.store}, workflows ${workflows.map((w) => w.name).join(", ") || "none"}; Ctrl-C stops it`);
    if (!isLoopback(host)) console.error(`  warning: listening on ${host}, reachable from other machines over plain HTTP; every request needs the token`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await server.close();
  await closeEngine();
  return 0;
}
