import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { run, sequence, step, workflow } from "../../src/index.js";
import { startInspector, type InspectorServer } from "../../src/visualize/inspector.js";

let server: InspectorServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on("error", reject)
      .end();
  });
}

describe("the Stately inspector relay", () => {
  it("listens on 127.0.0.1 and serves the page that embeds the Stately inspector", async () => {
    server = await startInspector({ port: 0 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await get(server.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<iframe id="inspector" src="https://stately.ai/inspect">');
    expect(page.body).toContain(JSON.stringify(server.wsUrl));
  });

  it("delivers the inspection events of a run to a WebSocket client on loopback", async () => {
    server = await startInspector({ port: 0 });
    const client = new WebSocket(server.wsUrl);
    await new Promise((resolve) => client.once("open", resolve));
    const received: any[] = [];
    client.on("message", (data) => received.push(JSON.parse(data.toString())));
    const wf = workflow("Inspected", sequence("Inspected", [step("a", (x: number) => x + 1), step("b", (x: number) => x * 2)]));
    expect(await run(wf, 1, { inspect: server.inspect, runId: "watched", log: () => undefined })).toBe(4);
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`only ${received.length} events arrived`)), 3000);
      const check = setInterval(() => {
        if (received.some((e) => e.type === "@xstate.snapshot" && e.snapshot?.status === "done")) {
          clearInterval(check);
          clearTimeout(deadline);
          resolve();
        }
      }, 5);
    });
    expect(received.some((e) => e.type === "@xstate.actor" && e.sessionId)).toBe(true);
    const events = received.filter((e) => e.type === "@xstate.event").map((e) => e.event.type);
    expect(events).toContain("stepchart.done.Inspected.a");
    expect(events).toContain("stepchart.done.Inspected.b");
    client.close();
  });
});
