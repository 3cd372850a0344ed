import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CliSandbox, examplePath } from "../cli/cli-sandbox.js";

/**
 * The month-end story with the files people download: leads and Active Hubs (with their
 * Cloud project) imported, then a GCP, an AWS and an Azure export, a corrected GCP month,
 * and the invoice batch, whose CSV and Markdown must account for every cost.
 */
let sandbox: CliSandbox;
beforeEach(() => {
  sandbox = new CliSandbox();
  sandbox.env.HUB_SALES_CONFIG = examplePath("hub-sales.yml");
  sandbox.env.HUB_SALES_OUTBOX = join(sandbox.dir, "outbox");
  sandbox.now = new Date("2026-03-31T18:00:00Z");
});
afterEach(() => sandbox.remove());

const LEADS = [
  "Name,Status,Service tier,Service start date,Agreement,Contract,Managed cloud billing",
  "Example University,Active Service,Research,1/5/2026,email,https://example.edu/contract,checked",
  "Coastal Climate Collective,Active Service,Partnership,2/1/2026,letter,https://coastal.example.org/contract,checked",
  "Harbor Health,Active Service,Education,6/1/2025,email,https://harbor.example.org/contract,checked",
  "Riverbend College,Active Service,Education,1/1/2026,email,https://riverbend.example.edu/contract,",
].join("\n");

const HUBS = [
  "Hub,Community,Cloud project",
  // Prod and staging of one community on one GCP project, named by its ID and by its name.
  // (The staging hub's "Example University" also names the Azure resource group
  // example-university: a Cloud project is matched before hub names.)
  "example-university,Example University,example-university-hubs",
  "example-university-staging,Example University,Example University",
  // An AWS account number; the GCP project of the same name is matched by the hub's name.
  "coastal-climate,Coastal Climate Collective,111122223333",
  // Two communities on one project: nothing billed until the split is recorded.
  "harbor-health,Harbor Health,shared-research",
  "riverbend,Riverbend College,shared_research",
].join("\n");

const GCP_CORRECTED_MARCH = [
  "Project name,Project ID,Cost ($),Discounts ($),Promotions and others ($),Subtotal ($)",
  "Example University,example-university-hubs,\"1,607.50\",-107.50,0.00,\"1,500.00\"",
  "Mystery,mystery-project,12.34,0.00,0.00,12.34",
].join("\n");

describe("cloud cost exports end to end: import, attribute, invoice", () => {
  it("imports each export as downloaded and the batch shows every cost as billed or unattributed", async () => {
    expect((await sandbox.run("leads", "import", sandbox.file("leads.csv", LEADS))).code).toBe(0);
    const hubs = await sandbox.run("hubs", "import", sandbox.file("hubs.csv", HUBS));
    expect(hubs.stdout).toMatch(/: 5 created, 0 updated, 0 unchanged\n$/);
    const listed = JSON.parse((await sandbox.run("hubs", "list", "--json")).stdout) as Record<string, unknown>[];
    expect(listed.find((h) => h.Hub === "riverbend")).toMatchObject({ Community: "Riverbend College", "Cloud project": "shared_research" });

    const gcp = examplePath("costs-gcp-billing-report.csv");
    expect(await sandbox.run("costs", "import", gcp)).toMatchObject({
      code: 0,
      stdout: `costs import: ${gcp} (GCP billing report; 2026-02, 2026-03; 3 projects: coastal-climate, example-university-hubs (Example University), shared-research (Shared Research Cloud); sum USD 8,336.89): 5 created, 0 updated, 0 unchanged\n`,
    });
    const aws = examplePath("costs-aws-cost-explorer.csv");
    const awsRun = await sandbox.run("costs", "import", aws);
    expect(awsRun.stdout).toBe(
      `costs import: ${aws} (AWS Cost Explorer costs by linked account; 2026-02, 2026-03; 2 projects: 111122223333 (coastal-climate), 444455556666 (harbor-health); sum USD 5,309.49): 4 created, 0 updated, 0 unchanged\n`,
    );
    const azure = examplePath("costs-azure-cost-export.csv");
    expect((await sandbox.run("costs", "import", azure)).stdout).toBe(
      `costs import: ${azure} (Azure Cost Management export; 2026-03; 2 projects: example-university, example-university-staging; sum USD 91.75): 2 created, 0 updated, 0 unchanged\n`,
    );
    // Importing the same file again changes nothing.
    expect((await sandbox.run("costs", "import", azure)).stdout).toMatch(/: 0 created, 0 updated, 2 unchanged\n$/);

    // A corrected single-month GCP report, the period in Google's file name: it replaces that month's rows it names.
    const corrected = sandbox.file("My Billing Account_Reports, 2026-03-01 — 2026-03-31.csv", GCP_CORRECTED_MARCH);
    const correctedRun = await sandbox.run("costs", "import", corrected);
    expect(correctedRun.stdout).toMatch(/\(GCP billing report; 2026-03; 2 projects: .*; sum USD 1,512\.34\): 1 created, 1 updated, 0 unchanged\n$/);
    expect(correctedRun.stderr).toContain('"mystery-project" matches no hub\'s Cloud project or name');

    const invoice = await sandbox.run("invoice", "--month", "2026-03");
    expect(invoice.stderr).toBe("");
    expect(invoice.code).toBe(0);

    // Independently: March's costs per project from the fixtures, in cents.
    const uni = 150000 /* corrected GCP */ + (4012 + 250 + 4188) /* Azure rg example-university, days summed */ + 725; /* Azure staging */
    const coastal = 269011 /* GCP coastal-climate, by hub name */ + 269011; /* AWS account 111122223333 */
    const harbor = 14388; /* AWS 444455556666 (harbor-health), by hub name */
    const unattributed = 41280 /* shared-research */ + 1234; /* mystery-project */
    const fees = { uni: 150000, coastal: 416667, harbor: 100000, riverbend: 100000 };

    const dir = join(sandbox.dir, "outbox", "2026-03");
    const rows = parseCsv(await readFile(join(dir, "invoices-2026-03.csv")), { columns: true }) as Record<string, string>[];
    const cents = (text: string) => {
      const [whole, fraction] = text.split(".") as [string, string];
      return Number(whole) * 100 + Number(fraction);
    };
    expect(rows.map((r) => [r.community, r.item, cents(r.amount!)])).toEqual([
      ["Coastal Climate Collective", "Managed hub operations fee — Partnership", fees.coastal],
      ["Coastal Climate Collective", "Cloud costs — 2026-03", coastal],
      ["Example University", "Managed hub operations fee — Research", fees.uni],
      ["Example University", "Cloud costs — 2026-03", uni],
      ["Harbor Health", "Managed hub operations fee — Education", fees.harbor],
      ["Harbor Health", "Cloud costs — 2026-03", harbor],
      ["Riverbend College", "Managed hub operations fee — Education", fees.riverbend],
    ]);
    const uniCloud = rows.find((r) => r.community === "Example University" && r.item!.startsWith("Cloud"))!;
    expect(uniCloud.note).toBe(
      'project example-university (hub example-university-staging): 84.50; project example-university-hubs "Example University" (hubs example-university, example-university-staging): 1500.00; hub example-university-staging: 7.25',
    );

    const markdown = await readFile(join(dir, "invoices-2026-03.md"), "utf8");
    const billed = uni + coastal + harbor;
    const money = (c: number) => `USD ${Math.trunc(c / 100).toLocaleString("en-US")}.${String(c % 100).padStart(2, "0")}`;
    expect(markdown).toContain(`**Cloud costs:** ${money(billed)} billed · **${money(unattributed)} unattributed** (2 projects, see below)`);
    expect(markdown).toContain(`| mystery-project (Mystery) | ${money(1234)} | no hub names it as Cloud project or hub |`);
    expect(markdown).toContain(`| shared-research (Shared Research Cloud) | ${money(41280)} | shared by Harbor Health (harbor-health) and Riverbend College (riverbend): split not recorded |`);
    expect(markdown).toMatch(/⚠️ project "shared-research \(Shared Research Cloud\)" has 2026-03 costs \(USD 412\.80\) shared by the hubs of Harbor Health/);
    expect(markdown).toContain(`**Total: ${money(fees.uni + fees.coastal + fees.harbor + fees.riverbend + billed)}** for 4 communities`);
  });

  it("refuses a bad export with file:row:column and writes nothing", async () => {
    expect((await sandbox.run("leads", "import", sandbox.file("leads.csv", LEADS))).code).toBe(0);
    const before = await sandbox.snapshot();
    const bad = sandbox.file("october.csv", GCP_CORRECTED_MARCH);
    const run = await sandbox.run("costs", "import", bad);
    expect(run.code).toBe(1);
    expect(run.stderr.split("\n")[0]).toBe(
      `${bad}:1: this GCP billing report has no "Month" column and its file name carries no period like "2026-10-01 — 2026-10-31"; give the month with --month YYYY-MM`,
    );
    expect(await sandbox.snapshot()).toEqual(before);
    const withMonth = await sandbox.run("costs", "import", bad, "--month", "2026-10");
    expect(withMonth.stdout).toMatch(/\(GCP billing report; 2026-10; 2 projects: .*\): 2 created, 0 updated, 0 unchanged\n$/);
  });

  const example = (name: string) => readFileSync(examplePath(name), "utf8");
  it.each([
    ["an unknown currency (GCP)", "costs-gcp-billing-report.csv", "Subtotal ($)", "Subtotal (XQZ)", ':1:Subtotal (XQZ): "XQZ" is not a currency this import knows'],
    ["a month that is not a month (GCP)", "costs-gcp-billing-report.csv", "2026-03,Coastal", "March-ish,Coastal", ':5:Month: "March-ish" is not a month'],
    ["a credit larger than the cost (GCP)", "costs-gcp-billing-report.csv", '0.00,-100.00,"2,690.11"', '0.00,"-2,800.00",-9.89', ":5:Subtotal ($): the credits of coastal-climate in 2026-03 are larger than its cost"],
    ["an unknown currency (AWS)", "costs-aws-cost-explorer.csv", "harbor-health ($)", "harbor-health (XQZ)", ':2:harbor-health (XQZ): "XQZ" is not a currency this import knows'],
    ["a month row that is not a month (AWS)", "costs-aws-cost-explorer.csv", "2026-03-01,", "next month,", ':5:Linked account name: "next month" is not a month'],
    ["an unknown currency (Azure)", "costs-azure-cost-export.csv", "7.25,USD", "7.25,XQZ", ':5:BillingCurrencyCode: "XQZ" is not a known currency'],
    ["a credit larger than the cost (Azure)", "costs-azure-cost-export.csv", "7.25,USD", "-7.25,USD", ":5:CostInBillingCurrency: the credits of example-university-staging in 2026-03 are larger than its cost"],
  ])("refuses %s with file:row:column and writes nothing", async (_name, file, from, to, expected) => {
    expect((await sandbox.run("costs", "import", examplePath("costs-long.csv"))).code).toBe(0);
    const before = await sandbox.snapshot();
    const text = example(file);
    expect(text).toContain(from);
    const bad = sandbox.file(file, text.replace(from, to));
    const run = await sandbox.run("costs", "import", bad);
    expect([run.code, run.stdout]).toEqual([1, ""]);
    expect(run.stderr.split("\n")[0]).toContain(`${bad}${expected}`);
    expect(run.stderr).toContain(`hub-sales costs import: ${bad} refused, nothing written`);
    expect(await sandbox.snapshot()).toEqual(before);
  });
});
