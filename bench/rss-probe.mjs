// Loaded with `node --import` in front of the CLI by the benchmark: on exit, writes the process's
// peak resident set size (bytes) to the file named by KMS_REPLICATE_RSS_FILE, and its CPU time
// (user + system, ms) to the file named by KMS_REPLICATE_CPU_FILE, when they are set.
import { writeFileSync } from "node:fs";

const file = process.env.KMS_REPLICATE_RSS_FILE;
const cpuFile = process.env.KMS_REPLICATE_CPU_FILE;
if (file || cpuFile) {
  process.on("exit", () => {
    const usage = process.resourceUsage();
    if (file) writeFileSync(file, String(usage.maxRSS * 1024));
    if (cpuFile) writeFileSync(cpuFile, String((usage.userCPUTime + usage.systemCPUTime) / 1000));
  });
}
