// The one contract every command keeps: a command is a module that the program (src/cli/program.ts)
// and the runner (src/cli/runner.ts, over one key or a fleet) use the same way. Its folder holds
// flags.ts (its options, its help, raw flags → typed options), run.ts (the work on one key),
// render.ts (its JSON entry, its lines, its hints) and index.ts (this module). A command folder may
// import the core, the AWS adapter and the shared renderers, never another command or the command
// line; adding a command is one folder and one line in src/commands/registry.ts.
import type { Command as Commander, OptionValues } from "commander";
import type { CommandAdvice } from "../core/advice.js";
import type { ExitCode, ReportedError } from "../core/errors.js";
import type { Emit, ReplicaEvent } from "../core/events.js";
import type { InputContext } from "../core/input.js";
import type { ConnectionOptions } from "../core/options.js";
import type { DescribeOptions } from "../core/plan.js";
import type { PrimaryPlace } from "../core/regions.js";
import type { SelectedKey } from "../core/selection.js";
import type { Stop } from "../core/stop.js";
import type { KmsPort } from "../aws/kms.js";
import type { QuotaOverrides } from "../aws/quotas.js";
import type { FleetKey, FleetLook } from "../report/fleet-key.js";
import type { ResumeOptions } from "../report/resume.js";
import type { Reach } from "../report/rerun.js";
import type { OutputMode } from "../report/mode.js";
import type { Paint } from "../report/terminal-text.js";

/** Every command of the program: the name typed, and the `command` of its JSON document. */
export type CommandName =
  | "replicate"
  | "wait"
  | "status"
  | "sync"
  | "promote"
  | "import-material"
  | "rotate-material"
  | "retire"
  | "delete-family"
  | "cancel-deletion";

/**
 * The values commander parsed for a command's own options (never the global ones): as commander
 * types them, each command's flags.ts reads them as its own raw flags, once.
 */
export type RawFlags = Readonly<OptionValues>;

/** What turning raw flags into options may use: files and pipes are read through `inputs`. */
export interface ParseContext {
  /** How files and pipes are read (a stop signal ends a wait for a writer; --timeout bounds it). */
  inputs(timeoutMs: number | undefined): InputContext;
  /** The global options, already parsed (a command's rule may depend on them). */
  readonly connection: ConnectionOptions;
  /** How the run reaches AWS, as given (for the commands a run prints: the same again, undo). */
  readonly reach: Reach;
}

/** What a command's preparation works with: before any call to AWS. */
export interface PrepareContext {
  /** One --key: where it is (its Region, and its partition when its ARN names one), else undefined. */
  readonly place?: PrimaryPlace;
  /** A run over a selection of keys (JSON version 2). */
  readonly fleet: boolean;
  readonly connection: ConnectionOptions;
  /** How the run reached AWS, as given (for the commands it prints: the same again, undo). */
  readonly reach: Reach;
  readonly warn: (message: string) => void;
  inputs(timeoutMs: number | undefined): InputContext;
}

/** What one key's work gets: the shared adapter and bounds, its own event sink. */
export interface KeyContext {
  readonly kms: KmsPort;
  /** This key's events (in a fleet, its warnings are prefixed with its key ID). */
  readonly emit: Emit;
  readonly signal: AbortSignal;
  /** performance.now() at the start of the process: every elapsedMs counts from here. */
  readonly startedAt: number;
  /** performance.now() after which waits stop and no write is sent (--timeout). */
  readonly deadline: number;
  /** A run over a selection of keys: the checks of `check` were made for every key already. */
  readonly fleet: boolean;
  /**
   * The key has sent what it had to send and only waits now: the next key may start. Only the
   * first call counts; a key that never calls it frees its place when it ends.
   */
  readonly waiting: () => void;
  /**
   * What the key's work knows so far, for a second signal that ends the run before it settles
   * (undefined from `known`: nothing worth reporting yet).
   */
  readonly partial: (known: (elapsedMs: number) => unknown) => void;
  /** A line for the person as the work reaches a milestone (shown in a run over one key only). */
  readonly say: (text: string) => void;
}

/**
 * A plan the person confirms before any change (a deletion): the runner shows it and asks for one
 * of `answers` on a terminal, and refuses the run without one (src/cli/confirm.ts).
 */
export interface Confirmation {
  /** The plan, lines for people. */
  readonly plan: readonly string[];
  /** What the person is asked to type, in words (`the key ID (mrk-…) or alias/payments`). */
  readonly ask: string;
  /** The answers that confirm (a key ID, the alias given; a count of keys). */
  readonly answers: readonly string[];
  /** How to run it without the question (--yes). */
  readonly hint: string;
}

/** How the run goes, as the command's preparation decided it. */
export interface RunPlan<R> {
  /** --timeout: the run's deadline for waits and writes; undefined: none (the command only reads). */
  readonly timeoutMs?: number;
  /** The command's own quota settings (replicate's --rate) and in-flight caps (--concurrency). */
  readonly quotas?: QuotaOverrides;
  readonly inFlight?: QuotaOverrides;
  /** How the command accepts a key: a replica followed to its primary, any state, any account… */
  readonly accept: DescribeOptions;
  /** `promote` over --all-primaries: keys whose primary is already here count as done. */
  readonly movedTo?: string;
  /** A fleet, after the selection and before any change: every key checked; one usage error naming all. */
  check?(keys: readonly SelectedKey[], warn: (message: string) => void): void;
  /**
   * Before any change, once every key is known (a fleet's whole selection): a plan the person must
   * confirm; undefined: none (--yes, --dry-run). A refusal throws, as `check` does.
   */
  confirm?(keys: readonly SelectedKey[]): Confirmation | undefined;
  /** One key's work, from its primary on. A throw is that key's failure; a fleet's other keys go on. */
  runKey(key: SelectedKey, ctx: KeyContext): Promise<R>;
  /** The run is over: secrets held for it (key material) are dropped. */
  dispose?(): void;
}

/** One key's settled work, as the renderers and the document see it. */
export interface KeyRun<R> {
  readonly key: SelectedKey;
  /** Undefined: the key's work ended with `failure` before it had a result. */
  readonly result?: R;
  readonly failure?: ReportedError;
  readonly exitCode: ExitCode;
}

/** What a one-key run's closing view needs. */
export interface FinishContext {
  readonly mode: OutputMode;
  readonly paint: Paint;
  /** How to continue the run (the same command again, `wait`), for the hints. */
  readonly resume: ResumeOptions;
  readonly elapsedMs: number;
  readonly dryRun: boolean;
}

/** Text for the person and the data on stdout (status's table), as a renderer made them. */
export interface Output {
  readonly stdout: string;
  readonly stderr: string;
}

/** What a key's version-1 document is made of. */
export interface DocumentInput<O, R> {
  /** Undefined: the run ended before its key was resolved. */
  readonly key?: SelectedKey;
  /** Undefined: the key's work ended with `failure` before it had a result. */
  readonly result?: R;
  readonly failure?: ReportedError | null;
  readonly exitCode: ExitCode;
  /** Undefined: the command's flags could not be read (a usage error). */
  readonly options?: O;
  readonly dryRun: boolean;
  readonly warnings: readonly string[];
  readonly elapsedMs: number;
}

/** How a command's results look (render.ts). */
export interface Rendering<O, R, D> {
  /** One key's exit code, from its result (`stop`: the signal that cut the run short). */
  exitCode(result: R, stop: Stop | undefined): ExitCode;
  /** One key's version-1 document; a fleet's entry is this without the run's envelope. */
  document(run: DocumentInput<O, R>): D;
  /** The fields a fleet's document adds to its envelope (promote's `to`). */
  fleetHead?(options: O | undefined): Readonly<Record<string, unknown>>;
  /** The fleet's totals beyond the keys by outcome (per Region, or per outcome), from the documents. */
  totals(documents: readonly D[]): Readonly<Record<string, unknown>>;
  /** One settled key for the fleet's renderers. */
  view(run: KeyRun<R>, options: O | undefined): FleetKey;
  /** The line that says what a run over one key is about to do, from its `plan` event. */
  planLine?(event: Extract<ReplicaEvent, { type: "plan" }>, c: Paint, dryRun: boolean): string;
  /** The person's view at the end of a run over one key (its summary and hints, or status's table). */
  finish(run: KeyRun<R> | undefined, options: O, ctx: FinishContext): Output;
  /** The line a second signal leaves for a run over one key, from what its work knew. */
  stoppedLine?(stop: Stop, result: R): string;
  /** A fleet's data on stdout in text mode (status's table), when the command has any. */
  fleetOutput?(runs: readonly KeyRun<R>[], ctx: FinishContext): Output;
  /** How the fleet's live block and summary speak of this command. */
  readonly fleet: FleetLook;
}

/** A command's work: loaded only when it runs (its flags and help are all `--help` needs). */
export interface CommandWork<O, R, D> {
  /** Its own raw flags → typed options, once; a usage error names the flag. */
  parse(raw: RawFlags, ctx: ParseContext): Promise<O>;
  /** Is this a dry run (nothing will be changed)? */
  dryRun(options: O): boolean;
  /** What the command's errors say beyond the general advice: what a re-run of it does. */
  readonly advice: CommandAdvice;
  /** Local checks and warnings before any call, and how the keys will be worked on. */
  prepare(options: O, ctx: PrepareContext): Promise<RunPlan<R>>;
  readonly render: Rendering<O, R, D>;
}

/** A command of the registry, whatever its types: the runner works with each through its own. */
// The registry holds commands of different option and result types; the runner is generic over
// them, and each command only ever sees its own. `any` here is that existential, nothing more.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyWork = CommandWork<any, any, any>;

/** A command: its name, its flags and help, and its work (loaded when it runs). */
export interface CommandModule {
  readonly name: CommandName;
  /** A few words for the list of commands (`kms-replicate --help`). */
  readonly summary: string;
  /** What the command does, for its own --help and its page in docs/. */
  readonly description: string;
  /** What its page in docs/ says beyond --help (plain text, 80 columns), if anything. */
  readonly guide?: string;
  /** `replicate` is also what runs when no command is named. */
  readonly isDefault?: boolean;
  /** Works on a selection of keys (--key repeated, --keys-from, --all-primaries); else on one key. */
  readonly fleet: boolean;
  /** Adds its own options (first in its --help), its help text and its examples. */
  define(command: Commander): void;
  /** Its work: parse, prepare, run, render (src/commands/<name>/run.ts). */
  load(): Promise<AnyWork>;
}

/** A command ready to run: its module and its work. */
export type Loaded = CommandModule & AnyWork;
