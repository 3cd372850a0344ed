import { z } from "zod";
import { airtableNotificationUrl, asAirtableFeedStore, ensureAirtableWebhook } from "../../airtable/airtable-change-feed.js";
import { CliError, EXIT_OK, type CliCommand } from "../cli-command.js";

const args = z.object({});

export const airtableWebhookEnsureCommand: CliCommand<z.output<typeof args>> = {
  name: "airtable webhook ensure",
  description: "Create or refresh the AirTable base's webhook that notifies the app of changes to Leads",
  details: [
    "Needs AIRTABLE_TOKEN (with the webhook:manage scope), the base (AIRTABLE_BASE_ID or airtable.base)",
    "and HUB_SALES_PUBLIC_URL: AirTable posts to <HUB_SALES_PUBLIC_URL>/hub-sales/airtable/webhook.",
    "Refreshes the registered webhook when it is alive and points there (another 7 days);",
    "otherwise deletes it and creates a new one, keeping the id and MAC secret in the store's",
    "state (HUB_SALES_DB or HUB_SALES_DATABASE_URL). Webhooks pointing at that URL whose secret is unknown are deleted.",
    "The server refreshes the webhook by itself when it has 3 days left; changes made while no",
    "webhook was alive are picked up by the periodic reconcile.",
  ].join("\n"),
  positionals: [],
  options: {},
  examples: ["airtable webhook ensure"],
  args,
  async run(_args, ctx) {
    const env = ctx.io.env;
    if (!env.AIRTABLE_TOKEN?.trim()) {
      throw new CliError("AIRTABLE_TOKEN is not set: the webhook belongs to the AirTable store (set AIRTABLE_TOKEN and AIRTABLE_BASE_ID)");
    }
    const publicUrl = env.HUB_SALES_PUBLIC_URL?.trim();
    if (!publicUrl) {
      throw new CliError("HUB_SALES_PUBLIC_URL is not set: it is the app's public base URL that AirTable notifies, e.g. https://bot.example.org");
    }
    let notificationUrl: string;
    try {
      notificationUrl = airtableNotificationUrl(publicUrl);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    const store = asAirtableFeedStore(await ctx.store());
    if (!store) throw new CliError("the store is not AirTable: check AIRTABLE_TOKEN");
    const ensured = await ensureAirtableWebhook({ store, notificationUrl, now: ctx.io.now });
    ctx.out(`webhook ${ensured.webhookId} ${ensured.action}`);
    ctx.out(`notification URL: ${ensured.notificationUrl}`);
    ctx.out(`expires: ${ensured.expirationTime ?? "never"}`);
    if (ensured.deleted.length > 0) ctx.out(`deleted: ${ensured.deleted.join(", ")}`);
    return EXIT_OK;
  },
};
