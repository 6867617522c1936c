// A step that reads a text file; a missing file is a validation error (the
// input names a file that is not there), other I/O failures are transient.
import { readFile } from "node:fs/promises";
import { step, TransientError, ValidationError } from "stepchart";

export interface FileRef {
  path: string;
}

export interface FileText extends FileRef {
  text: string;
}

export function readTextFile(name = "ReadFile") {
  return step(name, async ({ path }: FileRef): Promise<FileText> => {
    try {
      return { path, text: await readFile(path, "utf8") };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "EISDIR") {
        throw new ValidationError(`Expected a readable file at ${path}, got ${code}`, { code: "file_not_found", cause: e });
      }
      throw new TransientError(`Reading ${path} failed (${code ?? "unknown"})`, { code: "file_read_failed", cause: e });
    }
  });
}
