import { createPublicKey, randomBytes, verify, type KeyObject } from "node:crypto";
import { z } from "zod";
import { unauthorized } from "./api-error.js";
import type { Actor } from "./issue-operations.js";
import type { StandInState } from "./stand-in-state.js";

/**
 * GitHub App authentication as GitHub checks it: the app signs a short-lived RS256 JWT
 * (`iss` = app id) with its private key; the stand-in verifies the signature against
 * the public half of the configured key. Installation access tokens (`ghs_...`) and
 * personal tokens (`ghp_...`) are opaque strings looked up in memory.
 */
const jwtHeaderSchema = z.object({ alg: z.literal("RS256") });
const jwtPayloadSchema = z.object({
  iss: z.union([z.number(), z.string()]),
  iat: z.number(),
  exp: z.number(),
});

/** GitHub rejects app JWTs that live longer than 10 minutes. */
const MAX_JWT_LIFETIME_SECONDS = 10 * 60 + 60;
/** Allow for clocks a little apart, as GitHub does. */
const CLOCK_SKEW_SECONDS = 60;

export class AppAuth {
  private readonly publicKey: KeyObject;
  private readonly tokens = new Map<string, { actor: Actor; expiresAt: number | null }>();

  constructor(
    private readonly state: StandInState,
    privateKeyPem: string,
  ) {
    this.publicKey = createPublicKey(privateKeyPem);
  }

  /** Reads the `Authorization` header; throws 401 "Bad credentials" like GitHub for anything unknown. */
  authenticate(header: string | undefined): Actor {
    if (!header) return { kind: "anonymous" };
    const match = /^(bearer|token)\s+(\S+)$/i.exec(header.trim());
    if (!match) throw unauthorized();
    const credential = match[2]!;
    if (credential.split(".").length === 3) {
      this.verifyJwt(credential);
      return { kind: "app" };
    }
    const entry = this.tokens.get(credential);
    if (!entry) throw unauthorized();
    if (entry.expiresAt !== null && entry.expiresAt < this.state.now().getTime()) {
      this.tokens.delete(credential);
      throw unauthorized();
    }
    return entry.actor;
  }

  issueInstallationToken(installationId: number): { token: string; expiresAt: string } {
    const installation = this.state.installations.get(installationId);
    if (!installation) throw new Error(`stand-in: no installation ${installationId}`);
    const token = `ghs_${randomBytes(27).toString("base64url").replace(/[-_]/g, "x").slice(0, 36)}`;
    const expiresAt = this.state.now().getTime() + 60 * 60 * 1000;
    this.tokens.set(token, { actor: { kind: "installation", installation }, expiresAt });
    return { token, expiresAt: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z") };
  }

  /** A personal access token for a seeded user, for tests that call the API as a person. */
  userToken(login: string): string {
    for (const [token, entry] of this.tokens) {
      if (entry.actor.kind === "user" && entry.actor.login.toLowerCase() === login.toLowerCase()) return token;
    }
    this.state.ensureUser(login);
    const token = `ghp_${randomBytes(27).toString("base64url").replace(/[-_]/g, "x").slice(0, 36)}`;
    this.tokens.set(token, { actor: { kind: "user", login: this.state.account(login)!.login }, expiresAt: null });
    return token;
  }

  /** A user-to-server token from the OAuth web flow (`ghu_...`), expiring like GitHub's. */
  issueUserToken(login: string, ttlMs: number): string {
    const token = `ghu_${randomBytes(27).toString("base64url").replace(/[-_]/g, "x").slice(0, 36)}`;
    this.tokens.set(token, { actor: { kind: "user", login: this.state.account(login)!.login }, expiresAt: this.state.now().getTime() + ttlMs });
    return token;
  }

  private verifyJwt(jwt: string): void {
    const [headerB64, payloadB64, signatureB64] = jwt.split(".") as [string, string, string];
    const undecodable = () => unauthorized("A JSON web token could not be decoded");
    let header: unknown;
    let payload: unknown;
    try {
      header = JSON.parse(Buffer.from(headerB64, "base64url").toString("utf8"));
      payload = JSON.parse(Buffer.from(payloadB64, "base64url").toString("utf8"));
    } catch {
      throw undecodable();
    }
    if (!jwtHeaderSchema.safeParse(header).success) throw undecodable();
    const claims = jwtPayloadSchema.safeParse(payload);
    if (!claims.success) throw undecodable();
    const signatureOk = verify(
      "RSA-SHA256",
      Buffer.from(`${headerB64}.${payloadB64}`),
      this.publicKey,
      Buffer.from(signatureB64, "base64url"),
    );
    if (!signatureOk) throw undecodable();
    if (String(claims.data.iss) !== String(this.state.app.id)) throw unauthorized("Integration not found");
    const nowSeconds = Math.floor(this.state.now().getTime() / 1000);
    if (claims.data.exp < nowSeconds - CLOCK_SKEW_SECONDS) {
      throw unauthorized(
        "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
      );
    }
    if (claims.data.iat > nowSeconds + CLOCK_SKEW_SECONDS) {
      throw unauthorized("'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued");
    }
    if (claims.data.exp - claims.data.iat > MAX_JWT_LIFETIME_SECONDS) {
      throw unauthorized("'Expiration time' claim ('exp') is too far in the future");
    }
  }
}
