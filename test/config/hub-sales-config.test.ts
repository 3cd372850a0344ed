import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_FILE_NAME, type HubSalesConfig } from "../../src/config/hub-sales-config.schema.js";
import {
  InvalidConfigError,
  configOrThrow,
  parseConfigText,
  readConfigFile,
  validateConfig,
} from "../../src/config/load-config.js";

/** SPEC §7's example, verbatim (the README shows the same file). */
const SPEC_EXAMPLE = `
# .github/hub-sales.yml in the sales repo
hub_repo: 2i2c-org/infrastructure        # where hub issues are opened (public)
backlog:                                  # optional: the engineering board
  org: 2i2c-org
  project: 22                             # Projects v2 number
  status_field: Status
  new_value: "Needs Discussion/Refinement" # optional: set when the deployment request is added
  ready_value: "Ready to Work"             # optional: set when its form is complete
issues:
  lead: { title: "Lead: {name}", labels: ["hub-sales"] }
  request_information: { title: "[Request Information] New Hub: {name}", labels: ["type: hub"] }
  deployment: { title: "[Request deployment] New Hub: {name}", labels: ["new hub"] }
status_labels:
  Active Lead: "status: active lead"
  Inactive Lead: "status: inactive lead"
  Waiting: "status: waiting"
  Needs Admin: "status: needs admin"
  Active Service: "status: active service"
  Inactive Service: "status: inactive service"
commands:
  team: partnerships                      # optional: org team slug; without it, write access
follow_up:
  assignees: []                           # mentioned on follow-up dates
reconcile:
  interval_minutes: 10
currency: USD
tiers:
  - { name: Education, monthly_fee: 1000.00 }
  - { name: Research, monthly_fee: 1500.00 }
  - { name: Partnership, monthly_fee: 4166.67 }
invoicing:
  to: operations@codeforsociety.org
  cc: [partnerships@2i2c.org]
  proration: none                         # or daily
  day: last                               # 1-28, or last
airtable:
  base: appXXXXXXXXXXXXXX                 # optional here: AIRTABLE_BASE_ID wins
  leads_table: Leads
  hubs_table: Active Hubs
  fields: {}                              # renames, e.g. { Status: Stage }
`;

const DEFAULT_STATUS_LABELS = {
  "Active Lead": "status: active lead",
  "Inactive Lead": "status: inactive lead",
  Waiting: "status: waiting",
  "Needs Admin": "status: needs admin",
  "Active Service": "status: active service",
  "Inactive Service": "status: inactive service",
};

const DEFAULTS: HubSalesConfig = {
  hub_repo: "2i2c-org/infrastructure",
  issues: {
    lead: { title: "Lead: {name}", labels: ["hub-sales"] },
    request_information: { title: "[Request Information] New Hub: {name}", labels: ["type: hub"] },
    deployment: { title: "[Request deployment] New Hub: {name}", labels: ["new hub"] },
  },
  status_labels: DEFAULT_STATUS_LABELS,
  commands: {},
  follow_up: { assignees: [] },
  reconcile: { interval_minutes: 10 },
  currency: "USD",
  tiers: [
    { name: "Education", monthly_fee: 100000 },
    { name: "Research", monthly_fee: 150000 },
    { name: "Partnership", monthly_fee: 416667 },
  ],
  invoicing: {
    to: "operations@codeforsociety.org",
    cc: ["partnerships@2i2c.org"],
    proration: "none",
    day: "last",
  },
  airtable: { leads_table: "Leads", hubs_table: "Active Hubs", fields: {} },
};

function ok(text: string): HubSalesConfig {
  const result = parseConfigText(text);
  if (!result.ok) throw new Error(`expected a valid file, got: ${result.problems.join("; ")}`);
  return result.config;
}

function problems(text: string): string[] {
  const result = parseConfigText(text);
  if (result.ok) throw new Error("expected the file to be refused");
  return result.problems;
}

describe("configuration defaults", () => {
  it("fills every key but hub_repo from a minimal file", () => {
    expect(ok("hub_repo: 2i2c-org/infrastructure\n")).toEqual(DEFAULTS);
  });

  it("has no backlog, command team or AirTable base unless configured", () => {
    const config = ok("hub_repo: 2i2c-org/infrastructure\n");
    expect(config.backlog).toBeUndefined();
    expect(config.commands.team).toBeUndefined();
    expect(config.airtable.base).toBeUndefined();
  });

  it("defaults the keys left out of a partly written section", () => {
    const config = ok(
      [
        "hub_repo: a/b",
        "issues:",
        "  lead: { title: 'Prospect: {name}' }",
        "invoicing:",
        "  proration: daily",
        "status_labels:",
        "  Waiting: 'status: on hold'",
        "backlog:",
        "  org: acme",
        "  project: 3",
      ].join("\n"),
    );
    expect(config.issues.lead).toEqual({ title: "Prospect: {name}", labels: ["hub-sales"] });
    expect(config.issues.deployment).toEqual(DEFAULTS.issues.deployment);
    expect(config.invoicing).toEqual({ ...DEFAULTS.invoicing, proration: "daily" });
    expect(config.status_labels).toEqual({ ...DEFAULT_STATUS_LABELS, Waiting: "status: on hold" });
    expect(config.backlog).toEqual({ org: "acme", project: 3, status_field: "Status" });
  });
});

describe("the SPEC §7 example", () => {
  it("parses to the expected values, with fees in cents", () => {
    expect(ok(SPEC_EXAMPLE)).toEqual({
      ...DEFAULTS,
      backlog: {
        org: "2i2c-org",
        project: 22,
        status_field: "Status",
        new_value: "Needs Discussion/Refinement",
        ready_value: "Ready to Work",
      },
      commands: { team: "partnerships" },
      airtable: { ...DEFAULTS.airtable, base: "appXXXXXXXXXXXXXX" },
    });
  });

  it("reads 4166.67 exactly as 416667 cents", () => {
    expect(ok(SPEC_EXAMPLE).tiers.find((t) => t.name === "Partnership")?.monthly_fee).toBe(416667);
  });
});

describe("valid variations", () => {
  it.each([
    ["1000", 100000],
    ["1000.5", 100050],
    ["0.1", 10],
    ["0.07", 7],
    ["'1500.00'", 150000],
    ["'4166.67'", 416667],
    ["0", 0],
  ])("monthly_fee: %s → %i cents", (fee, cents) => {
    expect(ok(`hub_repo: a/b\ntiers:\n  - { name: T, monthly_fee: ${fee} }\n`).tiers).toEqual([
      { name: "T", monthly_fee: cents },
    ]);
  });

  it("accepts a day of the month 1-28 and daily proration", () => {
    expect(ok("hub_repo: a/b\ninvoicing: { day: 1, proration: daily }\n").invoicing).toMatchObject({
      day: 1,
      proration: "daily",
    });
    expect(ok("hub_repo: a/b\ninvoicing: { day: 28 }\n").invoicing.day).toBe(28);
  });

  it("drops the @ of follow-up assignees and keeps AirTable field renames", () => {
    const config = ok("hub_repo: a/b\nfollow_up: { assignees: ['@alice', bob] }\nairtable: { fields: { Status: Stage } }\n");
    expect(config.follow_up.assignees).toEqual(["alice", "bob"]);
    expect(config.airtable.fields).toEqual({ Status: "Stage" });
  });

  it("takes a hub-repo form file for the hub issues; given alone it keeps the default title and labels", () => {
    const config = ok(
      [
        "hub_repo: a/b",
        "issues:",
        "  deployment: { form: 2_new-hub-provide-info.yml, label_aliases: { Hub important dates: [Important dates] } }",
        "  request_information:",
        "    form: .github/ISSUE_TEMPLATE/3_new_hub-request-info.yaml",
      ].join("\n"),
    );
    expect(config.issues.deployment).toEqual({
      ...DEFAULTS.issues.deployment,
      form: "2_new-hub-provide-info.yml",
      label_aliases: { "Hub important dates": ["Important dates"] },
    });
    expect(config.issues.request_information).toEqual({ ...DEFAULTS.issues.request_information, form: "3_new_hub-request-info.yaml" });
    expect(config.issues.lead).toEqual(DEFAULTS.issues.lead);
  });

  it.each(["../secrets.yml", "forms/new-hub.yml", "new-hub.md", ""])("refuses form: %j", (file) => {
    expect(problems(`hub_repo: a/b\nissues:\n  deployment:\n    form: "${file}"\n`)).toEqual([
      `issues.deployment.form: must be a file name in the hub repo's .github/ISSUE_TEMPLATE/ ending in .yml or .yaml, e.g. "2_new-hub-provide-info.yml"`,
    ]);
  });

  it("keeps form off the lead issue, which the hub repo has no form for", () => {
    expect(problems("hub_repo: a/b\nissues:\n  lead: { form: x.yml }\n")[0]).toMatch(/^issues\.lead: unknown key "form"/);
  });

  it("validates an already-parsed object (what context.config returns)", () => {
    expect(validateConfig({ hub_repo: "a/b" })).toEqual({ ok: true, config: { ...DEFAULTS, hub_repo: "a/b" } });
  });
});

describe("invalid files: each message names the key and what is valid", () => {
  const cases: { name: string; text: string; expected: RegExp[] }[] = [
    { name: "missing hub_repo", text: "currency: USD\n", expected: [/^hub_repo: is required$/] },
    {
      name: "hub_repo not owner/repo",
      text: "hub_repo: infrastructure\n",
      expected: [/^hub_repo: must be "owner\/repo", e\.g\. "2i2c-org\/infrastructure"$/],
    },
    {
      name: "an unknown top-level key",
      text: "hub_repo: a/b\nhub_repos: c/d\n",
      expected: [/unknown key "hub_repos"; valid keys are hub_repo, backlog, issues, .*airtable/],
    },
    {
      name: "an unknown nested key",
      text: "hub_repo: a/b\ninvoicing:\n  bcc: someone@example.org\n",
      expected: [/^invoicing: unknown key "bcc"; valid keys are to, cc, proration, day$/],
    },
    {
      name: "an unknown status in status_labels",
      text: "hub_repo: a/b\nstatus_labels:\n  Lost: 'status: lost'\n",
      expected: [/^status_labels: unknown key "Lost"; valid keys are Active Lead, .*Inactive Service$/],
    },
    {
      name: "a bad enum value",
      text: "hub_repo: a/b\ninvoicing:\n  proration: weekly\n",
      expected: [/^invoicing\.proration: must be one of "none", "daily"$/],
    },
    {
      name: "a bad invoicing day",
      text: "hub_repo: a/b\ninvoicing:\n  day: first\n",
      expected: [/^invoicing\.day: must be a day of the month from 1 to 28, or "last"$/],
    },
    { name: "a day past 28", text: "hub_repo: a/b\ninvoicing:\n  day: 31\n", expected: [/^invoicing\.day: .*28/] },
    {
      name: "a bad email",
      text: "hub_repo: a/b\ninvoicing:\n  to: operations-at-example\n",
      expected: [/^invoicing\.to: must be an email address, e\.g\. /],
    },
    {
      name: "a bad cc email",
      text: "hub_repo: a/b\ninvoicing:\n  cc: [partnerships@2i2c.org, nobody]\n",
      expected: [/^invoicing\.cc\.1: must be an email address/],
    },
    {
      name: "money with three decimals",
      text: "hub_repo: a/b\ntiers:\n  - { name: Research, monthly_fee: 1500.005 }\n",
      expected: [/^tiers\.0\.monthly_fee: must be an amount .*at most two decimals, e\.g\. 1500\.00/],
    },
    {
      name: "money with three decimals, quoted",
      text: "hub_repo: a/b\ntiers:\n  - { name: Research, monthly_fee: '1500.005' }\n",
      expected: [/^tiers\.0\.monthly_fee: must be an amount .*at most two decimals/],
    },
    {
      name: "negative money",
      text: "hub_repo: a/b\ntiers:\n  - { name: Research, monthly_fee: -5 }\n",
      expected: [/^tiers\.0\.monthly_fee: must be an amount of zero or more/],
    },
    {
      name: "a tier without a fee",
      text: "hub_repo: a/b\ntiers:\n  - { name: Research }\n",
      expected: [/^tiers\.0\.monthly_fee: is required$/],
    },
    {
      name: "duplicate tier names (any case)",
      text: "hub_repo: a/b\ntiers:\n  - { name: Research, monthly_fee: 1 }\n  - { name: research, monthly_fee: 2 }\n",
      expected: [/^tiers\.1\.name: tier names must be unique: "research" is named twice$/],
    },
    {
      name: "two statuses sharing a label",
      text: "hub_repo: a/b\nstatus_labels:\n  Waiting: 'status: open'\n  Needs Admin: 'Status: Open'\n",
      expected: [/^status_labels: every status needs its own label: Waiting and Needs Admin share "status: open"$/],
    },
    {
      name: "a number written as text",
      text: "hub_repo: a/b\nbacklog:\n  org: acme\n  project: 'twenty-two'\n",
      expected: [/^backlog\.project: must be a number \(got "twenty-two"\)$/],
    },
    {
      name: "an interval of zero",
      text: "hub_repo: a/b\nreconcile: { interval_minutes: 0 }\n",
      expected: [/^reconcile\.interval_minutes: must be at least 1$/],
    },
    {
      name: "a lower-case currency",
      text: "hub_repo: a/b\ncurrency: usd\n",
      expected: [/^currency: must be a three-letter currency code, e\.g\. USD$/],
    },
    {
      name: "a bad AirTable base id",
      text: "hub_repo: a/b\nairtable: { base: my-base }\n",
      expected: [/^airtable\.base: must be an AirTable base id like "appXXXXXXXXXXXXXX"$/],
    },
    { name: "a text where a list belongs", text: "hub_repo: a/b\ninvoicing: { cc: nobody@example.org }\n", expected: [/^invoicing\.cc: must be a list \(got "nobody@example\.org"\)$/] },
    { name: "bad YAML", text: "hub_repo: a/b\ntiers: [\n", expected: [/^not valid YAML: .*line \d+/] },
    { name: "an empty file", text: "", expected: [/^the file is empty: it needs at least `hub_repo: owner\/repo`$/] },
    { name: "a file of comments", text: "# nothing yet\n", expected: [/^the file is empty/] },
    { name: "a list instead of a mapping", text: "- hub_repo: a/b\n", expected: [/^\(top level\): must be a mapping \(got a list\)$/] },
  ];

  it.each(cases)("$name", ({ text, expected }) => {
    const found = problems(text);
    expect(found).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(found[i]).toMatch(pattern));
  });

  it("reports every problem of a file at once", () => {
    const found = problems("currency: usd\ninvoicing: { proration: weekly, to: nobody }\nextra: 1\n");
    expect(found).toHaveLength(5);
    expect(found.join("\n")).toMatch(/hub_repo: is required/);
    expect(found.join("\n")).toMatch(/currency: /);
    expect(found.join("\n")).toMatch(/invoicing\.proration: /);
    expect(found.join("\n")).toMatch(/invoicing\.to: /);
    expect(found.join("\n")).toMatch(/unknown key "extra"/);
  });
});

describe("reading a local copy (HUB_SALES_CONFIG)", () => {
  it("reads a file, reports a missing one, and configOrThrow raises with every problem", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hub-sales-config-"));
    try {
      const path = join(dir, CONFIG_FILE_NAME);
      await writeFile(path, SPEC_EXAMPLE);
      expect(configOrThrow(await readConfigFile(path)).backlog?.project).toBe(22);

      const missing = await readConfigFile(join(dir, "nope.yml"));
      expect(missing).toEqual({ ok: false, problems: [expect.stringMatching(/cannot read .*nope\.yml: ENOENT/)] });

      await writeFile(path, "currency: usd\n");
      const error = (() => {
        try {
          configOrThrow(parseConfigText("currency: usd\n"));
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(InvalidConfigError);
      expect((error as InvalidConfigError).problems).toHaveLength(2);
      expect((error as InvalidConfigError).message).toMatch(/hub-sales\.yml:\n {2}- hub_repo: is required/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
