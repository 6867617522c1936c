// Sample inputs from a zod schema, one per input class: each enum member,
// both booleans, a number's bounds and middle, an optional field absent and
// present, an empty and a one-item array. An object varies one field at a
// time from a base sample, so the classes stay few and each has a readable
// label ("kind = medical"). Every sample is checked against the schema; the
// ones it refuses are dropped.
import type { ZodType } from "zod";

/** One class of inputs, represented by one sample value. */
export interface InputClass {
  /** What sets this class apart: "base", "kind = \"medical\"", "amount absent". */
  readonly label: string;
  /** A sample, as given to the schema (defaults not yet applied). */
  readonly value: unknown;
}

const ABSENT = Symbol("absent");
type Sample = { label: string; value: unknown };

function defOf(schema: unknown): any {
  return (schema as { _zod?: { def?: unknown } })?._zod?.def ?? {};
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : value === undefined ? "absent" : JSON.stringify(value);
}

/** The classes of one value of `schema`; the first is the base sample. */
function classesOf(schema: ZodType, depth: number): Sample[] {
  const def = defOf(schema);
  const s = schema as any;
  switch (def.type) {
    case "enum":
      return Object.values(def.entries as Record<string, unknown>).map((v) => ({ label: show(v), value: v }));
    case "literal":
      return (def.values as unknown[]).map((v) => ({ label: show(v), value: v }));
    case "boolean":
      return [
        { label: "true", value: true },
        { label: "false", value: false },
      ];
    case "number": {
      const int = (def.checks ?? []).some((c: any) => c?._zod?.def?.format === "safeint" || c?._zod?.def?.format === "int32");
      const min = Number.isFinite(s.minValue) && Math.abs(s.minValue) < 1e12 ? s.minValue : undefined;
      const max = Number.isFinite(s.maxValue) && Math.abs(s.maxValue) < 1e12 ? s.maxValue : undefined;
      const values = new Set<number>();
      if (min !== undefined) values.add(min);
      if (max !== undefined) values.add(max);
      if (min !== undefined && max !== undefined) values.add(int ? Math.floor((min + max) / 2) : (min + max) / 2);
      if (min === undefined && max === undefined) [0, 1, -1].forEach((v) => values.add(v));
      if (min !== undefined && max === undefined) values.add(min + 1);
      if (max !== undefined && min === undefined) values.add(max - 1);
      return [...values].map((v) => ({ label: String(v), value: v }));
    }
    case "string": {
      const length = Math.max(1, s.minLength ?? 0);
      return [{ label: "a string", value: "sample".padEnd(length, "x").slice(0, Math.max(length, Math.min(6, s.maxLength ?? 6))) }];
    }
    case "optional":
      return [{ label: "absent", value: ABSENT }, ...classesOf(def.innerType, depth)];
    case "default":
    case "prefault":
      return [...classesOf(def.innerType, depth), { label: "absent (default)", value: ABSENT }];
    case "nullable":
      return [...classesOf(def.innerType, depth), { label: "null", value: null }];
    case "union":
      return (def.options as ZodType[]).flatMap((o) => classesOf(o, depth));
    case "array":
      return [
        { label: "empty", value: [] },
        ...(depth < 3 ? [{ label: "one item", value: [base(classesOf(def.element, depth + 1))] }] : []),
      ];
    case "record":
      return [{ label: "empty", value: {} }];
    case "object":
      return objectClasses(def.shape as Record<string, ZodType>, depth);
    case "null":
      return [{ label: "null", value: null }];
    case "pipe":
      return classesOf(def.in, depth);
    default:
      return [{ label: "null", value: null }];
  }
}

function base(classes: Sample[]): unknown {
  const first = classes[0]?.value;
  return first === ABSENT ? undefined : first;
}

function objectClasses(shape: Record<string, ZodType>, depth: number): Sample[] {
  if (depth > 3) return [{ label: "{}", value: {} }];
  const fields = Object.entries(shape).map(([key, schema]) => ({ key, classes: classesOf(schema, depth + 1) }));
  const build = (key?: string, value?: unknown) => {
    const obj: Record<string, unknown> = {};
    for (const f of fields) {
      const v = f.key === key ? value : f.classes[0]?.value;
      if (v !== ABSENT && v !== undefined) obj[f.key] = v;
    }
    return obj;
  };
  const out: Sample[] = [{ label: "base", value: build() }];
  for (const f of fields) {
    for (const c of f.classes.slice(1)) out.push({ label: `${f.key} ${c.value === ABSENT ? "absent" : `= ${c.label}`}`, value: build(f.key, c.value) });
  }
  return out;
}

/**
 * Sample inputs of a zod schema, one per input class, the base sample first.
 * @example
 * inputClasses(z.object({ kind: z.enum(["a", "b"]) })); // [{ label: "base", value: { kind: "a" } }, { label: 'kind = "b"', value: { kind: "b" } }]
 */
export function inputClasses(schema: ZodType): InputClass[] {
  const seen = new Set<string>();
  const out: InputClass[] = [];
  for (const c of classesOf(schema, 0)) {
    if (c.value === ABSENT) {
      if (!schema.safeParse(undefined).success) continue;
      out.push({ label: c.label, value: undefined });
      continue;
    }
    const key = JSON.stringify(c.value);
    if (seen.has(key) || !schema.safeParse(c.value).success) continue;
    seen.add(key);
    out.push({ label: c.label, value: c.value });
  }
  return out;
}

/** A valid sample of `schema` (the base class), or undefined when none of the classes fits. */
export function sampleOf(schema: ZodType | undefined): { value: unknown } | undefined {
  if (!schema) return undefined;
  const first = inputClasses(schema)[0];
  return first ? { value: first.value } : undefined;
}
