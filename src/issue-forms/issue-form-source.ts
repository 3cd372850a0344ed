import type { GitHubGateway, RepoRef } from "../github/github-gateway.js";
import type { LeadStore } from "../store/lead-store.js";
import { BUILT_IN_DEPLOYMENT_FORM, BUILT_IN_REQUEST_INFORMATION_FORM } from "./built-in-forms.js";
import { reportFormProblem, resolveFormProblem } from "./form-problem-issue.js";
import type { FormRef } from "./form-reference.js";
import { parseIssueForm, type IssueForm, type ParsedIssueForm } from "./issue-form.schema.js";

export type FormKind = "deployment" | "request-information";

/** A form ready to render or check against, and where it came from. */
export interface ResolvedForm {
  form: IssueForm;
  /** The hub-repo file version it was read from; null for the app's built-in copy. */
  ref: FormRef | null;
}

export const FORM_DIRECTORY = ".github/ISSUE_TEMPLATE";

const CONFIG_KEYS: Record<FormKind, string> = {
  deployment: "issues.deployment.form",
  "request-information": "issues.request_information.form",
};

export function builtInForm(kind: FormKind): ResolvedForm {
  return { form: kind === "deployment" ? BUILT_IN_DEPLOYMENT_FORM : BUILT_IN_REQUEST_INFORMATION_FORM, ref: null };
}

export interface IssueFormSourceDeps {
  gateway: Pick<GitHubGateway, "readRepoFile" | "listOwnedIssues" | "createIssue" | "updateIssue">;
  store: Pick<LeadStore, "getState" | "setState">;
  salesRepo: RepoRef;
  log: { warn(msg: string): void };
}

const textKey = (sha: string) => `issue-form:${sha}`;

/**
 * The hub repo's issue forms, read through the contents API from the default branch and
 * kept by blob sha for the process's lifetime: a later read is a conditional request
 * (304, free against the rate limit) and a file is parsed once per version. Each version
 * read is also kept in the store, so an issue opened under it is checked against it after
 * the file changes, by any replica. A missing or broken file gives the built-in copy and
 * one report in the sales repo.
 */
export class IssueFormSource {
  readonly #deps: IssueFormSourceDeps;
  /** `owner/repo:path` → the etag and sha of the last read. */
  readonly #latest = new Map<string, { etag: string | null; sha: string }>();
  readonly #bySha = new Map<string, ParsedIssueForm>();
  #reports: Promise<unknown> = Promise.resolve();

  constructor(deps: IssueFormSourceDeps) {
    this.#deps = deps;
  }

  /** The form to open a new issue with: the configured file's current version, or the built-in copy. */
  async current(input: { hubRepo: RepoRef; kind: FormKind; file: string | undefined }): Promise<ResolvedForm> {
    const { hubRepo, kind, file } = input;
    if (!file) return builtInForm(kind);
    const path = `${FORM_DIRECTORY}/${file}`;
    const cacheKey = `${hubRepo.owner}/${hubRepo.repo}:${path}`;
    const known = this.#latest.get(cacheKey);
    const read = await this.#deps.gateway.readRepoFile(hubRepo, path, { etag: known?.etag ?? null });
    const problem = { hubRepo, path, key: CONFIG_KEYS[kind] };
    if (read === null) {
      this.#latest.delete(cacheKey);
      await this.#report({ ...problem, problems: [`the file does not exist on the default branch of ${hubRepo.owner}/${hubRepo.repo}`] });
      return builtInForm(kind);
    }
    let sha: string;
    if (read === "unchanged" && known && this.#bySha.has(known.sha)) {
      sha = known.sha;
    } else if (read === "unchanged") {
      // An etag without its parsed version cannot happen; read afresh rather than guess.
      this.#latest.delete(cacheKey);
      return this.current(input);
    } else {
      sha = read.sha;
      this.#latest.set(cacheKey, { etag: read.etag, sha });
      if (!this.#bySha.has(sha)) {
        const parsed = parseIssueForm(read.text);
        this.#bySha.set(sha, parsed);
        if (parsed.ok) {
          await this.#deps.store.setState(textKey(sha), { file, text: read.text });
          await this.#serially(() => resolveFormProblem({ hubRepo, path }, this.#deps));
        } else {
          await this.#report({ ...problem, problems: parsed.problems });
        }
      }
    }
    const parsed = this.#bySha.get(sha)!;
    return parsed.ok ? { form: parsed.form, ref: { file, sha } } : builtInForm(kind);
  }

  /**
   * The form an issue was opened with, by the reference on it; null when that version is
   * not known here (the caller then checks against the current form).
   */
  async openedWith(ref: FormRef): Promise<ResolvedForm | null> {
    let parsed = this.#bySha.get(ref.sha);
    if (!parsed) {
      const saved = await this.#deps.store.getState<{ file: string; text: string }>(textKey(ref.sha));
      if (!saved) return null;
      parsed = parseIssueForm(saved.text);
      this.#bySha.set(ref.sha, parsed);
    }
    return parsed.ok ? { form: parsed.form, ref } : null;
  }

  #report(problem: Parameters<typeof reportFormProblem>[0]): Promise<void> {
    this.#deps.log.warn(`issue form ${problem.path} cannot be used (${problem.problems.join("; ")}): using the built-in copy`);
    // The report is a courtesy: failing to write it must not hold back the issue itself.
    return this.#serially(() => reportFormProblem(problem, this.#deps)).catch((error: unknown) =>
      this.#deps.log.warn(`could not report the problem with ${problem.path} in the sales repo: ${String(error)}`),
    );
  }

  /** Reconciles of several leads run at once: one report is written at a time, so there is one issue. */
  #serially(task: () => Promise<void>): Promise<void> {
    const run = this.#reports.then(task, task);
    this.#reports = run.catch(() => undefined);
    return run;
  }
}
