import { describe, expect, it } from "vitest";
import {
  csrfTokenMatches,
  readCookie,
  serializeCookie,
  SESSION_TTL_MS,
  SessionCodec,
  SIGN_IN_TTL_MS,
} from "../../src/dashboard/dashboard-session.js";

const NOW = new Date("2026-03-20T12:00:00.000Z");
const later = (ms: number) => new Date(NOW.getTime() + ms);

describe("signed session cookies", () => {
  const codec = new SessionCodec("client-secret-1");

  it("round-trips a session until it expires, and not a moment after", () => {
    const session = codec.newSession("alice", NOW);
    const sealed = codec.sealSession(session);
    expect(codec.openSession(sealed, NOW)).toEqual(session);
    expect(codec.openSession(sealed, later(SESSION_TTL_MS - 1))).toEqual(session);
    expect(codec.openSession(sealed, later(SESSION_TTL_MS))).toBeNull();
  });

  it("refuses a forged or altered value: a new login, another MAC, another secret, junk", () => {
    const sealed = codec.sealSession(codec.newSession("bob", NOW));
    const [body, mac] = sealed.split(".") as [string, string];
    const payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Record<string, unknown>;
    const forgedBody = Buffer.from(JSON.stringify({ ...payload, login: "alice" })).toString("base64url");
    expect(codec.openSession(`${forgedBody}.${mac}`, NOW)).toBeNull();
    expect(codec.openSession(`${body}.${mac.slice(0, -2)}AA`, NOW)).toBeNull();
    expect(new SessionCodec("another-secret").openSession(sealed, NOW)).toBeNull();
    for (const junk of [undefined, "", "abc", `${body}.${mac}.x`, ".", "e30.e30"]) expect(codec.openSession(junk, NOW)).toBeNull();
  });

  it("refuses a value with a valid MAC but a longer life than it was given (the expiry is signed)", () => {
    const session = codec.newSession("alice", NOW);
    const sealed = codec.sealSession({ ...session, exp: NOW.getTime() - 1 });
    expect(codec.openSession(sealed, NOW)).toBeNull();
  });

  it("never takes a sign-in cookie for a session, nor the other way round", () => {
    const attempt = codec.newSignIn("/hub-sales/dashboard", NOW);
    const signIn = codec.sealSignIn(attempt);
    expect(codec.openSignIn(signIn, NOW)).toEqual(attempt);
    expect(codec.openSession(signIn, NOW)).toBeNull();
    expect(codec.openSignIn(codec.sealSession(codec.newSession("alice", NOW)), NOW)).toBeNull();
    expect(codec.openSignIn(signIn, later(SIGN_IN_TTL_MS))).toBeNull();
  });

  it("gives every session its own CSRF token", () => {
    const a = codec.newSession("alice", NOW);
    const b = codec.newSession("alice", NOW);
    expect(a.csrf).not.toBe(b.csrf);
    expect(a.csrf.length).toBeGreaterThanOrEqual(32);
  });
});

describe("CSRF tokens", () => {
  const session = new SessionCodec("s").newSession("alice", NOW);
  it.each([
    [session.csrf, true],
    [`${session.csrf}x`, false],
    [session.csrf.slice(1), false],
    ["", false],
    [null, false],
    [undefined, false],
  ])("%s matches: %s", (given, expected) => {
    expect(csrfTokenMatches(session, given)).toBe(expected);
  });
});

describe("cookie headers", () => {
  it("are HttpOnly and SameSite=Lax, Secure only when asked", () => {
    expect(serializeCookie("a", "v", { path: "/hub-sales/dashboard", maxAgeSeconds: 60, secure: false })).toBe(
      "a=v; Path=/hub-sales/dashboard; Max-Age=60; HttpOnly; SameSite=Lax",
    );
    expect(serializeCookie("a", "", { path: "/p", maxAgeSeconds: 0, secure: true })).toBe("a=; Path=/p; Max-Age=0; HttpOnly; SameSite=Lax; Secure");
  });

  it("reads one cookie out of the Cookie header", () => {
    expect(readCookie("x=1; hub_sales_session=abc.def; y=2", "hub_sales_session")).toBe("abc.def");
    expect(readCookie("hub_sales_session_old=zzz", "hub_sales_session")).toBeUndefined();
    expect(readCookie(undefined, "hub_sales_session")).toBeUndefined();
  });
});
