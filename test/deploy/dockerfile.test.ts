import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const dockerfile = readFileSync(`${ROOT}Dockerfile`, "utf8");
const ignored = readFileSync(`${ROOT}.dockerignore`, "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l !== "" && !l.startsWith("#"));

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(): { op: string; args: string }[] {
  return dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(" ") };
    });
}

/** Sources of COPY instructions that read the build context (not `--from=` another stage). */
function copiedFromContext(): string[] {
  return instructions()
    .filter((i) => i.op === "COPY" && !/--from=/.test(i.args))
    .flatMap((i) => {
      const words = i.args.split(/\s+/).filter((w) => !w.startsWith("--"));
      return words.slice(0, -1);
    });
}

describe("the Dockerfile", () => {
  it("copies only paths that exist in the repository and that .dockerignore lets through", () => {
    const sources = copiedFromContext();
    expect(sources).toEqual(expect.arrayContaining(["package.json", "package-lock.json", "src", "bin"]));
    for (const source of sources) {
      expect(existsSync(`${ROOT}${source}`), source).toBe(true);
      const top = source.split("/")[0]!;
      expect(ignored.includes(top) || ignored.includes(source), `${source} is excluded by .dockerignore`).toBe(false);
    }
  });

  it("builds in one stage and runs the compiled server with production dependencies only, as a non-root user", () => {
    const all = instructions();
    const stages = all.map((i, n) => ({ ...i, n })).filter((i) => i.op === "FROM");
    expect(stages.length).toBe(2);
    const final = all.slice(stages[1]!.n);
    const build = all.slice(0, stages[1]!.n);
    expect(build.some((i) => i.op === "RUN" && /npm prune --omit=dev/.test(i.args))).toBe(true);
    // The final stage installs nothing itself: it takes the pruned node_modules.
    expect(final.filter((i) => i.op === "RUN" && /\bnpm (ci|install)\b/.test(i.args))).toEqual([]);
    expect(final.some((i) => i.op === "COPY" && /--from=build \/app\/node_modules/.test(i.args))).toBe(true);
    const users = final.filter((i) => i.op === "USER").map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).toMatch(/^[1-9]\d*(:\d+)?$/);
    const cmd = final.find((i) => i.op === "CMD")!.args;
    const entry = (JSON.parse(cmd) as string[])[1]!;
    // What the build compiles (tsconfig.build.json's outDir) is what the image runs.
    expect(entry).toBe("dist/src/server.js");
    expect(existsSync(`${ROOT}${entry.replace(/^dist\//, "").replace(/\.js$/, ".ts")}`)).toBe(true);
  });

  it("exposes the port the manifests probe", () => {
    const deployment = readFileSync(`${ROOT}deploy/kubernetes/base/deployment.yaml`, "utf8");
    const port = /^EXPOSE (\d+)$/m.exec(dockerfile)?.[1];
    expect(deployment).toContain(`containerPort: ${port}`);
  });

  it("listens on every interface, not only localhost (the server's default), so probes reach it", () => {
    const env = instructions()
      .filter((i) => i.op === "ENV")
      .map((i) => i.args)
      .join(" ");
    expect(env).toMatch(/(^|\s)HOST=0\.0\.0\.0(\s|$)/);
  });
});
