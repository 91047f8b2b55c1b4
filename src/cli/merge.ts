// `kms-replicate merge FILE… | -`: the documents of the shards of one run (--output json of each
// --shard I/N) → one organisation document, as one unsharded run would have written it
// (src/report/org-merge.ts). With --output json the document goes to stdout; in text mode a
// summary goes to stderr. Missing shards are named on stderr in both, and make the exit code 1
// at least; documents of different runs are refused (exit 2).
import { EXIT, isReplicateError, usageError, type ExitCode } from "../core/errors.js";
import { readInput, STDIN } from "../core/input.js";
import { usageJson } from "../report/json.js";
import { mergeDocuments, type MergeInput } from "../report/org-merge.js";
import { orgSummaryLines } from "../report/org-lines.js";
import { fitted } from "../report/fit.js";
import { forPeople, paint } from "../report/terminal-text.js";
import { inputsOf } from "./connect.js";
import type { KmsReplicateDocument } from "./document.js";
import type { RawGlobalFlags } from "./globals.js";
import type { Io } from "./io.js";
import { queryFlag, writeDocument, type JsonQuery } from "./query.js";
import { detectFromProcess } from "./terminal.js";

/** A shard's document is at most this big (a shard of 5,000 keys writes about 20 MB). */
const DOCUMENT_MAX_BYTES = 512 * 1024 * 1024;

/**
 * The documents of one source: a file holds one; `-` may hold several, one after another. An empty
 * file holds none: the shard's process ended before it wrote its document (its shell's redirect,
 * `> shard-N.json`, made the file first), and that shard is named as missing.
 */
async function readDocuments(source: string, io: Io): Promise<MergeInput[]> {
  const read = await readInput(
    {
      label: source === "-" ? "merge -" : `merge ${source}`,
      path: source === "-" ? STDIN : source,
      maxBytes: DOCUMENT_MAX_BYTES,
      cap: "the cap for a document",
      terminalHint: "Give the documents' files, or pipe them in.",
    },
    inputsOf(io, undefined),
  );
  const text = read.bytes.toString("utf8");
  if (text.trim() === "") return [];
  // `-` may carry several documents one after another (`cat shard-*.json | kms-replicate merge -`).
  const texts = source === "-" ? splitDocuments(text) : [text];
  return texts.map((one, i) => {
    const name = texts.length === 1 ? source : `${source} (document ${i + 1})`;
    return { source: name, document: parsed(name, one) };
  });
}

/** Concatenated JSON documents → each one's text (a document is a top-level object). */
function splitDocuments(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i += 1;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{") {
      if (depth === 0) start = i;
      depth += 1;
    } else if (ch === "}") {
      depth -= 1;
      if (depth === 0) out.push(text.slice(start, i + 1));
    }
  }
  return out.length === 0 ? [text] : out;
}

function parsed(source: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw usageError(
      `${source}: not JSON (${(error as Error).message}).`,
      "Give the --output json document of each shard.",
    );
  }
}

export async function runMerge(sources: readonly string[], flags: RawGlobalFlags, io: Io): Promise<ExitCode> {
  const mode = detectFromProcess({
    json: flags.output === "json",
    quiet: flags.quiet ?? false,
    debug: false,
    color: flags.color,
  });
  // On a terminal, each line fitted to its width (as every line of a run).
  const say = (text: string): void => {
    const lines = fitted(text.split("\n"), mode.columns, 0);
    io.stderr.write(forPeople(`${lines.join("\n")}\n`, mode.color));
  };
  // --query applies to the merged document as to any run's (a bad expression: exit 2, nothing read).
  const asked = await queryFlag(flags);
  const write = (document: KmsReplicateDocument, query: JsonQuery | undefined): void => {
    const text = writeDocument(document, query);
    io.stdout.write(text.stdout);
    if (text.stderr !== undefined) io.stderr.write(forPeople(text.stderr, mode.color));
  };
  try {
    if (asked.error !== undefined) throw asked.error;
    const inputs: MergeInput[] = [];
    for (const source of sources) {
      const documents = await readDocuments(source, io);
      if (documents.length === 0) say(paint.yellow(`! ${source} is empty: no document.`));
      inputs.push(...documents);
    }
    const { document, missingShards, count } = mergeDocuments(inputs);
    if (missingShards.length > 0) {
      say(
        paint.red(
          `✖ Shard${missingShards.length === 1 ? "" : "s"} ${missingShards.join(", ")} of ${count} missing: their accounts (or keys) are not in this document.`,
        ),
      );
    }
    if (mode.json) write(document as unknown as KmsReplicateDocument, asked.query);
    else if (!mode.quiet || document.exitCode !== EXIT.ok) {
      for (const line of orgSummaryLines(document, paint)) say(line);
    }
    return document.exitCode;
  } catch (error) {
    if (!isReplicateError(error)) throw error;
    say(`error: ${error.message}${error.hint === undefined ? "" : `\n${error.hint}`}`);
    if (mode.json) {
      write(usageJson("merge", { name: error.code, message: error.message }), undefined);
    }
    return error.exitCode;
  }
}
