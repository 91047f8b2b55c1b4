// `npm run docs`: writes docs/commands/ from the program (scripts/command-pages.ts), and removes a
// page whose command is gone. Run it after changing a command, an option or a help text, and commit
// the pages with the change: test/unit/command-pages.test.ts fails until then.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PAGES_DIR, commandPages, docsProgram } from "./command-pages.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const pages = commandPages(docsProgram());
const wanted = new Set(pages.map((page) => page.path));

mkdirSync(join(root, PAGES_DIR), { recursive: true });
for (const name of readdirSync(join(root, PAGES_DIR))) {
  const path = `${PAGES_DIR}/${name}`;
  if (name.endsWith(".md") && !wanted.has(path)) {
    rmSync(join(root, path));
    process.stdout.write(`removed ${path}\n`);
  }
}
for (const page of pages) {
  const file = join(root, page.path);
  let before: string | undefined;
  try {
    before = readFileSync(file, "utf8");
  } catch {
    before = undefined;
  }
  if (before === page.text) continue;
  writeFileSync(file, page.text);
  process.stdout.write(`${before === undefined ? "wrote" : "updated"} ${page.path}\n`);
}
process.stdout.write(`${PAGES_DIR}: ${pages.length} pages, up to date.\n`);
