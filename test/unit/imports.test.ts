// The shape of src/: no import cycles (type-only and lazy imports count too), so that the arrow of
// the layout (cli → commands → core and the AWS adapter; report beside them) runs one way.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it, expect } from "vitest";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Every file of src/ → the files of src/ it imports (static, type-only or dynamic). */
export function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(/(?:from\s+|import\s*\(\s*)["'](\.{1,2}\/[^"']+)\.js["']/g)].map((m) =>
      relative(SRC, resolve(dirname(file), `${m[1] ?? ""}.ts`)),
    );
    // Imports that leave src/ (the SDK's partition data, bundled on its own) are not ours.
    graph.set(relative(SRC, file), [...new Set(targets.filter((t) => !t.startsWith("..")))]);
  }
  return graph;
}

/** Each cycle once, as the files around it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "open");
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") found.push([...path.slice(path.indexOf(next)), next]);
      else if (state.get(next) === undefined) visit(next);
    }
    path.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (state.get(node) === undefined) visit(node);
  return found;
}

describe("src/ imports", () => {
  it("every import names a file that exists", () => {
    // GIVEN / WHEN
    const graph = importGraph();
    // THEN
    const missing = [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => !graph.has(t)).map((t) => `${file} → ${t}`),
    );
    expect(missing).toEqual([]);
  });

  it("have no cycle", () => {
    // GIVEN / WHEN
    const found = cycles(importGraph()).map((cycle) => cycle.join(" → "));
    // THEN
    expect(found).toEqual([]);
  });

  it("the core and the AWS adapter never import a command, the command line or a renderer", () => {
    // GIVEN
    const below = (file: string): boolean => /^(core|aws)\//.test(file);
    // WHEN
    const upward = [...importGraph()].flatMap(([file, targets]) =>
      below(file) ? targets.filter((t) => !below(t)).map((t) => `${file} → ${t}`) : [],
    );
    // THEN
    expect(upward).toEqual([]);
  });

  it("a command folder imports the core, the AWS adapter, the renderers and commands/ shared pieces, never another command or the command line", () => {
    // GIVEN the command of a file, if it is in a command's folder
    const folder = (file: string): string | undefined => /^commands\/([^/]+)\//.exec(file)?.[1];
    const SHARED = new Set(["shared"]);
    // WHEN
    const crossing = [...importGraph()].flatMap(([file, targets]) => {
      // The registry (commands/registry.ts) is the one file that names every command's folder.
      if (!file.startsWith("commands/") || file === "commands/registry.ts") return [];
      const own = folder(file) ?? "";
      return targets
        .filter((t) => {
          if (t.startsWith("cli/")) return true;
          const other = folder(t);
          return other !== undefined && other !== own && !SHARED.has(other);
        })
        .map((t) => `${file} → ${t}`);
    });
    // THEN
    expect(crossing).toEqual([]);
  });

  it("the shared renderers never import a command or the command line", () => {
    // GIVEN / WHEN
    const upward = [...importGraph()].flatMap(([file, targets]) =>
      file.startsWith("report/")
        ? targets.filter((t) => /^(cli|commands)\//.test(t)).map((t) => `${file} → ${t}`)
        : [],
    );
    // THEN
    expect(upward).toEqual([]);
  });

  it("only the registry names the commands: the command line reaches a command through it", () => {
    // GIVEN the one exception: the union of every command's JSON document (the schema's source)
    // names each command's document type (type-only imports, nothing runs)
    const TYPES_ONLY = new Set(["cli/document.ts"]);
    // WHEN: a file outside commands/ that imports a command's folder
    const direct = [...importGraph()].flatMap(([file, targets]) =>
      file.startsWith("commands/") || TYPES_ONLY.has(file)
        ? []
        : targets.filter((t) => /^commands\/(?!shared\/)[^/]+\//.test(t)).map((t) => `${file} → ${t}`),
    );
    // THEN
    expect(direct).toEqual([]);
  });
});
