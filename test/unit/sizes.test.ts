// The size of src/'s pieces (issue 21): no file over 350 lines, no function over 100, so that each
// file has one job a newcomer can read whole. Measured with TypeScript's own parser.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");
const MAX_FILE_LINES = 350;
const MAX_FUNCTION_LINES = 100;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

const lineCount = (text: string): number => text.split("\n").length - (text.endsWith("\n") ? 1 : 0);

/** Every function (declaration, method, arrow, expression) with a body, and its length in lines. */
export function functionLengths(file: string, text: string): { name: string; line: number; lines: number }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: { name: string; line: number; lines: number }[] = [];
  const visit = (node: ts.Node, name: string): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body !== undefined) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(node.end).line;
      const own = "name" in node && node.name !== undefined ? node.name.getText(source) : name;
      found.push({ name: own, line: first + 1, lines: last - first + 1 });
    }
    const named =
      ts.isVariableDeclaration(node) || ts.isPropertyAssignment(node) || ts.isMethodDeclaration(node)
        ? node.name.getText(source)
        : name;
    ts.forEachChild(node, (child) => visit(child, named));
  };
  visit(source, "(anonymous)");
  return found;
}

describe("src/ sizes", () => {
  const files = sources(SRC).map((path) => ({ path: relative(SRC, path), text: readFileSync(path, "utf8") }));

  it(`no file is over ${MAX_FILE_LINES} lines`, () => {
    const big = files
      .filter((f) => lineCount(f.text) > MAX_FILE_LINES)
      .map((f) => `${f.path}: ${lineCount(f.text)} lines`);
    expect(big).toEqual([]);
  });

  it(`no function is over ${MAX_FUNCTION_LINES} lines`, () => {
    const long = files.flatMap((f) =>
      functionLengths(f.path, f.text)
        .filter((fn) => fn.lines > MAX_FUNCTION_LINES)
        .map((fn) => `${f.path}:${fn.line} ${fn.name}: ${fn.lines} lines`),
    );
    expect(long).toEqual([]);
  });

  it("the measure sees a long function and names it (the test can fail)", () => {
    const body = Array.from({ length: MAX_FUNCTION_LINES }, (_, i) => `  const v${i} = ${i};`).join("\n");
    const text = `export const tooLong = (): void => {\n${body}\n};\n`;
    expect(functionLengths("x.ts", text)).toEqual([
      { name: "tooLong", line: 1, lines: MAX_FUNCTION_LINES + 2 },
    ]);
  });
});
