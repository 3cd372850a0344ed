/**
 * Money is held as integer minor units (cents) so sums are exact (SPEC §3);
 * it never passes through a binary float.
 */
export type MinorUnits = number;

/**
 * Parses `1500`, `1500.5`, `1,500.00`, `$1,500.00`, `-12.30`, `USD 12.30` into cents.
 * Returns null when the text is not an amount or has more than two decimals.
 */
export function parseMoney(input: string): MinorUnits | null {
  const text = input.trim().replace(/^[A-Z]{3}\s+/, "").replace(/\s+[A-Z]{3}$/, "");
  const m = /^(-)?[$€£]?(-)?(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d{1,2}))?$/.exec(text);
  if (!m || (m[3] === undefined && m[4] === undefined)) return null;
  const whole = BigInt((m[3] ?? "0").replace(/,/g, ""));
  const fraction = BigInt((m[4] ?? "0").padEnd(2, "0"));
  const cents = whole * 100n + fraction;
  if (cents > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  const sign = m[1] || m[2] ? -1 : 1;
  return sign * Number(cents);
}

/** Cents to `1500.00` (two decimals, no grouping): the form written to records and `--json`. */
export function formatMoney(cents: MinorUnits): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** Cents to `USD 1,500.00` for people. */
export function formatMoneyForPeople(cents: MinorUnits, currency: string): string {
  const [whole, fraction] = formatMoney(Math.abs(cents)).split(".") as [string, string];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${cents < 0 ? "-" : ""}${currency} ${grouped}.${fraction}`;
}

/** `amount × numerator / denominator`, rounded half away from zero to the cent, in integers. */
export function prorate(cents: MinorUnits, numerator: number, denominator: number): MinorUnits {
  const product = BigInt(cents) * BigInt(numerator);
  const d = BigInt(denominator);
  const q = product / d;
  const r = product % d;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= d) return Number(q + (product < 0n ? -1n : 1n));
  return Number(q);
}
