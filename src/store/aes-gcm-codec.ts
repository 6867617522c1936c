// AES-256-GCM for data at rest (node:crypto). Each value gets a fresh 96-bit
// IV; the output names the key that encrypted it (`enc1:<keyId>:<base64url of
// iv | tag | ciphertext>`), so keys rotate by id: new data is written with the
// current key, older data stays readable while its key is still listed, and a
// tampered value fails to decrypt instead of being read wrong.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { LogicError, ValidationError } from "../errors.js";
import type { Codec } from "./codec.js";

export interface AesGcmOptions {
  /** Keys by id (letters, digits, "_", "-", "."): 32 bytes each, as bytes or base64. */
  keys: Record<string, Uint8Array | string>;
  /** The id of the key new data is encrypted with. @default the first of `keys` */
  current?: string;
  /** Values that are not encrypted (written before encryption was turned on): read as they are, or refused. @default "accept" */
  plaintext?: "accept" | "refuse";
}

const PREFIX = "enc1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * A codec that encrypts with AES-256-GCM under rotating keys.
 * @example
 * const codec = aesGcmCodec({ keys: { "2026-11": process.env.KEY_2026_11!, "2026-05": process.env.KEY_2026_05! }, current: "2026-11" });
 * createEngine({ workflows, store, codec });
 */
export function aesGcmCodec(options: AesGcmOptions): Codec & { readonly current: string } {
  const entries = Object.entries(options?.keys ?? {});
  if (entries.length === 0) throw new ValidationError("Expected aesGcmCodec({ keys: { <id>: <32-byte key> } }) with at least one key", { code: "invalid_key" });
  const keys = new Map<string, Buffer>();
  for (const [id, key] of entries) {
    if (!/^[\w.-]{1,64}$/.test(id)) throw new ValidationError(`Expected a key id of 1 to 64 letters, digits, "_", "-" or ".", got ${JSON.stringify(id)}`, { code: "invalid_key" });
    const bytes = typeof key === "string" ? Buffer.from(key, "base64") : Buffer.from(key);
    if (bytes.length !== 32) throw new ValidationError(`Expected key "${id}" to be 32 bytes (AES-256), got ${bytes.length}`, { code: "invalid_key" });
    keys.set(id, bytes);
  }
  const current = options.current ?? entries[0]![0];
  const currentKey = keys.get(current);
  if (!currentKey) throw new ValidationError(`The current key "${current}" is not among the keys (${[...keys.keys()].join(", ")})`, { code: "invalid_key" });
  const refusePlaintext = options.plaintext === "refuse";

  return {
    current,
    encode(text: string): string {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", currentKey, iv);
      const body = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
      return `${PREFIX}${current}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")}`;
    },
    decode(text: string): string {
      if (!text.startsWith(PREFIX)) {
        if (refusePlaintext) throw new LogicError("Found a stored value that is not encrypted, and the codec refuses plaintext", { code: "not_encrypted" });
        return text;
      }
      const sep = text.indexOf(":", PREFIX.length);
      const id = text.slice(PREFIX.length, sep);
      const key = sep < 0 ? undefined : keys.get(id);
      if (!key) {
        throw new LogicError(`A stored value was encrypted with key "${id}", which the codec does not have (it has ${[...keys.keys()].join(", ")}); add it to keys to read the value`, {
          code: "unknown_key",
          details: { keyId: id },
        });
      }
      const raw = Buffer.from(text.slice(sep + 1), "base64url");
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
      } catch (e) {
        throw new LogicError(`A stored value encrypted with key "${id}" does not decrypt: it was changed, or the key is not the one that encrypted it`, {
          code: "decrypt_failed",
          cause: e,
        });
      }
    },
  };
}
