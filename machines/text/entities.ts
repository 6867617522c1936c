// Entity extraction from plain text: ISO dates, money amounts, e-mail
// addresses, and labelled values ("Total due EUR 642.00", "Bill to: …").

export interface Money {
  currency: string;
  value: number;
}

export interface Entities {
  dates: string[];
  amounts: Money[];
  emails: string[];
}

const DATE = /\b(\d{4})-(\d{2})-(\d{2})\b/g;
const AMOUNT = /\b(EUR|USD|GBP)\s?(\d{1,3}(?:,\d{3})*(?:\.\d{2})?)\b/g;
const EMAIL = /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g;

export function extractEntities(text: string): Entities {
  const dates = [...text.matchAll(DATE)].filter(([, y, m, d]) => isRealDate(Number(y), Number(m), Number(d))).map(([date]) => date);
  const amounts = [...text.matchAll(AMOUNT)].map(([, currency, value]) => ({ currency: currency!, value: parseMoney(value!) }));
  const emails = [...text.matchAll(EMAIL)].map(([email]) => email.toLowerCase());
  return { dates: unique(dates), amounts, emails: unique(emails) };
}

/** The amount on the line whose label matches `label` ("Total due EUR 642.00"). */
export function labelledAmount(text: string, label: RegExp): Money | undefined {
  for (const line of text.split("\n")) {
    if (!label.test(line)) continue;
    const match = /\b(EUR|USD|GBP)\s?(\d{1,3}(?:,\d{3})*(?:\.\d{2})?)\b/.exec(line);
    if (match) return { currency: match[1]!, value: parseMoney(match[2]!) };
  }
  return undefined;
}

/** The date following `label` ("Due date: 2026-11-02"). */
export function labelledDate(text: string, label: RegExp): string | undefined {
  for (const line of text.split("\n")) {
    if (!label.test(line)) continue;
    const match = /\b(\d{4})-(\d{2})-(\d{2})\b/.exec(line);
    if (match && isRealDate(Number(match[1]), Number(match[2]), Number(match[3]))) return match[0];
  }
  return undefined;
}

function parseMoney(text: string): number {
  return Number(text.replace(/,/g, ""));
}

function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
