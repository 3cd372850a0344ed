import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3, { type Database } from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteGroupCommit } from "../../src/store/sqlite-group-commit.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";

describe("SqliteGroupCommit", () => {
  let dir: string;
  let db: Database;
  /** Another process's view of the file: it sees only what was committed. */
  let other: Database;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "hub-sales-group-commit-"));
    db = new BetterSqlite3(join(dir, "t.db"));
    db.pragma("journal_mode = WAL");
    db.exec("CREATE TABLE t (name TEXT PRIMARY KEY)");
    other = new BetterSqlite3(join(dir, "t.db"));
  });

  afterEach(async () => {
    other.close();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const committed = () => (other.prepare("SELECT name FROM t ORDER BY name").all() as { name: string }[]).map((r) => r.name);

  it("runs the writes asked for together in one transaction and settles each only once it is committed", async () => {
    const group = new SqliteGroupCommit(db);
    const insert = db.prepare("INSERT INTO t (name) VALUES (?)");
    const seen: Array<{ rowsBefore: number; committedBefore: number }> = [];
    const write = (name: string) => () => {
      seen.push({ rowsBefore: (db.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n, committedBefore: committed().length });
      insert.run(name);
      return name;
    };
    const pending = ["a", "b", "c"].map((name) => group.run(write(name)));
    expect(committed()).toEqual([]);
    const settledEarly = await Promise.race([pending[0], Promise.resolve("not yet")]);
    expect(settledEarly).toBe("not yet");
    expect(await pending[0]).toBe("a");
    // When the first resolves, all three are stored: one commit served them.
    expect(committed()).toEqual(["a", "b", "c"]);
    expect(await Promise.all(pending)).toEqual(["a", "b", "c"]);
    // Each write saw the ones before it, and nothing of the group was visible outside until the commit.
    expect(seen).toEqual([
      { rowsBefore: 0, committedBefore: 0 },
      { rowsBefore: 1, committedBefore: 0 },
      { rowsBefore: 2, committedBefore: 0 },
    ]);
  });

  it("undoes and rejects a write that throws, alone", async () => {
    const group = new SqliteGroupCommit(db);
    const insert = db.prepare("INSERT INTO t (name) VALUES (?)");
    const outcomes = await Promise.allSettled([
      group.run(() => insert.run("a")),
      group.run(() => {
        insert.run("half-done");
        throw new Error("refused");
      }),
      group.run(() => insert.run("a")), // a duplicate: the constraint fails this one only
      group.run(() => insert.run("c")),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled"]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(new Error("refused"));
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(committed()).toEqual(["a", "c"]);
  });

  it("rejects a lone write that throws and stores nothing of it", async () => {
    const group = new SqliteGroupCommit(db);
    const insert = db.prepare("INSERT INTO t (name) VALUES (?)");
    let runs = 0;
    const outcome = await Promise.allSettled([
      group.run(() => {
        runs += 1;
        insert.run("half-done");
        throw new Error("refused");
      }),
    ]);
    expect(outcome[0]!.status).toBe("rejected");
    expect(runs).toBe(1);
    expect(committed()).toEqual([]);
    await group.run(() => insert.run("b"));
    expect(committed()).toEqual(["b"]);
  });

  it("rejects every write of the group when the commit cannot be made, and stores none", async () => {
    db.pragma("busy_timeout = 0");
    const group = new SqliteGroupCommit(db);
    const insert = db.prepare("INSERT INTO t (name) VALUES (?)");
    other.exec("BEGIN IMMEDIATE"); // another process holds the write lock
    const outcomes = await Promise.allSettled([group.run(() => insert.run("a")), group.run(() => insert.run("b"))]);
    other.exec("ROLLBACK");
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/locked|busy/i);
    expect(committed()).toEqual([]);
    // The next group goes through.
    await group.run(() => insert.run("c"));
    expect(committed()).toEqual(["c"]);
  });

  it("commits what is pending when the store closes", async () => {
    const path = join(dir, "hub-sales.db");
    const store = SqliteLeadStore.open(path);
    const recorded = store.recordDeliveryWithWork("delivery-1", "issues.closed", { key: "lead:lead-1", reason: "closed" });
    await store.close();
    expect(await recorded).toBe(1);
    const reopened = SqliteLeadStore.open(path);
    expect((await reopened.listWork()).map((w) => w.key)).toEqual(["lead:lead-1"]);
    expect(await reopened.recordDelivery("delivery-1", "issues.closed")).toBe(false);
    await reopened.close();
  });
});
