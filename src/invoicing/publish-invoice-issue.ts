import type { GitHubGateway, IssueSnapshot, RepoRef } from "../github/github-gateway.js";
import type { InvoiceBatch } from "./compute-invoice-batch.js";
import { invoiceBatchKey, invoiceIssueTitle } from "./format-month.js";
import { ISSUE_BODY_MAX_CHARS, renderInvoiceMarkdown } from "./render-invoice-markdown.js";

/** The slice of the gateway publishing needs, so a small fake can test it. */
export type InvoiceIssueGateway = Pick<GitHubGateway, "listOwnedIssues" | "createIssue" | "updateIssue">;

export interface PublishInvoiceIssueResult {
  action: "created" | "updated" | "unchanged";
  issue: IssueSnapshot;
}

/**
 * Opens or updates the month's single `Invoices YYYY-MM` issue in the sales repo. The issue
 * is found by its hidden marker (kind `invoice`, lead `batch:YYYY-MM`), not its title, and is
 * written only when the rendered body differs, so re-runs cost no API writes.
 */
export async function publishInvoiceIssue(input: {
  gateway: InvoiceIssueGateway;
  /** The sales repo (private): the body holds fees and costs. */
  repo: RepoRef;
  batch: InvoiceBatch;
  labels?: string[];
}): Promise<PublishInvoiceIssueResult> {
  const { gateway, repo, batch } = input;
  const body = renderInvoiceMarkdown(batch, { maxChars: ISSUE_BODY_MAX_CHARS });
  const key = invoiceBatchKey(batch.month);
  const owned = (await gateway.listOwnedIssues(repo, "invoice"))
    .filter((issue) => issue.marker?.kind === "invoice" && issue.marker.lead === key)
    // Should two ever exist (a race before this code found the first), keep the oldest.
    .sort((a, b) => a.number - b.number);
  const existing = owned[0];
  if (!existing) {
    const issue = await gateway.createIssue(repo, {
      title: invoiceIssueTitle(batch.month),
      body,
      labels: input.labels ?? ["hub-sales"],
    });
    return { action: "created", issue };
  }
  // GitHub may hand back CRLF line ends for a body edited in the browser.
  if (existing.body.replace(/\r\n/g, "\n") === body) return { action: "unchanged", issue: existing };
  const issue = await gateway.updateIssue(repo, existing.number, { body });
  return { action: "updated", issue };
}
