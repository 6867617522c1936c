// Entity extraction from plain text: ISO dates, money amounts, e-mail addresses.

export interface Entities {
  dates: string[];
  amounts: { currency: string; value: number }[];
  emails: string[];
}

const DATE = /\b(\d{4})-(\d{2})-(\d{2})\b/g;
const AMOUNT = /\b(EUR|USD|GBP)\s?(\d{1,3}(?:,\d{3})*(?:\.\d{2})?)\b/g;
const EMAIL = /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g;

export function extractEntities(text: string): Entities {
  const dates = [...text.matchAll(DATE)]
    .filter(([, y, m, d]) => isRealDate(Number(y), Number(m), Number(d)))
    .map(([date]) => date);
  const amounts = [...text.matchAll(AMOUNT)].map(([, currency, value]) => ({ currency: currency!, value: Number(value!.replace(/,/g, "")) }));
  const emails = [...text.matchAll(EMAIL)].map(([email]) => email.toLowerCase());
  return { dates: unique(dates), amounts, emails: unique(emails) };
}

function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
