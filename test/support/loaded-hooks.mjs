// Module hooks (node:module register, Node 20.6+) that append the URL of every module the process
// loads to the file named in their data: see test/support/loaded-record.mjs.
import { appendFileSync } from "node:fs";

let file = "";

export function initialize(data) {
  file = data.file;
}

export async function load(url, context, nextLoad) {
  appendFileSync(file, `${url}\n`);
  return nextLoad(url, context);
}
