import { defineConfig } from "vitest/config";
import type { Reporter, TestModule } from "vitest/node";

/** Ends the run with a plain `N passed, N failed, N skipped` line that any CI log reader understands. */
class PlainSummary implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") counts.passed += 1;
        else if (state === "failed") counts.failed += 1;
        else counts.skipped += 1;
      }
    }
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", new PlainSummary()],
    testTimeout: 30_000,
    // The SDK clients that tests make themselves (the endpoint's harness, aws-sdk-client-mock)
    // would print the SDK's Node.js 20 notice; the CLI's child processes do not inherit this
    // (test/support/aws-env.ts clears it), so the e2e tests still prove the CLI silences it.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
