import { z } from "zod";
import { isCalendarDate, isCalendarMonth } from "../domain/calendar-date.js";
import { parseMoney, type MinorUnits } from "../domain/money.js";
import type { CommandInput } from "./command-definition.js";

type Read<T> = { ok: true; value: T } | { ok: false; message: string };

/** A string argument read by `read`, whose failure message becomes the zod issue. */
export function textValue<T>(read: (text: string) => Read<T>) {
  return z.string().transform((text, ctx): T => {
    const result = read(text);
    if (!result.ok) {
      ctx.addIssue({ code: "custom", message: result.message });
      return z.NEVER;
    }
    return result.value;
  });
}

export const dateValue = textValue<string>((text) =>
  isCalendarDate(text)
    ? { ok: true, value: text }
    : { ok: false, message: `must be a real date written YYYY-MM-DD, e.g. 2026-03-01 (got "${text}")` },
);

export const monthValue = textValue<string>((text) =>
  isCalendarMonth(text)
    ? { ok: true, value: text }
    : { ok: false, message: `must be a month written YYYY-MM, e.g. 2026-03 (got "${text}")` },
);

export const moneyValue = textValue<MinorUnits>((text) => {
  const cents = parseMoney(text);
  if (cents === null || cents < 0) {
    return { ok: false, message: `must be an amount with at most two decimals, e.g. 1500 or 1,500.00 (got "${text}")` };
  }
  return { ok: true, value: cents };
});

export const urlValue = textValue<string>((text) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: `must be a link starting with https://, e.g. https://hub.example.org (got "${text}")` };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { ok: false, message: `must be an http(s) link (got "${text}")` };
  }
  return { ok: true, value: text };
});

export const nonEmptyText = textValue<string>((text) =>
  text.trim() === "" ? { ok: false, message: "must not be empty" } : { ok: true, value: text.trim() },
);

/** `lead="<Name or id>"`: names the target lead explicitly (sales repo only). */
export const leadArgument = nonEmptyText.optional();

/**
 * Arguments given only as `key=value` (no bare words); unknown keys are refused with
 * the list of valid ones.
 */
export function keyValueArguments<S extends z.core.$ZodLooseShape>(command: string, shape: S) {
  return z
    .object({
      args: strictArgs(shape),
      positionals: z.array(z.string()).superRefine((words, ctx) => {
        if (words.length > 0) {
          ctx.addIssue({
            code: "custom",
            message: `\`/${command}\` takes no bare words (got ${words.map((w) => `"${w}"`).join(", ")}); ${validKeysText(shape)}`,
          });
        }
      }),
    })
    .transform((input) => input.args) as unknown as z.ZodType<z.output<z.ZodObject<S, z.core.$strict>>, CommandInput>;
}

export function strictArgs<S extends z.core.$ZodLooseShape>(shape: S) {
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== "unrecognized_keys") return undefined;
      const keys = issue.keys.map((k) => `\`${k}\``).join(", ");
      return `unknown argument${issue.keys.length > 1 ? "s" : ""} ${keys}; ${validKeysText(shape)}`;
    },
  });
}

function validKeysText(shape: object): string {
  const keys = Object.keys(shape);
  return keys.length === 0 ? "it takes no arguments" : `valid arguments: ${keys.map((k) => `\`${k}\``).join(", ")}`;
}

/** Zod issues of one command's arguments as sentences naming the argument. */
export function describeArgumentIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String);
    const key = path[0] === "args" && path.length > 1 ? path[1] : null;
    if (key === null) return issue.message;
    if (issue.code === "invalid_type" && issue.input === undefined) return `\`${key}\` is required`;
    return `\`${key}\` ${issue.message}`;
  });
}
