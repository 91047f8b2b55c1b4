// How a run reaches what it works on: the AWS adapter (loaded only once every local check has
// passed), its deadline, the files and pipes it reads, and the Region of a key named without one.
import type { KmsSettings } from "../aws/client.js";
import type { KmsPort } from "../aws/kms.js";
import type { QuotaBook, QuotaOverrides } from "../aws/quotas.js";
import type { Emit } from "../core/events.js";
import type { InputContext } from "../core/input.js";
import type { KeyRef } from "../core/keys.js";
import { checkEndpointEnvironment, DEFAULT_TIMEOUT_MS, type ConnectionOptions } from "../core/options.js";
import { resolvePrimaryRegion } from "../core/plan.js";
import { durationFlag } from "../report/resume.js";
import type { Io } from "./io.js";

/**
 * How a run reads the files and pipes it is given: a stop signal ends a wait for a writer at once,
 * and every writer must have finished within --timeout (`timeoutMs`) of the start; a command
 * without --timeout (status) waits as long as the default.
 */
export function inputsOf(io: Io, timeoutMs: number | undefined): InputContext {
  const ms = timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    cwd: io.cwd,
    signal: io.signal,
    deadline: io.startedAt + ms,
    deadlineName: timeoutMs === undefined ? durationFlag(ms) : `--timeout ${durationFlag(ms)}`,
  };
}

/**
 * The Region of one key, checked as every Region is (src/core/regions.ts); loads the SDK only when
 * the environment or a profile must name it. `warn`: a Region the SDK does not know, tried.
 */
export function keyRegionOf(
  one: { readonly key: KeyRef; readonly region?: string },
  connection: ConnectionOptions,
  io: Io,
  warn: (message: string) => void,
): Promise<string> {
  return resolvePrimaryRegion(one.key, {
    flag: one.region,
    fromEnvironment: async () =>
      (await import("../aws/environment.js")).regionFromEnvironment(connection.profile, io.env),
    unknownRegions: connection.unknownRegions,
    warn,
  });
}

/**
 * The run's deadline (--timeout), as performance.now() time: counted from the start of the process,
 * so that `--timeout 3s` means three seconds from the moment the command was run. No --timeout
 * (status): none.
 */
export function deadlineOf(io: Pick<Io, "startedAt">, timeoutMs: number | undefined): number {
  return timeoutMs === undefined ? Number.POSITIVE_INFINITY : io.startedAt + timeoutMs;
}

/**
 * The AWS SDK, loaded only once every local check has passed; one adapter (and quota book) per run.
 * `run.deadline`: the run's deadline (deadlineOf), after which the adapter sends no write.
 * `run.quotas` / `run.inFlight`: the command's own quota settings (replicate's --rate) and
 * in-flight caps (--concurrency). `book`: a quota book the caller made (a fleet watches its queue).
 * `reach`: more of the adapter's settings (an account's credentials in an organisation run).
 */
export async function connect(
  options: ConnectionOptions,
  emit: Emit,
  run: {
    readonly deadline: number;
    readonly quotas?: QuotaOverrides;
    readonly inFlight?: QuotaOverrides;
  },
  book?: QuotaBook,
  reach?: Partial<KmsSettings>,
): Promise<KmsPort> {
  if (options.endpointUrl === undefined) checkEndpointEnvironment(process.env);
  const [{ createKms }, { createQuotaBook }, { describeNetwork, resolveNetwork }] = await Promise.all([
    import("../aws/client.js"),
    import("../aws/quota-book.js"),
    import("../aws/network.js"),
  ]);
  // Endpoints, proxies and the CA bundle, checked before any call (docs/network.md).
  const network = await resolveNetwork(options, process.env);
  if (!network.verify) {
    emit({
      type: "warning",
      message:
        "--no-verify-ssl: TLS certificates are not checked; anyone on the path can read and change these calls. Give the CA with --ca-bundle or AWS_CA_BUNDLE instead.",
    });
  }
  for (const line of describeNetwork(network)) emit({ type: "sdk-log", level: "debug", message: line });
  return createKms({
    profile: options.profile,
    endpointUrl: options.endpointUrl,
    network,
    timeouts: { connectMs: options.connectTimeoutMs, readMs: options.readTimeoutMs },
    deadline: run.deadline,
    emit,
    quotas:
      book ?? createQuotaBook({ overrides: { ...options.quotas, ...run.quotas }, inFlight: run.inFlight }),
    ...reach,
  });
}
