import { z } from "zod";
import { parseSmtpUrl } from "../invoicing/invoice-outbox.js";

/**
 * The operator's environment settings that reach other systems (SPEC §7), each validated
 * at start with one clear line: a wrong value is refused before it can do harm, such as a
 * CR/LF in `SMTP_FROM` adding headers or changing the envelope sender.
 */

// GitHub: owners are up to 39 letters, digits and single dashes; repos up to 100 of [A-Za-z0-9._-].
const REPO_RE = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/[A-Za-z0-9._-]{1,100}$/;

export function repoSetting(name: string) {
  return z
    .string({ message: `${name} is not set: it names the sales repo as owner/repo` })
    .regex(REPO_RE, { message: `${name} must be "owner/repo" with GitHub's characters (letters, digits, - . _), e.g. 2i2c-org/sales` });
}

const ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const DISPLAY_NAME = /^[^\u0000-\u001f\u007f<>"]*$/;

/** One mailbox, `team@example.org` or `Partnerships <team@example.org>`; no line breaks or control characters. */
export const smtpFromSetting = z.string().refine(
  (value) => {
    if (/[\u0000-\u001f\u007f]/.test(value)) return false;
    const named = /^(.*?)\s*<([^<>]+)>$/.exec(value.trim());
    return named ? DISPLAY_NAME.test(named[1]!) && ADDRESS.test(named[2]!) : ADDRESS.test(value.trim());
  },
  { message: 'SMTP_FROM must be one address, e.g. partnerships@2i2c.org or "Partnerships <partnerships@2i2c.org>", without line breaks' },
);

export const smtpUrlSetting = z.string().superRefine((value, ctx) => {
  try {
    parseSmtpUrl(value);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
  }
});

export const publicUrlSetting = z
  .url({ protocol: /^https?$/, message: "HUB_SALES_PUBLIC_URL must be an http(s) URL such as https://bot.example.org" })
  .refine((value) => !/[\s]/.test(value), { message: "HUB_SALES_PUBLIC_URL must be an http(s) URL such as https://bot.example.org" });

/** `SMTP_FROM` for the CLI: null when unset, else the checked value; throws one line when wrong. */
export function readSmtpFrom(env: Readonly<Record<string, string | undefined>>): string | null {
  const raw = env.SMTP_FROM;
  if (raw === undefined || raw.trim() === "") return null;
  const parsed = smtpFromSetting.safeParse(raw);
  if (!parsed.success) throw new Error(parsed.error.issues[0]!.message);
  return raw.trim();
}
