import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configOrThrow, parseConfigText } from "../../src/config/load-config.js";
import { KeyedMutex } from "../../src/controller/keyed-mutex.js";
import { loadLeadEffects, markDeploymentRequested } from "../../src/controller/lead-effects-store.js";
import { silentLogger, type ReconcileDeps } from "../../src/controller/reconcile-deps.js";
import { OwnedIssueIndex } from "../../src/controller/owned-issue-index.js";
import { reconcileLead, ReconcileStuckError } from "../../src/controller/reconcile-lead.js";
import { newLeadFields, type Lead, type LeadFields } from "../../src/domain/records.js";
import { GitHubApiError } from "../../src/github/github-api-error.js";
import type { RepoRef } from "../../src/github/github-gateway.js";
import { parseCommentMarker } from "../../src/github/issue-marker.js";
import { BUILT_IN_DEPLOYMENT_FORM } from "../../src/issue-forms/built-in-forms.js";
import { personAnswer } from "../support/complete-form.js";
import { parseFormSections, renderFormSections } from "../../src/issue-forms/issue-form-sections.js";
import type { LeadStore } from "../../src/store/lead-store.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";
import { RecordingGateway } from "../support/recording-gateway.js";

const SALES: RepoRef = { owner: "org", repo: "sales" };
const HUB: RepoRef = { owner: "org", repo: "hub" };
const TODAY = "2026-03-10";
const config = configOrThrow(
  parseConfigText("hub_repo: org/hub\nbacklog: {org: org, project: 1, new_value: New, ready_value: Ready}"),
);

let store: SqliteLeadStore;
let gateway: RecordingGateway;

beforeEach(() => {
  store = SqliteLeadStore.open(":memory:");
  gateway = new RecordingGateway();
});

afterEach(async () => {
  await store.close();
});

function makeDeps(overrides: Partial<ReconcileDeps> = {}): ReconcileDeps {
  return {
    store,
    gateway,
    config,
    salesRepo: SALES,
    hubRepo: HUB,
    today: () => TODAY,
    now: () => new Date(`${TODAY}T12:00:00Z`),
    appLogin: gateway.appLogin,
    log: silentLogger,
    boardCache: {},
    ownedIssues: new OwnedIssueIndex(gateway),
    ...overrides,
  };
}

async function addLead(status: Lead["status"], extra: Partial<LeadFields> = {}): Promise<Lead> {
  return store.createLead(
    newLeadFields("Data Science Lab", status, {
      githubHandles: ["alice-rep", "bob-rep"],
      contactEmail: "pi@uni.example",
      monthlyFee: 150_000,
      ...extra,
    }),
  );
}

/** What "agreed to a tier" looks like in the record. */
const AGREED: Partial<LeadFields> = {
  status: "Needs Admin",
  serviceTier: "Research",
  agreement: "email of 2026-03-02",
  serviceStartDate: "2026-03-01",
};

/** Wraps the store so `updateLead` throws once, right after the gateway's first `createIssue`. */
function crashAfterCreate(inner: LeadStore): LeadStore {
  let armed = true;
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property === "updateLead") {
        return async (...args: Parameters<LeadStore["updateLead"]>) => {
          if (armed && gateway.callsOf("createIssue").length > 0) {
            armed = false;
            throw new Error("process died before the link was recorded");
          }
          return target.updateLead(...args);
        };
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const commentsWithKey = (repo: RepoRef, number: number, key: string) =>
  gateway.commentsOn(repo, number).filter((c) => parseCommentMarker(c.body)?.comment === key);

describe("reconcileLead against an in-memory GitHub and SQLite store", () => {
  it("takes a lead from Active Lead through Needs Admin to a live hub, and each second run writes nothing", async () => {
    const deps = makeDeps();
    const created = await addLead("Active Lead");

    // 1. A new Active Lead: the lead issue, and its URL on the record.
    const first = await reconcileLead(created.id, deps);
    expect(first.found).toBe(true);
    expect(gateway.issuesIn(SALES)).toHaveLength(1);
    const leadIssue = gateway.issuesIn(SALES)[0]!;
    expect(leadIssue.title).toBe("Lead: Data Science Lab");
    expect(leadIssue.labels).toEqual(["hub-sales", "status: active lead"]);
    expect(leadIssue.marker).toEqual({ lead: created.id, kind: "lead" });
    expect((await store.getLead(created.id))!.leadIssue).toBe(leadIssue.htmlUrl);
    expect(gateway.issuesIn(HUB)).toEqual([]);

    gateway.resetCalls();
    await reconcileLead(created.id, deps);
    expect(gateway.writes()).toEqual([]);

    // 2. Needs Admin: the request-information issue, recorded, and linked from the lead issue.
    await store.updateLead(created.id, AGREED);
    gateway.resetCalls();
    const second = await reconcileLead(created.id, deps);
    expect(gateway.issuesIn(HUB)).toHaveLength(1);
    const ri = gateway.issuesIn(HUB)[0]!;
    expect(ri.title).toBe("[Request Information] New Hub: Data Science Lab");
    expect(ri.labels).toEqual(["type: hub"]);
    expect(ri.marker).toEqual({ lead: created.id, kind: "request-information" });
    expect(ri.body).toContain("@alice-rep, @bob-rep");
    const afterRi = (await store.getLead(created.id))!;
    expect(afterRi.requestInformationIssue).toBe(ri.htmlUrl);
    // The hub-repo issue is opened before the lead issue is touched (its body then links it once).
    const writeOrder = gateway.writes().map((c) => c.method);
    expect(writeOrder[0]).toBe("createIssue");
    expect(gateway.callsOf("updateIssue")).toHaveLength(1);
    const lead1 = gateway.issuesIn(SALES)[0]!;
    expect(lead1.labels.sort()).toEqual(["hub-sales", "status: needs admin"]);
    expect(lead1.body).toContain(ri.htmlUrl);
    expect(lead1.body).toContain("| Status | Needs Admin |");
    expect(gateway.subIssueIdsOf(SALES, lead1.number)).toEqual([ri.id]);
    expect(commentsWithKey(SALES, lead1.number, "link:request-information")).toHaveLength(1);
    expect(second.actions.length).toBeGreaterThan(0);

    gateway.resetCalls();
    const idle = await reconcileLead(created.id, deps);
    expect(idle.actions).toEqual([]);
    expect(gateway.writes()).toEqual([]);
    // Observing costs one GET per recorded issue that matters, nothing more.
    expect(gateway.calls.map((c) => c.method)).toEqual(["getIssueIfChanged", "getIssueIfChanged"]);

    // 3. The request-information issue is closed as completed: the deployment request.
    gateway.personEditsIssue(HUB, ri.number, { state: "closed", stateReason: "completed" });
    await reconcileLead(created.id, deps);
    const deployment = gateway.issuesIn(HUB).find((i) => i.marker?.kind === "deployment")!;
    expect(deployment.title).toBe("[Request deployment] New Hub: Data Science Lab");
    expect(deployment.labels).toEqual(["new hub"]);
    expect((await store.getLead(created.id))!.deploymentIssue).toBe(deployment.htmlUrl);
    expect(commentsWithKey(HUB, ri.number, "link:deployment")[0]?.body).toContain(deployment.htmlUrl);
    expect(commentsWithKey(SALES, lead1.number, "link:deployment")[0]?.body).toContain(deployment.htmlUrl);
    expect(gateway.subIssueIdsOf(SALES, lead1.number)).toEqual([ri.id, deployment.id]);
    const board = [...gateway.boards.values()].flat();
    expect(board).toEqual([{ itemId: expect.any(String), contentNodeId: deployment.nodeId, status: "New" }]);
    const readiness = commentsWithKey(HUB, deployment.number, "readiness");
    expect(readiness).toHaveLength(1);
    expect(readiness[0]!.body).toContain("- [ ] Hub Authentication Type");
    expect(readiness[0]!.body).toContain("@alice-rep @bob-rep");

    gateway.resetCalls();
    await reconcileLead(created.id, deps);
    expect(gateway.writes()).toEqual([]);

    // 4. The representatives fill in the form: the readiness comment is edited in place, the item moves to Ready.
    const sections = parseFormSections(deployment.body);
    const filled = BUILT_IN_DEPLOYMENT_FORM.fields.map((f) => ({
      label: f.label,
      value:
        f.label === "Technical support contacts listed"
          ? "- [x] Technical contact present"
          : f.required && /pending/.test(sections.get(f.label) ?? "")
            ? personAnswer(f)
            : (sections.get(f.label) ?? ""),
    }));
    gateway.personEditsIssue(HUB, deployment.number, {
      body: `${deployment.body.split("\n")[0]}\n${renderFormSections(filled)}`,
    });
    gateway.resetCalls();
    await reconcileLead(created.id, deps);
    expect(gateway.callsOf("createComment")).toEqual([]);
    expect(gateway.callsOf("updateComment")).toHaveLength(1);
    const edited = commentsWithKey(HUB, deployment.number, "readiness");
    expect(edited).toHaveLength(1);
    expect(edited[0]!.id).toBe(readiness[0]!.id);
    expect(edited[0]!.body).toContain("The deployment request is complete");
    expect([...gateway.boards.values()].flat()[0]!.status).toBe("Ready");

    // 5. The deployment issue is closed as completed: the hub row and Active Service (start date has passed).
    gateway.personEditsIssue(HUB, deployment.number, { state: "closed", stateReason: "completed" });
    await reconcileLead(created.id, deps);
    const hubs = await store.listHubs();
    expect(hubs).toEqual([
      expect.objectContaining({
        hub: "data-science-lab",
        communityLeadId: created.id,
        deploymentIssue: deployment.htmlUrl,
        liveSince: TODAY,
      }),
    ]);
    const live = (await store.getLead(created.id))!;
    expect(live.status).toBe("Active Service");
    const lead2 = gateway.issuesIn(SALES)[0]!;
    expect(lead2.labels.sort()).toEqual(["hub-sales", "status: active service"]);
    expect(lead2.body).toContain("Hub **data-science-lab**");

    gateway.resetCalls();
    await reconcileLead(created.id, deps);
    expect(gateway.writes()).toEqual([]);

    // Nothing was made twice along the way.
    expect(gateway.issuesIn(SALES)).toHaveLength(1);
    expect(gateway.issuesIn(HUB)).toHaveLength(2);
    expect(await store.listHubs()).toHaveLength(1);
  });

  it("does nothing for a lead first seen as inactive, and reports an unknown lead as not found", async () => {
    const old = await addLead("Inactive Lead");
    const result = await reconcileLead(old.id, makeDeps());
    expect(result).toMatchObject({ leadId: old.id, found: true, actions: [], settled: { lead: { id: old.id }, hubs: [] } });
    expect(gateway.calls).toEqual([]);
    expect(await reconcileLead("lead-999", makeDeps())).toEqual({ leadId: "lead-999", found: false, actions: [] });
  });

  it("opens the deployment request when /request-deployment was recorded", async () => {
    const lead = await addLead("Active Lead", AGREED);
    await reconcileLead(lead.id, makeDeps());
    await markDeploymentRequested(store, lead.id);
    await reconcileLead(lead.id, makeDeps());
    expect(gateway.issuesIn(HUB).map((i) => i.marker?.kind)).toEqual(["request-information", "deployment"]);
  });

  it("after a crash between creating the request-information issue and recording it, adopts it: exactly one", async () => {
    const lead = await addLead("Needs Admin", AGREED);
    await expect(reconcileLead(lead.id, makeDeps({ store: crashAfterCreate(store) }))).rejects.toThrow(/process died/);
    expect(gateway.issuesIn(HUB)).toHaveLength(1);
    expect((await store.getLead(lead.id))!.requestInformationIssue).toBeNull();

    await reconcileLead(lead.id, makeDeps());
    expect(gateway.issuesIn(HUB)).toHaveLength(1);
    expect(gateway.callsOf("createIssue").filter((c) => c.args[0] === HUB)).toHaveLength(1);
    expect((await store.getLead(lead.id))!.requestInformationIssue).toBe(gateway.issuesIn(HUB)[0]!.htmlUrl);
    expect(gateway.issuesIn(SALES)).toHaveLength(1);
  });

  it("after a crash between creating the lead issue and recording it, adopts it too", async () => {
    const lead = await addLead("Active Lead");
    await expect(reconcileLead(lead.id, makeDeps({ store: crashAfterCreate(store) }))).rejects.toThrow(/process died/);
    await reconcileLead(lead.id, makeDeps());
    expect(gateway.issuesIn(SALES)).toHaveLength(1);
    expect((await store.getLead(lead.id))!.leadIssue).toBe(gateway.issuesIn(SALES)[0]!.htmlUrl);
  });

  it("does not adopt another lead's issue", async () => {
    const other = await addLead("Needs Admin", { ...AGREED, name: "Other Lab" });
    await reconcileLead(other.id, makeDeps());
    const lead = await addLead("Needs Admin", AGREED);
    await reconcileLead(lead.id, makeDeps());
    const ris = gateway.issuesIn(HUB);
    expect(ris.map((i) => i.marker?.lead).sort()).toEqual([other.id, lead.id].sort());
  });

  it("a failed comment (502) is thrown, and the next run finishes without duplicating anything", async () => {
    const lead = await addLead("Needs Admin", AGREED);
    const badGateway = new GitHubApiError({
      message: "GitHub POST /repos/org/sales/issues/1/comments failed with 502: Bad Gateway",
      status: 502,
      method: "POST",
      url: "/repos/org/sales/issues/1/comments",
      retryable: true,
    });
    gateway.failNext("createComment", 1, badGateway);
    await expect(reconcileLead(lead.id, makeDeps())).rejects.toBe(badGateway);
    await reconcileLead(lead.id, makeDeps());
    expect(gateway.issuesIn(HUB)).toHaveLength(1);
    expect(gateway.issuesIn(SALES)).toHaveLength(1);
    expect(commentsWithKey(SALES, 1, "link:request-information")).toHaveLength(1);
    expect((await loadLeadEffects(store, lead.id)).commentsPosted).toEqual(["link:request-information"]);
  });

  it("a comment posted before a crash is found by its marker, not posted again", async () => {
    const lead = await addLead("Needs Admin", AGREED);
    // The comment reaches GitHub, then recording the effect fails.
    const original = store.setState.bind(store);
    let failed = false;
    const flaky = new Proxy(store, {
      get(target, property, receiver) {
        if (property === "setState") {
          return async (key: string, value: unknown) => {
            if (!failed && gateway.callsOf("createComment").length > 0) {
              failed = true;
              throw new Error("disk full");
            }
            return original(key, value);
          };
        }
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    await expect(reconcileLead(lead.id, makeDeps({ store: flaky }))).rejects.toThrow(/disk full/);
    await reconcileLead(lead.id, makeDeps());
    expect(commentsWithKey(SALES, 1, "link:request-information")).toHaveLength(1);
    expect(gateway.callsOf("createComment")).toHaveLength(1);
  });

  it("two concurrent reconciles of one lead under a KeyedMutex open one issue of each kind", async () => {
    gateway = new RecordingGateway({ yieldEachCall: true });
    const lead = await addLead("Needs Admin", AGREED);
    const mutex = new KeyedMutex();
    const deps = makeDeps();
    const results = await Promise.all([
      mutex.run(lead.id, () => reconcileLead(lead.id, deps)),
      mutex.run(lead.id, () => reconcileLead(lead.id, deps)),
    ]);
    expect(gateway.issuesIn(HUB)).toHaveLength(1);
    expect(gateway.issuesIn(SALES)).toHaveLength(1);
    expect(gateway.callsOf("createIssue")).toHaveLength(2);
    expect(gateway.callsOf("createComment")).toHaveLength(1);
    // The second run found everything done.
    expect(results[1]!.actions).toEqual([]);
    expect(mutex.busyKeys).toBe(0);
  });

  it("throws a terminal ReconcileStuckError when GitHub keeps ignoring an update", async () => {
    const lead = await addLead("Active Lead");
    await reconcileLead(lead.id, makeDeps());
    await store.updateLead(lead.id, { name: "Renamed Lab" });
    gateway.ignore("updateIssue");
    const error = await reconcileLead(lead.id, makeDeps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReconcileStuckError);
    expect((error as ReconcileStuckError).terminal).toBe(true);
    expect((error as Error).message).toContain(lead.id);
    expect((error as Error).message).toContain("update lead issue (title, body)");
    // It gave up after the repeat instead of hammering the API.
    expect(gateway.callsOf("updateIssue")).toHaveLength(1);
  });

  it("dry run returns the plan and writes nothing", async () => {
    const lead = await addLead("Needs Admin", AGREED);
    const result = await reconcileLead(lead.id, makeDeps(), { dryRun: true });
    expect(result.actions).toEqual(['open request-information issue "[Request Information] New Hub: Data Science Lab"']);
    expect(gateway.writes()).toEqual([]);
    expect((await store.getLead(lead.id))!.requestInformationIssue).toBeNull();
  });

  it("closes the lead issue as not planned when the lead goes inactive, and reopens it when it returns", async () => {
    const lead = await addLead("Active Lead");
    await reconcileLead(lead.id, makeDeps());
    await store.updateLead(lead.id, { status: "Inactive Lead" });
    await reconcileLead(lead.id, makeDeps());
    let issue = gateway.issuesIn(SALES)[0]!;
    expect([issue.state, issue.stateReason]).toEqual(["closed", "not_planned"]);
    expect(issue.labels.sort()).toEqual(["hub-sales", "status: inactive lead"]);
    await store.updateLead(lead.id, { status: "Active Lead" });
    await reconcileLead(lead.id, makeDeps());
    issue = gateway.issuesIn(SALES)[0]!;
    expect(issue.state).toBe("open");
    expect(issue.labels.sort()).toEqual(["hub-sales", "status: active lead"]);
    gateway.resetCalls();
    await reconcileLead(lead.id, makeDeps());
    expect(gateway.writes()).toEqual([]);
  });

  /** A Needs Admin lead whose deployment request is open, with its readiness comment. */
  async function leadWithOpenDeployment() {
    const lead = await addLead("Needs Admin", AGREED);
    await markDeploymentRequested(store, lead.id);
    await reconcileLead(lead.id, makeDeps());
    const deployment = gateway.issuesIn(HUB).find((i) => i.marker?.kind === "deployment")!;
    return { lead, deployment };
  }

  it("re-creates the readiness comment when a person deleted it, instead of failing on every retry", async () => {
    const { lead, deployment } = await leadWithOpenDeployment();
    const [readiness] = commentsWithKey(HUB, deployment.number, "readiness");
    gateway.personDeletesComment(readiness!.id);
    gateway.personEditsIssue(HUB, deployment.number, {
      body: deployment.body.replace("### Hub Authentication Type\n\npending", "### Hub Authentication Type\n\nGitHub"),
    });
    await reconcileLead(lead.id, makeDeps());
    const now = commentsWithKey(HUB, deployment.number, "readiness");
    expect(now).toHaveLength(1);
    expect(now[0]!.body).not.toContain("Hub Authentication Type");
    expect(now[0]!.body).toContain("First Hub Administrators");
    gateway.resetCalls();
    await reconcileLead(lead.id, makeDeps());
    expect(gateway.writes()).toEqual([]);
  });

  it("asks for the backlog board again after a failed lookup, and only once after a good one", async () => {
    const deps = makeDeps();
    gateway.failNext("findBacklogBoard", 1, () => new Error("502 from GraphQL"));
    const lead = await addLead("Needs Admin", AGREED);
    await markDeploymentRequested(store, lead.id);
    await expect(reconcileLead(lead.id, deps)).rejects.toThrow(/502 from GraphQL/);
    await reconcileLead(lead.id, deps);
    expect([...gateway.boards.values()].flat()).toHaveLength(1);
    const other = await addLead("Needs Admin", { ...AGREED, name: "Other Lab" });
    await markDeploymentRequested(store, other.id);
    await reconcileLead(other.id, deps);
    expect([...gateway.boards.values()].flat()).toHaveLength(2);
    expect(gateway.callsOf("findBacklogBoard")).toHaveLength(2);
  });

  it("ignores a recorded link to another lead's issue and opens (and records) its own", async () => {
    const other = await addLead("Needs Admin", { ...AGREED, name: "Other Lab" });
    await reconcileLead(other.id, makeDeps());
    const otherRi = (await store.getLead(other.id))!.requestInformationIssue!;
    const lead = await addLead("Needs Admin", { ...AGREED, requestInformationIssue: otherRi });
    await reconcileLead(lead.id, makeDeps());
    const own = gateway.issuesIn(HUB).find((i) => i.marker?.lead === lead.id)!;
    expect(own).toBeDefined();
    expect((await store.getLead(lead.id))!.requestInformationIssue).toBe(own.htmlUrl);
    expect((await store.getLead(other.id))!.requestInformationIssue).toBe(otherRi);
  });

  it("promotes the lead to Active Service on a start date that comes after the hub ships", async () => {
    let today = TODAY;
    const deps = makeDeps({ today: () => today });
    const lead = await addLead("Needs Admin", { ...AGREED, serviceStartDate: "2026-03-20" });
    await markDeploymentRequested(store, lead.id);
    await reconcileLead(lead.id, deps);
    const deployment = gateway.issuesIn(HUB).find((i) => i.marker?.kind === "deployment")!;
    gateway.personEditsIssue(HUB, deployment.number, { state: "closed", stateReason: "completed" });
    await reconcileLead(lead.id, deps);
    expect(await store.listHubs()).toHaveLength(1);
    expect((await store.getLead(lead.id))!.status).toBe("Needs Admin");
    expect(gateway.issuesIn(SALES)[0]!.body).toContain("the service starts on 2026-03-20");

    today = "2026-03-19";
    gateway.resetCalls();
    await reconcileLead(lead.id, deps);
    expect(gateway.writes()).toEqual([]);

    today = "2026-03-20";
    await reconcileLead(lead.id, deps);
    expect((await store.getLead(lead.id))!.status).toBe("Active Service");
    expect(gateway.issuesIn(SALES)[0]!.labels).toContain("status: active service");
    expect(await store.listHubs()).toHaveLength(1);
  });

  it("a deployment request closed as not planned: no hub, one note on the lead issue, ever", async () => {
    const lead = await addLead("Needs Admin", AGREED);
    await markDeploymentRequested(store, lead.id);
    await reconcileLead(lead.id, makeDeps());
    const deployment = gateway.issuesIn(HUB).find((i) => i.marker?.kind === "deployment")!;
    gateway.personEditsIssue(HUB, deployment.number, { state: "closed", stateReason: "not_planned" });
    await reconcileLead(lead.id, makeDeps());
    await reconcileLead(lead.id, makeDeps());
    expect(await store.listHubs()).toEqual([]);
    expect(commentsWithKey(SALES, 1, `deployment-closed:${deployment.number}`)).toHaveLength(1);
    expect((await store.getLead(lead.id))!.status).toBe("Needs Admin");
  });

  it("comments once on a Waiting lead's follow-up date, mentioning the assignees", async () => {
    let today = "2026-03-31";
    const cfg = configOrThrow(parseConfigText("hub_repo: org/hub\nfollow_up: {assignees: [carol]}"));
    const deps = makeDeps({ config: cfg, today: () => today });
    const lead = await addLead("Waiting", { followUpDate: "2026-04-01" });
    await reconcileLead(lead.id, deps);
    expect(gateway.callsOf("createComment")).toEqual([]);
    today = "2026-04-01";
    await reconcileLead(lead.id, deps);
    await reconcileLead(lead.id, deps);
    const comments = commentsWithKey(SALES, 1, "follow-up:2026-04-01");
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("@carol");
  });

  it("writes nothing sensitive to the hub repo along the whole path", async () => {
    const lead = await addLead("Needs Admin", {
      ...AGREED,
      contactEmail: "secret-pi@uni.example",
      monthlyFee: 123_456,
      maniacT: {
        money: "note-money",
        authority: "note-authority",
        need: "note-need",
        impendingEvent: "note-event",
        application: "note-application",
        competition: "note-competition",
        timeline: "note-timeline",
      },
    });
    const deps = makeDeps();
    await reconcileLead(lead.id, deps);
    const ri = gateway.issuesIn(HUB)[0]!;
    gateway.personEditsIssue(HUB, ri.number, { state: "closed", stateReason: "completed" });
    await reconcileLead(lead.id, deps);
    const hubTexts = [
      ...gateway.issuesIn(HUB).flatMap((i) => [i.title, i.body]),
      ...gateway.commentsIn(HUB).map((c) => c.body),
    ];
    expect(hubTexts.length).toBeGreaterThanOrEqual(6);
    for (const secret of ["secret-pi@uni.example", "1234.56", "1,234.56", "note-"]) {
      for (const text of hubTexts) expect(text).not.toContain(secret);
    }
    expect(gateway.issuesIn(SALES)[0]!.body).toContain("secret-pi@uni.example");
  });
});
