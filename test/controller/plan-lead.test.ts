import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { configOrThrow, parseConfigText } from "../../src/config/load-config.js";
import type { HubSalesConfig } from "../../src/config/hub-sales-config.schema.js";
import type { IssueRole, LeadAction } from "../../src/controller/lead-action.js";
import { emptyLeadEffects, type LeadEffects, type LeadObservation } from "../../src/controller/lead-observation.js";
import { planLead } from "../../src/controller/plan-lead.js";
import { renderDeploymentBody } from "../../src/controller/render-hub-issues.js";
import { renderIssueTitle, renderLeadIssueBody } from "../../src/controller/render-lead-issue.js";
import { formatMoney, formatMoneyForPeople } from "../../src/domain/money.js";
import { newLeadFields, type Hub, type Lead, type LeadFields } from "../../src/domain/records.js";
import type { IssueSnapshot, RepoRef } from "../../src/github/github-gateway.js";
import { parseCommentMarker, parseIssueMarker, renderIssueMarker, type IssueKind } from "../../src/github/issue-marker.js";
import { BUILT_IN_DEPLOYMENT_FORM } from "../../src/issue-forms/built-in-forms.js";
import { completeFormSections } from "../support/complete-form.js";
import { formFixture, validForm } from "../support/issue-form-fixtures.js";
import { parseFormSections, renderFormSections } from "../../src/issue-forms/issue-form-sections.js";
import { LEAD_STATUSES, type LeadStatus } from "../../src/pipeline/lead-status.js";

const CONFIG_TEXT = "hub_repo: org/hub\nbacklog: {org: org, project: 1, new_value: New, ready_value: Ready}";
const config = configOrThrow(parseConfigText(CONFIG_TEXT));
const followUpConfig = configOrThrow(parseConfigText(`${CONFIG_TEXT}\nfollow_up: {assignees: [alice, "@bob"]}`));
const noBacklogConfig = configOrThrow(parseConfigText("hub_repo: org/hub"));

const SALES: RepoRef = { owner: "org", repo: "sales" };
const HUB: RepoRef = { owner: "org", repo: "hub" };
const TODAY = "2026-03-10";
const LEAD_ID = "lead-1";

const url = (repo: RepoRef, n: number) => `https://github.com/${repo.owner}/${repo.repo}/issues/${n}`;
const LEAD_URL = url(SALES, 1);
const RI_URL = url(HUB, 10);
const DEPLOY_URL = url(HUB, 11);

function lead(status: LeadStatus, extra: Partial<LeadFields> = {}): Lead {
  return { id: LEAD_ID, ...newLeadFields("Data Science Lab", status, { githubHandles: ["alice-rep", "bob-rep"], ...extra }) };
}

/** A lead far enough along to enter Needs Admin (guards met). */
function adminLead(extra: Partial<LeadFields> = {}): Lead {
  return lead("Needs Admin", {
    serviceTier: "Research",
    agreement: "email of 2026-03-02",
    serviceStartDate: "2026-03-01",
    ...extra,
  });
}

function issue(kind: IssueKind, number: number, extra: Partial<IssueSnapshot> = {}): IssueSnapshot {
  const repo = kind === "lead" ? SALES : HUB;
  const body = extra.body ?? `${renderIssueMarker({ lead: LEAD_ID, kind })}\nbody`;
  return {
    repo,
    number,
    id: 9000 + number,
    nodeId: `I_${number}`,
    htmlUrl: url(repo, number),
    title: `issue ${number}`,
    state: "open",
    stateReason: null,
    labels: [],
    author: "hub-sales-bot[bot]",
    ...extra,
    body,
    marker: parseIssueMarker(body),
  };
}

/** The lead issue exactly as the plan wants it for `l` (title, body, labels, open/closed). */
function settledLeadIssue(l: Lead, opts: { hubs?: Hub[]; cfg?: HubSalesConfig; today?: string } = {}): IssueSnapshot {
  const cfg = opts.cfg ?? config;
  const open = ["Active Lead", "Waiting", "Needs Admin", "Active Service"].includes(l.status);
  return issue("lead", 1, {
    title: renderIssueTitle(cfg.issues.lead.title, l.name),
    body: renderLeadIssueBody({ lead: l, hubs: opts.hubs ?? [], today: opts.today ?? TODAY, config: cfg }),
    labels: [...cfg.issues.lead.labels, cfg.status_labels[l.status]],
    state: open ? "open" : "closed",
    stateReason: open ? null : "not_planned",
  });
}

function observe(l: Lead, extra: Partial<Omit<LeadObservation, "effects">> & { effects?: Partial<LeadEffects> } = {}): LeadObservation {
  const { effects, ...rest } = extra;
  return {
    lead: l,
    hubs: [],
    today: TODAY,
    leadIssue: null,
    requestInformationIssue: null,
    deploymentIssue: null,
    ...rest,
    effects: { ...emptyLeadEffects(), ...effects },
  };
}

const ALL_LINKS_DONE: Partial<LeadEffects> = {
  commentsPosted: ["link:request-information", "link:deployment"],
  subIssuesLinked: ["request-information", "deployment"],
};

/** A deployment body with every required form field answered. */
function completeDeploymentBody(): string {
  return [
    renderIssueMarker({ lead: LEAD_ID, kind: "deployment" }),
    renderFormSections(completeFormSections(BUILT_IN_DEPLOYMENT_FORM, { "Technical support contacts listed": "- [x] Technical contact present" })),
  ].join("\n");
}

function plan(observed: LeadObservation, opts: { sameOwner?: boolean; cfg?: HubSalesConfig } = {}): LeadAction[] {
  const actions = planLead(observed, { config: opts.cfg ?? config, sameOwner: opts.sameOwner ?? true });
  expectApplicable(observed, actions);
  return actions;
}

/**
 * The executor fails on an action aimed at an issue that does not exist yet; a plan must
 * never ask for one (it would fail on every retry). Checked on every plan in this file.
 */
function expectApplicable(observed: LeadObservation, actions: readonly LeadAction[]): void {
  const exists: Record<IssueRole, boolean> = {
    lead: observed.leadIssue !== null,
    "request-information": observed.requestInformationIssue !== null,
    deployment: observed.deploymentIssue !== null,
  };
  for (const action of actions) {
    const needs: IssueRole[] = [];
    switch (action.type) {
      case "update-issue":
      case "add-labels":
      case "remove-label":
        needs.push(action.role);
        break;
      case "post-comment-once":
        needs.push(action.on);
        break;
      case "link-sub-issue":
        needs.push("lead", action.child);
        break;
      case "upsert-readiness-comment":
      case "add-to-backlog":
        needs.push("deployment");
        break;
      case "set-backlog-status":
        needs.push("deployment");
        expect(observed.effects.backlogItem, "set-backlog-status before the item exists").not.toBeNull();
        break;
      default:
        break;
    }
    for (const role of needs) {
      expect(exists[role], `${action.type} needs the ${role} issue, which does not exist yet`).toBe(true);
    }
    if (action.type === "create-issue") exists[action.role] = true;
  }
}

const types = (actions: readonly LeadAction[]) => actions.map((a) => a.type);
const ofType = <T extends LeadAction["type"]>(actions: readonly LeadAction[], type: T) =>
  actions.filter((a): a is Extract<LeadAction, { type: T }> => a.type === type);

describe("planLead: the lead issue", () => {
  it("opens a lead issue for a new Active Lead, with hub-sales and its status label", () => {
    const actions = plan(observe(lead("Active Lead")));
    expect(actions).toHaveLength(1);
    const [create] = ofType(actions, "create-issue");
    expect(create).toMatchObject({
      role: "lead",
      title: "Lead: Data Science Lab",
      labels: ["hub-sales", "status: active lead"],
    });
    expect(parseIssueMarker(create!.body)).toEqual({ lead: LEAD_ID, kind: "lead" });
  });

  it.each(["Inactive Lead", "Inactive Service"] as const)("gives a lead first seen as %s no issue at all", (status) => {
    expect(plan(observe(lead(status)))).toEqual([]);
  });

  it.each(["Waiting", "Active Service"] as const)("opens the issue for a lead first seen as %s", (status) => {
    const actions = plan(observe(lead(status, { followUpDate: "2026-04-01" })));
    expect(ofType(actions, "create-issue")[0]?.labels).toEqual(["hub-sales", config.status_labels[status]]);
  });

  it("plans nothing at all when the issue and the record already match", () => {
    const l = lead("Active Lead", { leadIssue: LEAD_URL });
    expect(plan(observe(l, { leadIssue: settledLeadIssue(l) }))).toEqual([]);
  });

  it("records the lead issue's URL when the record lacks it (an adopted issue)", () => {
    const l = lead("Active Lead", { leadIssue: LEAD_URL });
    const unrecorded = plan(observe({ ...l, leadIssue: null }, { leadIssue: settledLeadIssue(l) }));
    expect(unrecorded).toEqual([{ type: "update-lead", patch: { leadIssue: LEAD_URL }, why: "lead issue opened" }]);
  });

  it("closes the issue as not planned when the lead goes inactive, and swaps the status label", () => {
    const before = lead("Active Lead", { leadIssue: LEAD_URL });
    const after = { ...before, status: "Inactive Lead" as const };
    const actions = plan(observe(after, { leadIssue: settledLeadIssue(before) }));
    const [update] = ofType(actions, "update-issue");
    expect(update?.patch).toMatchObject({ state: "closed", stateReason: "not_planned" });
    expect(update?.patch.body).toContain("| Status | Inactive Lead |");
    expect(ofType(actions, "add-labels")).toEqual([{ type: "add-labels", role: "lead", labels: ["status: inactive lead"] }]);
    expect(ofType(actions, "remove-label")).toEqual([{ type: "remove-label", role: "lead", label: "status: active lead" }]);
  });

  it("reopens the issue when the lead comes back", () => {
    const before = lead("Inactive Lead", { leadIssue: LEAD_URL });
    const after = { ...before, status: "Active Lead" as const };
    const actions = plan(observe(after, { leadIssue: settledLeadIssue(before) }));
    expect(ofType(actions, "update-issue")[0]?.patch).toMatchObject({ state: "open", stateReason: "reopened" });
    expect(ofType(actions, "add-labels")[0]?.labels).toEqual(["status: active lead"]);
    expect(ofType(actions, "remove-label").map((a) => a.label)).toEqual(["status: inactive lead"]);
  });

  it("updates only the body when only the record's details changed", () => {
    const before = lead("Active Lead", { leadIssue: LEAD_URL });
    const after = { ...before, maniacT: { ...before.maniacT, need: "GPU teaching hub" } };
    const actions = plan(observe(after, { leadIssue: settledLeadIssue(before) }));
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ type: "update-issue", role: "lead" });
    expect(Object.keys((actions[0] as Extract<LeadAction, { type: "update-issue" }>).patch)).toEqual(["body"]);
  });

  it("puts the title back when a person retitled the issue", () => {
    const l = lead("Active Lead", { leadIssue: LEAD_URL });
    const actions = plan(observe(l, { leadIssue: { ...settledLeadIssue(l), title: "renamed" } }));
    expect(actions).toEqual([{ type: "update-issue", role: "lead", patch: { title: "Lead: Data Science Lab" } }]);
  });

  it.each<{ name: string; status: LeadStatus; labels: string[]; add: string[]; remove: string[] }>([
    {
      name: "adds the missing status label",
      status: "Waiting",
      labels: ["hub-sales"],
      add: ["status: waiting"],
      remove: [],
    },
    {
      name: "removes every other status label",
      status: "Waiting",
      labels: ["hub-sales", "status: active lead", "status: waiting", "status: needs admin"],
      add: [],
      remove: ["status: active lead", "status: needs admin"],
    },
    {
      name: "adds hub-sales back and swaps status",
      status: "Active Lead",
      labels: ["status: waiting", "unrelated"],
      add: ["hub-sales", "status: active lead"],
      remove: ["status: waiting"],
    },
    {
      name: "compares labels without case, and removes by the label's own spelling",
      status: "Waiting",
      labels: ["Hub-Sales", "Status: Waiting", "STATUS: Active Lead"],
      add: [],
      remove: ["STATUS: Active Lead"],
    },
  ])("status label mirror: $name", ({ status, labels, add, remove }) => {
    const l = lead(status, { leadIssue: LEAD_URL, followUpDate: "2026-12-01" });
    const actions = plan(observe(l, { leadIssue: { ...settledLeadIssue(l), labels } }));
    expect(ofType(actions, "add-labels").flatMap((a) => a.labels)).toEqual(add);
    expect(ofType(actions, "remove-label").map((a) => a.label)).toEqual(remove);
    expect(ofType(actions, "update-issue")).toEqual([]);
  });
});

describe("planLead: request information", () => {
  it("opens the request-information issue FIRST, with no lead-issue actions in the same plan", () => {
    const before = lead("Active Lead", { leadIssue: LEAD_URL });
    const l = adminLead({ leadIssue: LEAD_URL });
    const actions = plan(observe(l, { leadIssue: settledLeadIssue(before) }));
    expect(actions).toHaveLength(1);
    const create = actions[0] as Extract<LeadAction, { type: "create-issue" }>;
    expect(create).toMatchObject({
      type: "create-issue",
      role: "request-information",
      title: "[Request Information] New Hub: Data Science Lab",
      labels: ["type: hub"],
    });
    expect(parseIssueMarker(create.body)).toEqual({ lead: LEAD_ID, kind: "request-information" });
    const sections = parseFormSections(create.body);
    expect([...sections.keys()]).toEqual([
      "Hub Description",
      "Community Representative(s)",
      "Tasks to complete the information collection phase",
    ]);
    expect(sections.get("Community Representative(s)")).toContain("@alice-rep, @bob-rep");
    expect(sections.get("Tasks to complete the information collection phase")).toMatch(/^- \[ \] /m);
  });

  it("opens it for a new Needs Admin lead before the lead issue", () => {
    const actions = plan(observe(adminLead()));
    expect(types(actions)).toEqual(["create-issue"]);
    expect(ofType(actions, "create-issue")[0]?.role).toBe("request-information");
  });

  it("records the request-information issue's URL on the lead before touching the lead issue", () => {
    const l = adminLead({ leadIssue: LEAD_URL });
    const actions = plan(observe(l, { leadIssue: settledLeadIssue(lead("Active Lead")), requestInformationIssue: issue("request-information", 10) }));
    expect(actions).toEqual([
      { type: "update-lead", patch: { requestInformationIssue: RI_URL }, why: "request-information issue opened" },
    ]);
  });

  it("then links it from the lead issue: sub-issue (same owner) and one comment", () => {
    const l = adminLead({ leadIssue: LEAD_URL, requestInformationIssue: RI_URL });
    const observed = observe(l, { leadIssue: settledLeadIssue(l), requestInformationIssue: issue("request-information", 10) });
    const actions = plan(observed);
    expect(types(actions)).toEqual(["link-sub-issue", "post-comment-once"]);
    expect(actions[0]).toEqual({ type: "link-sub-issue", child: "request-information" });
    const comment = ofType(actions, "post-comment-once")[0]!;
    expect(comment).toMatchObject({ on: "lead", key: "link:request-information" });
    expect(comment.body).toContain(RI_URL);
    expect(parseCommentMarker(comment.body)).toEqual({ lead: LEAD_ID, comment: "link:request-information" });

    const otherOwner = plan(observed, { sameOwner: false });
    expect(types(otherOwner)).toEqual(["post-comment-once"]);

    const done = observe(l, {
      leadIssue: settledLeadIssue(l),
      requestInformationIssue: issue("request-information", 10),
      effects: { commentsPosted: ["link:request-information"], subIssuesLinked: ["request-information"] },
    });
    expect(plan(done)).toEqual([]);
  });

  it.each<{ name: string; ri: Partial<IssueSnapshot>; effects: Partial<LeadEffects>; wanted: boolean }>([
    { name: "open request-information issue", ri: {}, effects: {}, wanted: false },
    { name: "closed as completed", ri: { state: "closed", stateReason: "completed" }, effects: {}, wanted: true },
    { name: "/request-deployment ran (effect recorded)", ri: {}, effects: { deploymentRequested: true }, wanted: true },
    { name: "closed as not planned", ri: { state: "closed", stateReason: "not_planned" }, effects: {}, wanted: false },
    { name: "closed as duplicate", ri: { state: "closed", stateReason: "duplicate" }, effects: {}, wanted: false },
  ])("deployment request wanted: $name → $wanted", ({ ri, effects, wanted }) => {
    const l = adminLead({ leadIssue: LEAD_URL, requestInformationIssue: RI_URL });
    const actions = plan(
      observe(l, {
        leadIssue: settledLeadIssue(l),
        requestInformationIssue: issue("request-information", 10, ri),
        effects: { commentsPosted: ["link:request-information"], subIssuesLinked: ["request-information"], ...effects },
      }),
    );
    const creates = ofType(actions, "create-issue");
    if (!wanted) {
      expect(creates).toEqual([]);
      return;
    }
    expect(actions).toHaveLength(1);
    expect(creates[0]).toMatchObject({
      role: "deployment",
      title: "[Request deployment] New Hub: Data Science Lab",
      labels: ["new hub"],
    });
    const body = creates[0]!.body;
    expect(parseIssueMarker(body)).toEqual({ lead: LEAD_ID, kind: "deployment" });
    const sections = parseFormSections(body);
    expect([...sections.keys()]).toEqual(BUILT_IN_DEPLOYMENT_FORM.fields.map((f) => f.label));
    expect(sections.get("The GitHub handle of the community representative")).toBe("@alice-rep, @bob-rep");
    expect(sections.get("Hub important dates")).toContain("2026-03-01");
    expect(sections.get("Hub Authentication Type")).toBe("pending");
    expect(sections.get("Other relevant information to the features above")).toContain(RI_URL);
  });
});

describe("planLead: deployment request", () => {
  const l = adminLead({ leadIssue: LEAD_URL, requestInformationIssue: RI_URL, deploymentIssue: DEPLOY_URL });
  const deployment = issue("deployment", 11, { body: renderDeploymentBody({ lead: l, requestInformationUrl: RI_URL }) });
  const base = {
    leadIssue: settledLeadIssue(l),
    requestInformationIssue: issue("request-information", 10, { state: "closed" as const, stateReason: "completed" as const }),
    deploymentIssue: deployment,
  };

  it("records the deployment issue's URL first", () => {
    const unrecorded = { ...l, deploymentIssue: null };
    const actions = plan(observe(unrecorded, { ...base, leadIssue: settledLeadIssue(unrecorded), effects: ALL_LINKS_DONE }));
    expect(actions[0]).toEqual({ type: "update-lead", patch: { deploymentIssue: DEPLOY_URL }, why: "deployment request opened" });
    expect(actions.some((a) => a.type === "post-comment-once" && a.on === "lead")).toBe(false);
    expect(actions.some((a) => a.type === "link-sub-issue")).toBe(false);
  });

  it.each([true, false])("links it both ways, adds it to the backlog as New (sameOwner %s)", (sameOwner) => {
    const actions = plan(
      observe(l, { ...base, effects: { commentsPosted: ["link:request-information"], subIssuesLinked: ["request-information"] } }),
      { sameOwner },
    );
    const onRi = actions.find((a) => a.type === "post-comment-once" && a.on === "request-information");
    expect(onRi).toMatchObject({ key: "link:deployment" });
    expect((onRi as { body: string }).body).toContain(DEPLOY_URL);
    expect(ofType(actions, "add-to-backlog")).toEqual([{ type: "add-to-backlog", status: "New" }]);
    const onLead = actions.filter((a) => a.type === "post-comment-once" && a.on === "lead");
    expect(onLead).toHaveLength(1);
    expect(onLead[0]).toMatchObject({ key: "link:deployment" });
    expect((onLead[0] as { body: string }).body).toContain(DEPLOY_URL);
    expect(ofType(actions, "link-sub-issue")).toEqual(sameOwner ? [{ type: "link-sub-issue", child: "deployment" }] : []);
    expect(ofType(actions, "create-issue")).toEqual([]);
  });

  it("adds to the backlog without a status when no new_value is configured, and not at all without a backlog", () => {
    const cfg = configOrThrow(parseConfigText("hub_repo: org/hub\nbacklog: {org: org, project: 1}"));
    const observed = observe(l, { ...base, leadIssue: settledLeadIssue(l, { cfg }), effects: ALL_LINKS_DONE });
    expect(ofType(plan(observed, { cfg }), "add-to-backlog")).toEqual([{ type: "add-to-backlog", status: null }]);
    const none = observe(l, { ...base, leadIssue: settledLeadIssue(l, { cfg: noBacklogConfig }), effects: ALL_LINKS_DONE });
    expect(ofType(plan(none, { cfg: noBacklogConfig }), "add-to-backlog")).toEqual([]);
  });

  it("keeps one readiness comment listing the pending fields and pinging the representatives", () => {
    const effects = { ...ALL_LINKS_DONE, backlogItem: { itemId: "PVTI_1", status: "New" } };
    const actions = plan(observe(l, { ...base, effects }));
    expect(types(actions)).toEqual(["upsert-readiness-comment"]);
    const body = ofType(actions, "upsert-readiness-comment")[0]!.body;
    expect(parseCommentMarker(body)).toEqual({ lead: LEAD_ID, comment: "readiness" });
    expect(body).toContain("@alice-rep @bob-rep");
    for (const field of ["Hub Authentication Type", "First Hub Administrators", "Technical support contacts listed"]) {
      expect(body).toContain(`- [ ] ${field}`);
    }
    // Filled from the record: not asked for again.
    expect(body).not.toContain("The GitHub handle of the community representative");
    expect(body).not.toContain("Hub important dates");
    // Optional fields are never required.
    expect(body).not.toContain("Preferred cloud provider");

    const unchanged = plan(observe(l, { ...base, effects: { ...effects, readinessComment: { commentId: 1, body } } }));
    expect(unchanged).toEqual([]);
  });

  it("says the request is complete and moves the backlog item to Ready when the form is complete", () => {
    const complete = { ...deployment, body: completeDeploymentBody() };
    const effects = { ...ALL_LINKS_DONE, backlogItem: { itemId: "PVTI_1", status: "New" } };
    const actions = plan(observe(l, { ...base, deploymentIssue: complete, effects }));
    expect(types(actions)).toEqual(["upsert-readiness-comment", "set-backlog-status"]);
    expect(ofType(actions, "upsert-readiness-comment")[0]!.body).toContain("The deployment request is complete");
    expect(ofType(actions, "set-backlog-status")).toEqual([{ type: "set-backlog-status", status: "Ready" }]);

    const readiness = ofType(actions, "upsert-readiness-comment")[0]!.body;
    const settled = plan(
      observe(l, {
        ...base,
        deploymentIssue: complete,
        effects: { ...effects, backlogItem: { itemId: "PVTI_1", status: "Ready" }, readinessComment: { commentId: 1, body: readiness } },
      }),
    );
    expect(settled).toEqual([]);
  });

  it("waits for the backlog item before setting Ready", () => {
    const complete = { ...deployment, body: completeDeploymentBody() };
    const actions = plan(observe(l, { ...base, deploymentIssue: complete, effects: ALL_LINKS_DONE }));
    expect(types(actions)).toContain("add-to-backlog");
    expect(types(actions)).not.toContain("set-backlog-status");
  });
});

describe("planLead: the hub ships", () => {
  const l = adminLead({ leadIssue: LEAD_URL, requestInformationIssue: RI_URL, deploymentIssue: DEPLOY_URL });
  const effects: LeadEffects = { ...emptyLeadEffects(), ...ALL_LINKS_DONE, backlogItem: { itemId: "PVTI_1", status: "New" } };
  const closed = (extra: Partial<IssueSnapshot>) =>
    issue("deployment", 11, {
      title: "[Request deployment] New Hub: Data Science Lab",
      state: "closed",
      stateReason: "completed",
      ...extra,
    });
  const observedWith = (deployment: IssueSnapshot, over: Partial<LeadObservation> = {}, lead2: Lead = l) =>
    observe(lead2, {
      leadIssue: settledLeadIssue(lead2, { hubs: over.hubs ?? [] }),
      requestInformationIssue: issue("request-information", 10, { state: "closed", stateReason: "completed" }),
      deploymentIssue: deployment,
      effects,
      ...over,
    });
  const hubRow = (extra: Partial<Hub> = {}): Hub => ({
    id: "hub-1",
    hub: "data-science-lab",
    communityLeadId: LEAD_ID,
    url: null,
    deploymentIssue: DEPLOY_URL,
    liveSince: TODAY,
    ...extra,
  });

  it.each([
    { title: "[Request deployment] New Hub: Data Science Lab", hub: "data-science-lab" },
    { title: "[Request deployment] New Hub: NASA VEDA", hub: "nasa-veda" },
    { title: "Deploy it please", hub: "data-science-lab" },
  ])("adds the Active Hubs row alone when closed as completed ($title → $hub)", ({ title, hub }) => {
    const actions = plan(observedWith(closed({ title })));
    expect(actions).toEqual([
      {
        type: "create-hub",
        fields: { hub, communityLeadId: LEAD_ID, url: null, deploymentIssue: DEPLOY_URL, liveSince: TODAY },
      },
    ]);
  });

  it.each([
    { start: "2026-03-01", promoted: true },
    { start: TODAY, promoted: true },
    { start: "2026-03-11", promoted: false },
  ])("moves the lead to Active Service once the start date ($start) has come: $promoted", ({ start, promoted }) => {
    const l2 = { ...l, serviceStartDate: start };
    const actions = plan(observedWith(closed({}), { hubs: [hubRow()] }, l2));
    const statusUpdates = ofType(actions, "update-lead").filter((a) => a.patch.status !== undefined);
    expect(statusUpdates).toEqual(promoted ? [expect.objectContaining({ patch: { status: "Active Service" } })] : []);
    expect(ofType(actions, "create-hub")).toEqual([]);
  });

  it("does not promote a lead without a start date", () => {
    const l2 = { ...l, serviceStartDate: null };
    expect(ofType(plan(observedWith(closed({}), { hubs: [hubRow()] }, l2)), "update-lead")).toEqual([]);
  });

  it("links a hub row recorded by /hub-live to the deployment issue instead of adding another", () => {
    const actions = plan(observedWith(closed({}), { hubs: [hubRow({ hub: "dsl", deploymentIssue: null })] }));
    expect(ofType(actions, "create-hub")).toEqual([]);
    expect(ofType(actions, "update-hub")).toEqual([{ type: "update-hub", id: "hub-1", patch: { deploymentIssue: DEPLOY_URL } }]);
  });

  it.each([
    { reason: "not_planned" as const, words: "not planned" },
    { reason: "duplicate" as const, words: "a duplicate" },
  ])("closed as $reason: no hub row, one note on the lead issue", ({ reason, words }) => {
    const actions = plan(observedWith(closed({ stateReason: reason })));
    expect(ofType(actions, "create-hub")).toEqual([]);
    expect(ofType(actions, "update-lead")).toEqual([]);
    const notes = ofType(actions, "post-comment-once");
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ on: "lead", key: "deployment-closed:11" });
    expect(notes[0]!.body).toContain(words);
    expect(notes[0]!.body).toContain(DEPLOY_URL);

    const after = observedWith(closed({ stateReason: reason }), {
      effects: { ...effects, commentsPosted: [...effects.commentsPosted, "deployment-closed:11"] },
    });
    expect(plan(after)).toEqual([]);
  });

  it("closed as not planned while the lead issue is missing: opens the lead issue first, the note after", () => {
    // e.g. an imported Needs Admin row whose hub issues already exist: the note must wait
    // for the lead issue, or the executor would fail on it on every retry.
    const observed = observedWith(closed({ stateReason: "not_planned" }), { leadIssue: null }, { ...l, leadIssue: null });
    const actions = plan(observed);
    expect(ofType(actions, "create-issue").map((a) => a.role)).toEqual(["lead"]);
  });
});

describe("planLead: Waiting follow-ups", () => {
  const waiting = (followUpDate: string) => lead("Waiting", { leadIssue: LEAD_URL, followUpDate });
  const observedOn = (l: Lead, today: string, commentsPosted: string[] = []) =>
    observe(l, { today, leadIssue: settledLeadIssue(l, { cfg: followUpConfig, today }), effects: { commentsPosted } });

  it("comments once on the follow-up date, mentioning the assignees", () => {
    const actions = plan(observedOn(waiting(TODAY), TODAY), { cfg: followUpConfig });
    expect(actions).toHaveLength(1);
    const [comment] = ofType(actions, "post-comment-once");
    expect(comment).toMatchObject({ on: "lead", key: `follow-up:${TODAY}` });
    expect(comment!.body).toContain("@alice @bob");
    expect(comment!.body).toContain(TODAY);
  });

  it("says nothing before the date", () => {
    expect(plan(observedOn(waiting("2026-03-11"), TODAY), { cfg: followUpConfig })).toEqual([]);
  });

  it("does not comment twice for the same date", () => {
    expect(plan(observedOn(waiting(TODAY), TODAY, [`follow-up:${TODAY}`]), { cfg: followUpConfig })).toEqual([]);
  });

  it("still comments when the daily job ran late, and again for a new date", () => {
    const late = plan(observedOn(waiting("2026-03-08"), TODAY), { cfg: followUpConfig });
    expect(ofType(late, "post-comment-once").map((a) => a.key)).toEqual(["follow-up:2026-03-08"]);
    const next = plan(observedOn(waiting(TODAY), TODAY, ["follow-up:2026-03-08"]), { cfg: followUpConfig });
    expect(ofType(next, "post-comment-once").map((a) => a.key)).toEqual([`follow-up:${TODAY}`]);
  });

  it("does not follow up once the lead left Waiting", () => {
    const l = lead("Active Lead", { leadIssue: LEAD_URL, followUpDate: TODAY });
    expect(plan(observedOn(l, TODAY), { cfg: followUpConfig })).toEqual([]);
  });
});

describe("planLead: sensitive data never reaches the hub repo", () => {
  /** Actions whose text lands in the hub repo (public). */
  function hubRepoTexts(actions: readonly LeadAction[]): string[] {
    return actions.flatMap((a) => {
      if (a.type === "create-issue" && a.role !== "lead") return [a.title, a.body];
      if (a.type === "post-comment-once" && a.on !== "lead") return [a.body];
      if (a.type === "upsert-readiness-comment") return [a.body];
      if (a.type === "update-issue" && a.role !== "lead") return [a.patch.title ?? "", a.patch.body ?? ""];
      return [];
    });
  }

  const token = fc.stringMatching(/^[a-z0-9]{8,12}$/);
  const sensitiveLead = fc.record({
    name: fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() !== ""),
    handles: fc.array(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), { maxLength: 3 }),
    fee: fc.integer({ min: 100_000, max: 99_999_999 }),
    email: token.map((t) => `secret-${t}@example.org`),
    notes: fc.array(token.map((t) => `note-${t}`), { minLength: 7, maxLength: 7 }),
    start: fc.constantFrom("2026-03-01", "2026-04-15", null),
  });

  it("no request-information or deployment body, nor comment there, holds the fee, the email or a MANIAC-T note", () => {
    fc.assert(
      fc.property(sensitiveLead, fc.integer({ min: 0, max: 3 }), (input, stage) => {
        const [money, authority, need, impendingEvent, application, competition, timeline] = input.notes as [
          string, string, string, string, string, string, string,
        ];
        const l: Lead = {
          id: LEAD_ID,
          ...newLeadFields(input.name, "Needs Admin", {
            githubHandles: input.handles,
            contactEmail: input.email,
            monthlyFee: input.fee,
            serviceTier: "Research",
            agreement: "signed",
            serviceStartDate: input.start,
            maniacT: { money, authority, need, impendingEvent, application, competition, timeline },
            leadIssue: LEAD_URL,
            requestInformationIssue: stage >= 1 ? RI_URL : null,
            deploymentIssue: stage >= 2 ? DEPLOY_URL : null,
          }),
        };
        const ri = stage >= 1 ? issue("request-information", 10, { state: "closed", stateReason: "completed" }) : null;
        const deploymentBody = renderDeploymentBody({ lead: l, requestInformationUrl: RI_URL });
        const deployment =
          stage >= 2 ? issue("deployment", 11, { body: stage === 3 ? completeDeploymentBody() : deploymentBody }) : null;
        const observed = observe(l, {
          leadIssue: settledLeadIssue(l),
          requestInformationIssue: ri,
          deploymentIssue: deployment,
          effects: stage === 3 ? { backlogItem: { itemId: "PVTI_1", status: "New" } } : {},
        });
        const actions = planLead(observed, { config, sameOwner: true });
        const texts = hubRepoTexts(actions);
        // Stage 0 opens the RI issue, 1 the deployment request, 2 and 3 comment on both.
        expect(texts.length).toBeGreaterThan(0);
        const secrets = [input.email, formatMoney(input.fee), formatMoneyForPeople(input.fee, "USD"), ...input.notes];
        for (const text of texts) {
          for (const secret of secrets) expect(text).not.toContain(secret);
        }
        // The same lead's private issue does carry them: the check is not vacuous.
        const privateBody = settledLeadIssue(l).body;
        for (const secret of [input.email, formatMoneyForPeople(input.fee, "USD"), ...input.notes]) {
          expect(privateBody).toContain(secret);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("planLead: every status", () => {
  it.each(LEAD_STATUSES)("a settled %s lead plans nothing", (status) => {
    const l = lead(status, {
      leadIssue: LEAD_URL,
      followUpDate: "2026-12-01",
      serviceTier: "Research",
      agreement: "ok",
      serviceStartDate: "2026-03-01",
      requestInformationIssue: status === "Needs Admin" ? RI_URL : null,
    });
    const observed = observe(l, {
      leadIssue: settledLeadIssue(l),
      requestInformationIssue: status === "Needs Admin" ? issue("request-information", 10) : null,
      effects: { commentsPosted: ["link:request-information"], subIssuesLinked: ["request-information"] },
    });
    expect(plan(observed)).toEqual([]);
  });
});

describe("planLead: the hub repo's own forms", () => {
  const FORM_CONFIG = configOrThrow(
    parseConfigText(
      `${CONFIG_TEXT}\nissues:\n  deployment: { form: 2_new-hub-provide-info.yml, label_aliases: { "Hub important dates": ["Important dates"] } }\n  request_information: { form: ri.yml }`,
    ),
  );
  const ref = (file: string) => ({ file, sha: "c".repeat(40) });
  const riForm = validForm(
    formFixture("3_new_hub-request-info.yaml").replace(
      '- label: "New Hub - Collect Information" issue was opened by a Community Representative',
      "- label: '\"New Hub - Collect Information\" issue was opened'",
    ),
  );

  it("opens the request-information issue from the hub repo's form, with its title and labels", () => {
    const l = adminLead({ leadIssue: LEAD_URL });
    const observed = observe(l, { leadIssue: settledLeadIssue(l, { cfg: FORM_CONFIG }), forms: { requestInformation: { form: riForm, ref: ref("ri.yml") } } });
    const [create] = ofType(plan(observed, { cfg: FORM_CONFIG }), "create-issue");
    expect(create).toMatchObject({ role: "request-information", title: "[Request Information] New Hub: Data Science Lab", labels: ["type: hub"] });
    const sections = parseFormSections(create!.body);
    expect([...sections.keys()]).toEqual(["Hub Description", "Community Representative(s)", "Tasks to complete the information gathering phase"]);
    expect(sections.get("Community Representative(s)")).toMatch(/^Hey @alice-rep, @bob-rep!/);
  });

  it("opens the deployment request from the form it observed and says so on the body", () => {
    const l = adminLead({ leadIssue: LEAD_URL, requestInformationIssue: RI_URL });
    const form = { ...validForm(formFixture("2_new-hub-provide-info.16-fields.yml")), labels: ["new hub", "type: hub"] };
    const observed = observe(l, {
      leadIssue: settledLeadIssue(l, { cfg: FORM_CONFIG }),
      requestInformationIssue: issue("request-information", 10, { state: "closed", stateReason: "completed" }),
      effects: ALL_LINKS_DONE,
      forms: { deployment: { form, ref: ref("2_new-hub-provide-info.yml") } },
    });
    const [create] = ofType(plan(observed, { cfg: FORM_CONFIG }), "create-issue");
    expect(create!.labels).toEqual(["new hub", "type: hub"]);
    expect(create!.body).toContain(`<!-- hub-sales-form {"file":"2_new-hub-provide-info.yml","sha":"${"c".repeat(40)}"} -->`);
    expect([...parseFormSections(create!.body).keys()]).toEqual(form.fields.map((f) => f.label));
  });

  it("checks an open request against the form it was opened with, finding old labels through the configured aliases", () => {
    const l = adminLead({ leadIssue: LEAD_URL, requestInformationIssue: RI_URL, deploymentIssue: DEPLOY_URL });
    const old = validForm(formFixture("2_new-hub-collect-info.yml"));
    const body = [
      renderIssueMarker({ lead: LEAD_ID, kind: "deployment" }),
      renderFormSections(completeFormSections(old, { "Important dates": "- **Required start date**: 2026-03-01" })),
    ].join("\n");
    const observed = observe(l, {
      leadIssue: settledLeadIssue(l, { cfg: FORM_CONFIG }),
      requestInformationIssue: issue("request-information", 10, { state: "closed", stateReason: "completed" }),
      deploymentIssue: issue("deployment", 11, { body: body.replace("### Important dates", "### Hub important dates") }),
      effects: { ...ALL_LINKS_DONE, backlogItem: { itemId: "PVTI_1", status: "New" } },
      forms: { deploymentOpenedWith: { form: old, ref: ref("2_new-hub-collect-info.yml") } },
    });
    const actions = plan(observed, { cfg: FORM_CONFIG });
    expect(ofType(actions, "upsert-readiness-comment")[0]!.body).toContain("✅ **The deployment request is complete**");
    expect(ofType(actions, "set-backlog-status")).toEqual([{ type: "set-backlog-status", status: "Ready" }]);
  });
});
