import { z } from "zod";
import { parseRepoRef, type RepoRef } from "../github/github-gateway.js";
import { publicUrlSetting, repoSetting, smtpFromSetting, smtpUrlSetting } from "../config/operator-settings.js";

/** The app's own environment variables (SPEC §7), validated once at start. Probot reads its own. */
const environmentSchema = z.object({
  HUB_SALES_REPO: repoSetting("HUB_SALES_REPO"),
  HUB_SALES_CONFIG: z.string().min(1).optional(),
  HUB_SALES_DB: z.string().min(1).optional(),
  /** PostgreSQL for the records and the app's state (replicas); checked again, with the message, by `openStore`. */
  HUB_SALES_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, { message: "HUB_SALES_DATABASE_URL must be a postgres:// (or postgresql://) URL" })
    .optional(),
  HUB_SALES_OUTBOX: z.string().min(1).default("data/outbox"),
  HUB_SALES_PUBLIC_URL: publicUrlSetting.optional(),
  DASHBOARD_TOKEN: z.string().min(8, { message: "DASHBOARD_TOKEN must be at least 8 characters" }).optional(),
  /** When set, `/metrics` answers only `Authorization: Bearer <token>`. */
  HUB_SALES_METRICS_TOKEN: z.string().min(8, { message: "HUB_SALES_METRICS_TOKEN must be at least 8 characters" }).optional(),
  SMTP_URL: smtpUrlSetting.optional(),
  SMTP_FROM: smtpFromSetting.optional(),
  /** `off` disables the in-process timers (an external scheduler runs `hub-sales reconcile`). */
  HUB_SALES_TIMERS: z.enum(["on", "off"]).default("on"),
  /** How long one process holds a lead's work before another may take it over. */
  HUB_SALES_LEASE_SECONDS: z.coerce
    .number({ message: "HUB_SALES_LEASE_SECONDS must be a number of seconds" })
    .min(1, { message: "HUB_SALES_LEASE_SECONDS must be at least 1" })
    .max(3600, { message: "HUB_SALES_LEASE_SECONDS must be at most 3600" })
    .default(60),
  /** On SIGTERM, how long runs in flight may finish before their leases are handed back. */
  HUB_SALES_SHUTDOWN_GRACE_SECONDS: z.coerce
    .number({ message: "HUB_SALES_SHUTDOWN_GRACE_SECONDS must be a number of seconds" })
    .min(0, { message: "HUB_SALES_SHUTDOWN_GRACE_SECONDS must be 0 or more" })
    .max(3600, { message: "HUB_SALES_SHUTDOWN_GRACE_SECONDS must be at most 3600" })
    .default(30),
});

export interface AppEnvironment {
  salesRepo: RepoRef;
  configPath: string | null;
  outbox: string;
  publicUrl: string | null;
  dashboardToken: string | null;
  metricsToken: string | null;
  smtpUrl: string | null;
  smtpFrom: string | null;
  timers: boolean;
  /** `HUB_SALES_LEASE_SECONDS` in milliseconds. */
  leaseMs: number;
  /** `HUB_SALES_SHUTDOWN_GRACE_SECONDS` in milliseconds. */
  shutdownGraceMs: number;
  raw: Readonly<Record<string, string | undefined>>;
}

export type EnvironmentResult = { ok: true; environment: AppEnvironment } | { ok: false; problems: string[] };

export function readAppEnvironment(env: Readonly<Record<string, string | undefined>>): EnvironmentResult {
  const blanksRemoved = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = environmentSchema.safeParse(blanksRemoved);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => i.message) };
  const e = parsed.data;
  return {
    ok: true,
    environment: {
      salesRepo: parseRepoRef(e.HUB_SALES_REPO),
      configPath: e.HUB_SALES_CONFIG ?? null,
      outbox: e.HUB_SALES_OUTBOX,
      publicUrl: e.HUB_SALES_PUBLIC_URL ?? null,
      dashboardToken: e.DASHBOARD_TOKEN ?? null,
      metricsToken: e.HUB_SALES_METRICS_TOKEN ?? null,
      smtpUrl: e.SMTP_URL ?? null,
      smtpFrom: e.SMTP_FROM?.trim() ?? null,
      timers: e.HUB_SALES_TIMERS === "on",
      leaseMs: Math.round(e.HUB_SALES_LEASE_SECONDS * 1000),
      shutdownGraceMs: Math.round(e.HUB_SALES_SHUTDOWN_GRACE_SECONDS * 1000),
      raw: env,
    },
  };
}
