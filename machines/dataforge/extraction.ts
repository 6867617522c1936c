// What DataForge extracts from each type of document, and the checks that
// tell a complete extraction from a partial one (a partial one sends the
// document to manual processing).
import { extractEntities, labelledAmount, labelledDate, type Money } from "../text/entities.js";

export interface Entity {
  kind: string;
  value: string;
}

export interface Extraction {
  entities: Entity[];
  /** What a person should look at: an empty list means the extraction is complete. */
  problems: string[];
}

const money = (m: Money) => `${m.currency} ${m.value.toFixed(2)}`;

function common(text: string): Entity[] {
  const e = extractEntities(text);
  return [
    ...e.dates.map((value) => ({ kind: "date", value })),
    ...e.emails.map((value) => ({ kind: "email", value })),
  ];
}

/** Invoices: the number, dates, line amounts and totals; the totals must add up. */
export function extractInvoice(text: string): Extraction {
  const problems: string[] = [];
  const entities = common(text);
  const number = /INVOICE\s*#\s*(\w+)/i.exec(text)?.[1];
  if (number) entities.push({ kind: "invoice_number", value: number });
  else problems.push("no invoice number");
  const subtotal = labelledAmount(text, /^\s*Subtotal\b/i);
  const vat = labelledAmount(text, /^\s*VAT\b/i);
  const total = labelledAmount(text, /^\s*Total\b/i);
  const issued = labelledDate(text, /invoice date/i);
  const due = labelledDate(text, /due date/i);
  // A line item ends with its unit price and its amount: "Courier   1   EUR 35.00   EUR 35.00".
  const lines = text
    .split("\n")
    .map((l) => /(?:EUR|USD|GBP)\s?[\d,]+\.\d{2}\s+(EUR|USD|GBP)\s?([\d,]+\.\d{2})\s*$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ currency: m[1]!, value: Number(m[2]!.replace(/,/g, "")) }));
  for (const [kind, m] of [["subtotal", subtotal], ["vat", vat], ["total", total]] as const) {
    if (m) entities.push({ kind, value: money(m) });
    else problems.push(`no ${kind}`);
  }
  if (subtotal && vat && total && Math.abs(subtotal.value + vat.value - total.value) > 0.005) {
    problems.push(`subtotal ${money(subtotal)} + VAT ${money(vat)} is not the total ${money(total)}`);
  }
  const sum = lines.reduce((s, m) => s + m.value, 0);
  if (subtotal && lines.length > 0 && Math.abs(sum - subtotal.value) > 0.005) {
    problems.push(`the ${lines.length} line amounts add up to ${sum.toFixed(2)}, not the subtotal ${money(subtotal)}`);
  }
  if (issued && due && due < issued) problems.push(`due date ${due} is before invoice date ${issued}`);
  const billTo = /Bill to:\s*([^,\n]+)/i.exec(text)?.[1]?.trim();
  if (billTo) entities.push({ kind: "party", value: billTo });
  return { entities, problems };
}

/** Contracts: the two parties, dates and fees. */
export function extractContract(text: string): Extraction {
  const problems: string[] = [];
  const entities = common(text);
  const parties = /between\s+(.+?)\s+\(["“]?\w+["”]?\)\s+and\s+(.+?)\s+\(["“]?\w+["”]?\)/is.exec(text);
  if (parties) entities.push({ kind: "party", value: parties[1]!.trim() }, { kind: "party", value: parties[2]!.trim() });
  else problems.push("the two parties are not named as 'between A (\"…\") and B (\"…\")'");
  for (const m of extractEntities(text).amounts) entities.push({ kind: "fee", value: money(m) });
  if (!entities.some((e) => e.kind === "date")) problems.push("no date");
  return { entities, problems };
}

/** Lab reports: the patient, dates and every test result with its unit and flag. */
export function extractMedical(text: string): Extraction {
  const problems: string[] = [];
  const entities = common(text);
  const patient = /Patient:\s*([^\n]+?)\s{2,}/i.exec(text)?.[1]?.trim();
  if (patient) entities.push({ kind: "patient", value: patient });
  else problems.push("no patient");
  const results = text.split("\n").filter((l) => /^\s*[A-Za-z][\w ]+?\s{2,}[\d.]+\s*\S+/.test(l));
  for (const line of results) {
    const m = /^\s*([A-Za-z][\w ]+?)\s{2,}([\d.]+)\s*(\S+)(?:\s+.*?)?(HIGH|LOW)?\s*$/.exec(line);
    if (m) entities.push({ kind: "lab_result", value: `${m[1]}: ${m[2]} ${m[3]}${m[4] ? ` (${m[4]})` : ""}` });
    else problems.push(`cannot read the result line "${line.trim()}"`);
  }
  if (results.length === 0) problems.push("no test results");
  return { entities, problems };
}
