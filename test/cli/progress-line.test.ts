import { describe, expect, it } from "vitest";
import { ProgressLine } from "../../src/cli/progress-line.js";

function terminal(isTTY = true) {
  const out = { text: "", write: (t: string) => (out.text += t), isTTY };
  return out;
}

describe("ProgressLine", () => {
  it("shows records done, requests sent and the time left at the rate limit, redrawn in place", () => {
    const stderr = terminal();
    let requests = 7; // sent before the job began: not the job's
    let now = 0;
    const line = new ProgressLine({
      io: { stdout: terminal(), stderr },
      label: "leads import",
      unit: "records",
      total: 1000,
      requests: () => requests,
      requestsPerSecond: 5,
      clock: () => now,
    });
    requests += 21;
    line.update(200);
    // 800 records left at 21 requests per 200: 84 requests, 17 s at 5/s.
    expect(stderr.text).toBe("\r\x1b[Kleads import: 200/1000 records · 21 requests · ~17 s left at 5 requests/s");
    now += 50;
    line.update(210);
    expect(stderr.text.split("\r").length).toBe(2); // within 200 ms: not redrawn
    now += 200;
    requests += 80;
    line.finish(1000);
    expect(stderr.text.endsWith("\r\x1b[Kleads import: 1000/1000 records · 101 requests\n")).toBe(true);
  });

  it("says minutes for long jobs, and nothing about requests for a store that sends none", () => {
    const stderr = terminal();
    const line = new ProgressLine({ io: { stdout: terminal(), stderr }, label: "reconcile", unit: "leads", total: 5000, clock: () => 0 });
    line.update(10);
    expect(stderr.text).toBe("\r\x1b[Kreconcile: 10/5000 leads");
    const timed = new ProgressLine({
      io: { stdout: terminal(), stderr: terminal() },
      label: "reconcile",
      unit: "leads",
      total: 5000,
      requests: (() => {
        let n = 0;
        return () => (n += 100);
      })(),
      requestsPerSecond: 5,
    });
    expect(timed.describe(100)).toBe("reconcile: 100/5000 leads · 100 requests · ~16 min 20 s left at 5 requests/s");
  });

  it("stays quiet when stdout or stderr is not a terminal", () => {
    for (const [out, err] of [
      [false, true],
      [true, false],
    ]) {
      const stderr = terminal(err);
      const line = new ProgressLine({ io: { stdout: terminal(out), stderr }, label: "x", unit: "records", total: 2 });
      line.update(1);
      line.finish(2);
      expect(line.enabled).toBe(false);
      expect(stderr.text).toBe("");
    }
  });
});
