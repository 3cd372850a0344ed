import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";

/** Sessions last a working day; then people sign in again (and membership is checked again). */
export const SESSION_TTL_MS = 8 * 60 * 60_000;
/** The OAuth round trip (the `state` it carries) must come back within this. */
export const SIGN_IN_TTL_MS = 10 * 60_000;

export const SESSION_COOKIE = "hub_sales_session";
export const SIGN_IN_COOKIE = "hub_sales_sign_in";

const sessionSchema = z.object({ login: z.string().min(1), csrf: z.string().min(16), exp: z.number().int() });
const signInSchema = z.object({ state: z.string().min(16), next: z.string(), exp: z.number().int() });

export type DashboardSession = z.infer<typeof sessionSchema>;
export type SignInAttempt = z.infer<typeof signInSchema>;

/**
 * Signed, expiring cookie values: `base64url(json).base64url(hmac-sha256)`. The key is
 * derived from the OAuth client secret, one key per purpose, so a sign-in cookie can never
 * pass for a session. Nothing is kept server-side; a forged, altered or expired value reads
 * as no value at all.
 */
export class SessionCodec {
  readonly #keys: Record<"session" | "sign-in", Buffer>;

  constructor(secret: string) {
    const derive = (purpose: string) => Buffer.from(hkdfSync("sha256", secret, "hub-sales dashboard", purpose, 32));
    this.#keys = { session: derive("session"), "sign-in": derive("sign-in") };
  }

  newSession(login: string, now: Date): DashboardSession {
    return { login, csrf: randomBytes(24).toString("base64url"), exp: now.getTime() + SESSION_TTL_MS };
  }

  newSignIn(next: string, now: Date): SignInAttempt {
    return { state: randomBytes(24).toString("base64url"), next, exp: now.getTime() + SIGN_IN_TTL_MS };
  }

  sealSession(session: DashboardSession): string {
    return this.#seal("session", session);
  }

  openSession(value: string | undefined, now: Date): DashboardSession | null {
    return this.#open("session", value, sessionSchema, now);
  }

  sealSignIn(attempt: SignInAttempt): string {
    return this.#seal("sign-in", attempt);
  }

  openSignIn(value: string | undefined, now: Date): SignInAttempt | null {
    return this.#open("sign-in", value, signInSchema, now);
  }

  #seal(purpose: "session" | "sign-in", payload: object): string {
    const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
    return `${body}.${this.#mac(purpose, body)}`;
  }

  #open<T extends { exp: number }>(purpose: "session" | "sign-in", value: string | undefined, schema: z.ZodType<T>, now: Date): T | null {
    if (!value) return null;
    const [body, mac, extra] = value.split(".");
    if (!body || !mac || extra !== undefined || !sameText(mac, this.#mac(purpose, body))) return null;
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    } catch {
      return null;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success || parsed.data.exp <= now.getTime()) return null;
    return parsed.data;
  }

  #mac(purpose: "session" | "sign-in", body: string): string {
    return createHmac("sha256", this.#keys[purpose]).update(body).digest("base64url");
  }
}

/** Constant-time comparison of two strings (tokens, MACs). */
export function sameText(given: string, wanted: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(wanted);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Only `Authorization: Bearer <token>`: a bare token (or any other scheme) is refused, never guessed at. */
export function bearerTokenMatches(header: string | undefined, token: string | null | undefined): boolean {
  const match = /^Bearer ([^\s]+)$/.exec(header ?? "");
  return Boolean(token && match && sameText(match[1]!, token));
}

/** A POST form's CSRF token must equal the session's. */
export function csrfTokenMatches(session: DashboardSession, given: string | null | undefined): boolean {
  return typeof given === "string" && given !== "" && sameText(given, session.csrf);
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** `Set-Cookie` for a dashboard cookie: HttpOnly, SameSite=Lax, Secure when served over https. */
export function serializeCookie(name: string, value: string, options: { path: string; maxAgeSeconds: number; secure: boolean }): string {
  const parts = [`${name}=${value}`, `Path=${options.path}`, `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`, "HttpOnly", "SameSite=Lax"];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}
