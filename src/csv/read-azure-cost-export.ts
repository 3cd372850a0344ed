import { parseLooseDate } from "../domain/calendar-date.js";
import { currencyOfUnit, ProjectMonthSums, readCurrencyCode, readSignedAmount, splitHeaderUnit } from "./cost-export-cells.js";
import { sortProblems, type CsvProblem, type CsvTable } from "./csv-table.js";
import { parseMonthLabel } from "./parse-month-label.js";
import type { CostsReadResult } from "./read-costs-csv.js";

/**
 * Column names of Azure Cost Management exports and portal downloads, compared in lower
 * case without spaces or underscores: EA and pay-as-you-go files write `CostInBillingCurrency`
 * and `BillingCurrencyCode`, MCA files `costInBillingCurrency` and `billingCurrency`, older
 * usage files `PreTaxCost` and `Currency`, the portal's grouped download `UsageDate` and `CostUSD`.
 */
const AZURE = {
  date: ["date", "usagedate", "usagedatetime", "billingmonth", "chargeperiodstart"],
  cost: ["costinbillingcurrency", "pretaxcost", "cost", "costusd", "billedcost"],
  currency: ["billingcurrencycode", "billingcurrency", "currency"],
  resourceGroup: ["resourcegroup", "resourcegroupname"],
  subscriptionName: ["subscriptionname"],
  subscriptionId: ["subscriptionid", "subscriptionguid"],
} as const;

const TOTAL_RE = /^(grand\s+)?totals?$/i;

function key(header: string): string {
  return splitHeaderUnit(header).name.replace(/\s+/g, "");
}

function findAny(keys: readonly string[], names: readonly string[]): number {
  for (const name of names) {
    const index = keys.indexOf(name);
    if (index !== -1) return index;
  }
  return -1;
}

export function isAzureCostExport(header: readonly string[]): boolean {
  const keys = header.map(key);
  const scope = [...AZURE.resourceGroup, ...AZURE.subscriptionName, ...AZURE.subscriptionId];
  return findAny(keys, AZURE.date) !== -1 && findAny(keys, AZURE.cost) !== -1 && findAny(keys, scope) !== -1;
}

/** `2026-10-01`, `10/01/2026` (EA), `20261001` (portal download), `2026-10` or `Oct 2026` (monthly). */
function monthOfAzureDate(text: string): string | null {
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  const date = compact ? parseLooseDate(`${compact[1]}-${compact[2]}-${compact[3]}`) : parseLooseDate(text);
  if (date !== null) return date.slice(0, 7);
  return parseMonthLabel(text);
}

/**
 * An Azure Cost Management export: one row per day or month and per subscription or
 * resource group (and often per meter), each with a cost and a currency. Rows are summed
 * per month and resource group when the file has one (a charge without a resource group
 * counts to its subscription), else per subscription.
 */
export function readAzureCostExport(input: { table: CsvTable; defaultCurrency: string }): CostsReadResult {
  const { header, records } = input.table;
  const keys = header.map(key);
  const dateColumn = findAny(keys, AZURE.date);
  const costColumn = findAny(keys, AZURE.cost);
  const currencyColumn = findAny(keys, AZURE.currency);
  const groupColumn = findAny(keys, AZURE.resourceGroup);
  const nameColumn = findAny(keys, AZURE.subscriptionName);
  const idColumn = findAny(keys, AZURE.subscriptionId);
  const problems: CsvProblem[] = [];
  const unit = currencyOfUnit(splitHeaderUnit(header[costColumn]!).unit);
  // `CostUSD` names its currency; otherwise the currency column, else the configured one.
  let columnCurrency = keys[costColumn] === "costusd" ? "USD" : input.defaultCurrency;
  if (!unit.ok) problems.push({ row: 1, column: header[costColumn]!, message: unit.message });
  else if (unit.value !== null) columnCurrency = unit.value;

  const sums = new ProjectMonthSums();
  for (const record of records) {
    const cell = (i: number) => (i === -1 ? "" : (record.cells[i] ?? "").trim());
    if (TOTAL_RE.test(cell(0)) || TOTAL_RE.test(cell(nameColumn)) || TOTAL_RE.test(cell(groupColumn))) continue;
    const dateText = cell(dateColumn);
    const month = monthOfAzureDate(dateText);
    if (month === null) {
      problems.push({
        row: record.row,
        column: header[dateColumn]!,
        message: `${dateText === "" ? "the date is empty" : `"${dateText}" is not a date or month`}; Azure writes it like 2026-10-01, 10/01/2026 or 20261001`,
      });
    }
    let currency = columnCurrency;
    const currencyText = cell(currencyColumn);
    if (currencyText !== "") {
      const code = readCurrencyCode(currencyText);
      if (!code.ok) {
        problems.push({ row: record.row, column: header[currencyColumn]!, message: code.message });
        continue;
      }
      currency = code.value;
    }
    const costText = cell(costColumn);
    if (costText === "") continue;
    const amount = readSignedAmount(costText);
    if (!amount.ok) {
      problems.push({ row: record.row, column: header[costColumn]!, message: amount.message });
      continue;
    }
    if (month === null) continue;
    const group = cell(groupColumn);
    const subscription = cell(nameColumn) || cell(idColumn);
    const project = group !== "" ? group : subscription !== "" ? subscription : "(no subscription)";
    const label = group === "" && cell(nameColumn) !== "" && cell(idColumn) !== "" ? cell(idColumn) : null;
    sums.add({ month, project, label, currency, amount: amount.value, place: { row: record.row, column: header[costColumn]! } });
  }
  const rows = sums.rows();
  problems.push(...sums.problems);
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems, header) };
  return { ok: true, rows, warnings: [] };
}
