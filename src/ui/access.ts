// Who may do what in the run viewer. Bound to a loopback address (the
// default), anyone on this machine may read, and only requests carrying the
// token may change a run; requests must name a loopback host, so that a web
// page cannot reach the viewer through DNS rebinding. Bound to any other
// address, every API request needs the token, reads included: run inputs and
// outputs leave the machine. Tokens are compared in constant time.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** The header the page sends the token in. */
export const TOKEN_HEADER = "x-stepchart-token";

/**
 * A fresh random token (24 bytes, base64url).
 * @example newToken().length // 32
 */
export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

/**
 * Whether `host` names this machine only (127.0.0.0/8, ::1, localhost).
 * @example isLoopback("127.0.0.1") // true
 */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127(\.\d{1,3}){3}$/.test(bare);
}

export interface Access {
  /** The request carries the token. */
  hasToken(req: IncomingMessage): boolean;
  /** Whether the request's Host header names the viewer (always true when bound to a non-loopback address). */
  hostAllowed(req: IncomingMessage): boolean;
  /** Reads of run data need the token (a non-loopback address). */
  readonly readsNeedToken: boolean;
}

/**
 * The access rules of a viewer listening on `host:port` with `token`.
 * @example accessFor({ host: "127.0.0.1", port: 4300, token }).readsNeedToken // false
 */
export function accessFor(options: { host: string; port: number; token: string }): Access {
  const expected = Buffer.from(options.token, "utf8");
  const loopback = isLoopback(options.host);
  const hosts = new Set(["127.0.0.1", "localhost", "[::1]", options.host.includes(":") ? `[${options.host}]` : options.host].map((h) => `${h}:${options.port}`));
  return {
    readsNeedToken: !loopback,
    hasToken(req) {
      const sent = req.headers[TOKEN_HEADER];
      if (typeof sent !== "string") return false;
      const given = Buffer.from(sent, "utf8");
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
    hostAllowed(req) {
      if (!loopback) return true;
      return typeof req.headers.host === "string" && hosts.has(req.headers.host.toLowerCase());
    },
  };
}
