// zod validation at the boundaries (step input/output, run input/output):
// every issue is collected into one ValidationError, and the parsed value
// (with zod's defaults and transforms applied) is what flows on.
import type { ZodType } from "zod";
import { ValidationError, zodIssues } from "../errors.js";

export type Parsed = { ok: true; value: unknown } | { ok: false; error: ValidationError };

/** Parses `value` with `schema`; `subject` names what was checked, e.g. `input of step "Ingest.Classify"`. */
export function parseWith(schema: ZodType, value: unknown, subject: string): Parsed {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, error: ValidationError.fromIssues(subject, zodIssues(result.error), { code: "schema_mismatch" }) };
}
