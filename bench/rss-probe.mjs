// Loaded with `node --import` in front of the CLI by the benchmark: on exit, writes the process's
// peak resident set size (bytes) to the file named by KMS_REPLICATE_RSS_FILE.
import { writeFileSync } from "node:fs";

const file = process.env.KMS_REPLICATE_RSS_FILE;
if (file) {
  process.on("exit", () => {
    writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
  });
}
