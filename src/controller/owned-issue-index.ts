import { repoFullName, type GitHubGateway, type IssueSnapshot, type ListedIssue, type RepoRef } from "../github/github-gateway.js";
import type { IssueKind } from "../github/issue-marker.js";

/**
 * GitHub's servers stamp `created_at`; a second of disagreement between their clocks is
 * allowed for when deciding where the already-listed issues begin.
 */
const CLOCK_ALLOWANCE_MS = 1_000;

interface RepoListing {
  repo: RepoRef;
  /** Ids of the issues some listing has shown. */
  listed: Set<number>;
  /** Issue numbers by kind and lead, the most recently made first. */
  byLead: Map<string, number[]>;
  /** The first page's tag, when a 304 to it means no issue was made since. */
  firstPageEtag: string | null;
  /** Sequence number of the latest listing that finished (0: none yet). */
  finished: number;
  running: { seq: number; done: Promise<void> } | null;
}

const leadKey = (kind: IssueKind, leadId: string) => `${kind} ${leadId}`;

/**
 * The issues the app made in each repo, by marker, for adopting one a crashed run made before
 * its link was recorded, without listing every issue each time one is opened. Per process:
 * the first look at a repo lists it whole; later ones read only the newest issues, down to
 * those an earlier listing showed.
 *
 * Why that is enough (the lease argument): a lead's work is leased, so the only issue for it
 * this process does not know of is one an earlier holder made before this run took the lease.
 * A listing begun after that shows it. So a run takes a `mark()` once it holds the lease, and
 * `find` trusts only a listing begun after the mark: the one running when it began after the
 * mark, else the next one. Runs whose marks precede one listing share it, so a pass opening N
 * issues reads at most about N pages (one each, fewer when shared), not N²/200. And since every
 * run notes that it is opening an issue before it asks GitHub (`issue-opening-notes.ts`), only a
 * run that finds such a note needs that listing; the others use `findListed`, and a pass opening
 * N issues reads the repo's listing once.
 *
 * Why reading the newest is enough: the listing runs newest made first. An issue that an
 * earlier listing showed was made before that listing began, so every issue made before it
 * (created_at a second earlier, allowing for the clocks) was visible then and was shown too.
 * Reading stops there. (Like listing every issue, this relies on a listing showing what was
 * made before it began.) Deleted issues never leave a listing's index: a candidate is read
 * afresh before it is adopted. Ordered by creation, edits to older issues (a pass makes many)
 * cost nothing; `since` would filter on `updated_at`, and a window taken from GitHub's `Date`
 * header needs a margin re-read every time, which a fast pass fills with hundreds of issues.
 */
export class OwnedIssueIndex {
  readonly #gateway: Pick<GitHubGateway, "listOwnedIssuesPage" | "getIssue">;
  readonly #repos = new Map<string, RepoListing>();
  #begun = 0;

  constructor(gateway: Pick<GitHubGateway, "listOwnedIssuesPage" | "getIssue">) {
    this.#gateway = gateway;
  }

  /** Listings begun so far: a listing numbered above the mark began after it. */
  mark(): number {
    return this.#begun;
  }

  /**
   * The app's issue of `kind` for the lead, read afresh, from a listing begun after `mark`;
   * null when there is none (or it was deleted, or no longer carries the lead's marker).
   */
  async find(repo: RepoRef, kind: IssueKind, leadId: string, mark: number): Promise<IssueSnapshot | null> {
    const listing = this.#listingOf(repo);
    await this.#listedAfter(listing, mark);
    return this.#readCandidates(listing, kind, leadId);
  }

  /**
   * The same from any listing this process made (the first look at a repo lists it whole), for
   * a lead no run noted opening an issue for (`issue-opening-notes.ts`): what the app opened
   * before the notes were written, or before this process began, is in that first listing.
   */
  async findListed(repo: RepoRef, kind: IssueKind, leadId: string): Promise<IssueSnapshot | null> {
    const listing = this.#listingOf(repo);
    await this.#listedAfter(listing, 0);
    return this.#readCandidates(listing, kind, leadId);
  }

  async #readCandidates(listing: RepoListing, kind: IssueKind, leadId: string): Promise<IssueSnapshot | null> {
    const { repo } = listing;
    const key = leadKey(kind, leadId);
    for (const number of [...(listing.byLead.get(key) ?? [])]) {
      const issue = await this.#gateway.getIssue(repo, number);
      if (issue?.marker?.kind === kind && issue.marker.lead === leadId) return issue;
      this.#forget(listing, key, number);
    }
    return null;
  }

  #listingOf(repo: RepoRef): RepoListing {
    const name = repoFullName(repo).toLowerCase();
    let listing = this.#repos.get(name);
    if (!listing) {
      listing = { repo, listed: new Set(), byLead: new Map(), firstPageEtag: null, finished: 0, running: null };
      this.#repos.set(name, listing);
    }
    return listing;
  }

  async #listedAfter(listing: RepoListing, mark: number): Promise<void> {
    for (;;) {
      if (listing.finished > mark) return;
      const running = listing.running;
      if (running && running.seq > mark) return running.done;
      // One that began before the mark may miss what the run is looking for: wait it out, then the next.
      if (running) {
        await running.done.catch(() => undefined);
        continue;
      }
      const seq = ++this.#begun;
      const done = this.#readNewest(listing)
        .then(() => {
          listing.finished = Math.max(listing.finished, seq);
        })
        .finally(() => {
          if (listing.running?.seq === seq) listing.running = null;
        });
      listing.running = { seq, done };
      return done;
    }
  }

  /** Pages of the newest issues, down to those a listing showed before; applied only once whole. */
  async #readNewest(listing: RepoListing): Promise<void> {
    const shown: ListedIssue[] = [];
    let firstPageEtag: string | null = null;
    let knownFrom: number | null = null;
    for (let page = 1; ; page++) {
      const answer = await this.#gateway.listOwnedIssuesPage(listing.repo, { page, etag: page === 1 ? listing.firstPageEtag : null });
      // The newest issues are as they were: none was made since.
      if (answer.notModified) return;
      let more = answer.hasNext;
      for (const listed of answer.issues) {
        const createdAt = Date.parse(listed.createdAt);
        if (knownFrom !== null && createdAt < knownFrom - CLOCK_ALLOWANCE_MS) {
          more = false;
          break;
        }
        shown.push(listed);
        if (knownFrom === null && listing.listed.has(listed.issue.id)) knownFrom = createdAt;
      }
      if (page === 1) firstPageEtag = tagMeaningNoneNew(answer.etag, answer.issues, answer.hasNext);
      if (!more) break;
    }
    for (const { issue } of shown) {
      listing.listed.add(issue.id);
      this.#add(listing, issue);
    }
    listing.firstPageEtag = firstPageEtag;
  }

  #add(listing: RepoListing, issue: IssueSnapshot): void {
    if (!issue.marker) return;
    const key = leadKey(issue.marker.kind, issue.marker.lead);
    const numbers = listing.byLead.get(key) ?? [];
    if (numbers.includes(issue.number)) return;
    // Numbers are given out in the order issues are made.
    numbers.push(issue.number);
    numbers.sort((a, b) => b - a);
    listing.byLead.set(key, numbers);
  }

  #forget(listing: RepoListing, key: string, number: number): void {
    const numbers = (listing.byLead.get(key) ?? []).filter((n) => n !== number);
    if (numbers.length > 0) listing.byLead.set(key, numbers);
    else listing.byLead.delete(key);
  }
}

/**
 * A new issue lands on the first page (it is the newest) unless the page is full of issues
 * made in one second and GitHub orders ties otherwise; only then is an unchanged page no proof.
 */
function tagMeaningNoneNew(etag: string | null, issues: ListedIssue[], hasNext: boolean): string | null {
  if (!hasNext) return etag;
  const first = issues[0];
  const last = issues[issues.length - 1];
  return first && last && Date.parse(first.createdAt) - Date.parse(last.createdAt) > CLOCK_ALLOWANCE_MS ? etag : null;
}
