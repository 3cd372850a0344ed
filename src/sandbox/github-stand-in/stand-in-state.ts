import { createHash } from "node:crypto";

/**
 * The GitHub stand-in's in-memory world: accounts, repositories, issues, comments,
 * labels, reactions, sub-issue links, files, teams, Projects v2 boards and the app's
 * installations. Plain data plus lookups; the rules (who may do what, which webhook
 * follows) live in `issue-operations.ts` so the REST routes and the "act as a person"
 * helpers share them.
 */

export type RepoPermission = "admin" | "maintain" | "write" | "triage" | "read" | "none";
export type AccountType = "User" | "Organization" | "Bot";
export type IssueStateReason = "completed" | "not_planned" | "duplicate" | "reopened" | null;
export const REACTION_CONTENTS = ["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"] as const;
export type ReactionContent = (typeof REACTION_CONTENTS)[number];

export interface Account {
  login: string;
  id: number;
  nodeId: string;
  type: AccountType;
}

export interface Team {
  slug: string;
  id: number;
  members: Map<string, "member" | "maintainer">;
}

export interface Org extends Account {
  type: "Organization";
  teams: Map<string, Team>;
}

export interface Label {
  id: number;
  nodeId: string;
  name: string;
  color: string;
  description: string | null;
}

export interface Reaction {
  id: number;
  nodeId: string;
  content: ReactionContent;
  user: string;
  createdAt: string;
}

export interface Issue {
  id: number;
  nodeId: string;
  number: number;
  repo: Repo;
  title: string;
  body: string | null;
  state: "open" | "closed";
  stateReason: IssueStateReason;
  /** Label names in the order they were added; the repo's `labels` map holds the rest. */
  labels: string[];
  author: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  closedBy: string | null;
  commentIds: number[];
  parentId: number | null;
  subIssueIds: number[];
  reactions: Reaction[];
}

export interface Comment {
  id: number;
  nodeId: string;
  issue: Issue;
  body: string;
  author: string;
  createdAt: string;
  updatedAt: string;
  reactions: Reaction[];
}

export interface Repo {
  id: number;
  nodeId: string;
  owner: string;
  name: string;
  private: boolean;
  defaultBranch: string;
  description: string | null;
  createdAt: string;
  /** path → UTF-8 text on the default branch. */
  files: Map<string, string>;
  /** lower-cased name → label. */
  labels: Map<string, Label>;
  issues: Map<number, Issue>;
  nextNumber: number;
  /** login → explicit collaborator permission. */
  permissions: Map<string, RepoPermission>;
}

export interface ProjectOption {
  id: string;
  name: string;
}

export interface ProjectItem {
  id: string;
  contentNodeId: string;
  /** Single-select values by field id → option id. */
  fieldValues: Map<string, string>;
}

export interface Project {
  id: string;
  org: string;
  number: number;
  title: string;
  statusField: { id: string; name: string; options: ProjectOption[] } | null;
  items: ProjectItem[];
}

export interface Installation {
  id: number;
  account: string;
  permissions: Record<string, "read" | "write">;
  createdAt: string;
}

export interface AppRegistration {
  id: number;
  slug: string;
  name: string;
  nodeId: string;
  permissions: Record<string, "read" | "write">;
  events: string[];
}

/** Ids start at different bases per kind so a stray id in a log says what it was. */
const ID_BASES = {
  account: 1_000,
  repo: 100_000,
  issue: 2_000_000,
  comment: 3_000_000,
  label: 4_000_000,
  reaction: 5_000_000,
  team: 6_000,
  installation: 70_000,
} as const;

export function nodeIdFor(prefix: string, id: number | string): string {
  // Real node ids are opaque base64 strings with a type prefix (I_, IC_, ...); clients
  // must not parse them, so a stable opaque encoding is all that matters.
  return `${prefix}_kw${Buffer.from(`stand-in:${prefix}:${id}`).toString("base64url")}`;
}

/** A repeatable 6-hex color from the label name (GitHub picks a random one). */
export function labelColorFor(name: string): string {
  return createHash("sha1").update(name).digest("hex").slice(0, 6);
}

export class StandInState {
  readonly accounts = new Map<string, Account | Org>();
  readonly repos = new Map<string, Repo>();
  readonly issuesById = new Map<number, Issue>();
  readonly commentsById = new Map<number, Comment>();
  readonly projects: Project[] = [];
  readonly installations = new Map<number, Installation>();
  private readonly counters = new Map<keyof typeof ID_BASES, number>();
  private projectCounter = 0;

  constructor(
    readonly app: AppRegistration,
    readonly now: () => Date,
  ) {}

  nextId(kind: keyof typeof ID_BASES): number {
    const next = (this.counters.get(kind) ?? ID_BASES[kind]) + 1;
    this.counters.set(kind, next);
    return next;
  }

  /** GitHub timestamps have second precision and a `Z` suffix. */
  timestamp(): string {
    return this.now().toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  get botLogin(): string {
    return `${this.app.slug}[bot]`;
  }

  account(login: string): Account | Org | undefined {
    return this.accounts.get(login.toLowerCase());
  }

  ensureUser(login: string, type: AccountType = "User"): Account {
    const existing = this.account(login);
    if (existing) return existing;
    const id = this.nextId("account");
    const account: Account = { login, id, nodeId: nodeIdFor(type === "Bot" ? "BOT" : "U", id), type };
    this.accounts.set(login.toLowerCase(), account);
    return account;
  }

  ensureOrg(login: string): Org {
    const existing = this.account(login);
    if (existing && existing.type === "Organization") return existing as Org;
    if (existing) throw new Error(`stand-in: "${login}" is already a ${existing.type}, not an organization`);
    const id = this.nextId("account");
    const org: Org = { login, id, nodeId: nodeIdFor("O", id), type: "Organization", teams: new Map() };
    this.accounts.set(login.toLowerCase(), org);
    return org;
  }

  org(login: string): Org | undefined {
    const account = this.account(login);
    return account?.type === "Organization" ? (account as Org) : undefined;
  }

  addRepo(input: { owner: string; name: string; private?: boolean; defaultBranch?: string; description?: string | null }): Repo {
    const key = `${input.owner}/${input.name}`.toLowerCase();
    const existing = this.repos.get(key);
    if (existing) return existing;
    if (!this.account(input.owner)) this.ensureOrg(input.owner);
    const id = this.nextId("repo");
    const repo: Repo = {
      id,
      nodeId: nodeIdFor("R", id),
      owner: this.account(input.owner)!.login,
      name: input.name,
      private: input.private ?? false,
      defaultBranch: input.defaultBranch ?? "main",
      description: input.description ?? null,
      createdAt: this.timestamp(),
      files: new Map(),
      labels: new Map(),
      issues: new Map(),
      nextNumber: 1,
      permissions: new Map(),
    };
    this.repos.set(key, repo);
    return repo;
  }

  repo(owner: string, name: string): Repo | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  ensureLabel(repo: Repo, name: string): Label {
    const existing = repo.labels.get(name.toLowerCase());
    if (existing) return existing;
    const id = this.nextId("label");
    const label: Label = { id, nodeId: nodeIdFor("LA", id), name, color: labelColorFor(name), description: null };
    repo.labels.set(name.toLowerCase(), label);
    return label;
  }

  issueByNodeId(nodeId: string): Issue | undefined {
    for (const issue of this.issuesById.values()) if (issue.nodeId === nodeId) return issue;
    return undefined;
  }

  installationForAccount(login: string): Installation | undefined {
    for (const installation of this.installations.values()) {
      if (installation.account.toLowerCase() === login.toLowerCase()) return installation;
    }
    return undefined;
  }

  addInstallation(input: { account: string; id?: number; permissions?: Record<string, "read" | "write"> }): Installation {
    const existing = this.installationForAccount(input.account);
    if (existing) return existing;
    if (!this.account(input.account)) this.ensureOrg(input.account);
    const installation: Installation = {
      id: input.id ?? this.nextId("installation"),
      account: this.account(input.account)!.login,
      permissions: input.permissions ?? { ...this.app.permissions },
      createdAt: this.timestamp(),
    };
    this.installations.set(installation.id, installation);
    return installation;
  }

  addTeamMember(input: { org: string; team: string; user: string; role?: "member" | "maintainer" }): void {
    const org = this.ensureOrg(input.org);
    this.ensureUser(input.user);
    let team = org.teams.get(input.team.toLowerCase());
    if (!team) {
      team = { slug: input.team, id: this.nextId("team"), members: new Map() };
      org.teams.set(input.team.toLowerCase(), team);
    }
    team.members.set(input.user.toLowerCase(), input.role ?? "member");
  }

  addProject(input: { org: string; number: number; title: string; statusField?: { name: string; options: string[] } }): Project {
    this.ensureOrg(input.org);
    const existing = this.project(input.org, input.number);
    if (existing) return existing;
    const n = ++this.projectCounter;
    const project: Project = {
      id: nodeIdFor("PVT", n),
      org: input.org,
      number: input.number,
      title: input.title,
      statusField: input.statusField
        ? {
            id: nodeIdFor("PVTSSF", n),
            name: input.statusField.name,
            // Real option ids are 8 hex characters.
            options: input.statusField.options.map((name) => ({
              id: createHash("sha1").update(`${n}:${name}`).digest("hex").slice(0, 8),
              name,
            })),
          }
        : null,
      items: [],
    };
    this.projects.push(project);
    return project;
  }

  project(org: string, number: number): Project | undefined {
    return this.projects.find((p) => p.org.toLowerCase() === org.toLowerCase() && p.number === number);
  }

  /**
   * A user's permission on a repo as GitHub computes it: an explicit grant, else the
   * public-repo floor of `read` (anyone may read and open issues), else `none`.
   */
  permissionOf(repo: Repo, login: string): RepoPermission {
    if (repo.owner.toLowerCase() === login.toLowerCase()) return "admin";
    const explicit = repo.permissions.get(login.toLowerCase());
    if (explicit) return explicit;
    return repo.private ? "none" : "read";
  }
}

const PERMISSION_RANK: Record<RepoPermission, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

export function permissionAtLeast(have: RepoPermission, need: RepoPermission): boolean {
  return PERMISSION_RANK[have] >= PERMISSION_RANK[need];
}
