// `kms-replicate completion bash|zsh|fish` as a user loads it: the built bin on PATH, the script
// sourced by the real shell, then a completion asked for. bash always; zsh and fish when installed,
// and in CI always: .ci/run installs them, and with `CI` set a missing one fails instead of skipping.
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, runCli } from "./run-cli.js";

const exec = promisify(execFile);
const has = (shell: string): boolean => spawnSync(shell, ["-c", "exit 0"]).status === 0;
const inCi = (process.env.CI ?? "") !== "" && process.env.CI !== "false";
/** zsh and fish: when installed, and in CI always (.ci/run installs them; a missing one fails there). */
const runs = (shell: string): boolean => inCi || has(shell);

// A folder with `kms-replicate` in it, first on PATH, as after `npm install -g`.
const pathDir = mkdtempSync(join(tmpdir(), "kms-replicate-completion-"));
symlinkSync(BIN, join(pathDir, "kms-replicate"));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: [pathDir, dirname(process.execPath), process.env.PATH ?? ""].join(delimiter),
  NO_COLOR: "1",
  HOME: pathDir,
  XDG_CONFIG_HOME: pathDir,
};

afterAll(() => rmSync(pathDir, { recursive: true, force: true }));

async function shell(name: string, script: string): Promise<string> {
  const { stdout } = await exec(name, ["-c", script], { env, timeout: 20_000 });
  return stdout;
}

/** Every flag the real `--help` pages show: the scripts must offer each one. */
async function helpFlags(): Promise<{ commands: string[]; flags: Map<string, string[]> }> {
  const root = await runCli(["--help"]);
  const section = root.stdout.split("\nCommands:\n")[1]?.split("\n\n")[0] ?? "";
  const commands = [...section.matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1] ?? "");
  const flags = new Map<string, string[]>();
  for (const command of ["", ...commands]) {
    const page = command === "" ? root : await runCli([command, "--help"]);
    flags.set(command, [
      ...new Set([...page.stdout.matchAll(/(?<=^ {2}|, |\/)(--?[a-zA-Z][\w-]*)/gm)].map((m) => m[1] ?? "")),
    ]);
  }
  return { commands, flags };
}

describe("kms-replicate completion", () => {
  it("prints a script for each shell (exit 0) and refuses an unknown shell (exit 2)", async () => {
    for (const name of ["bash", "zsh", "fish"]) {
      const run = await runCli(["completion", name]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`${name} completion for kms-replicate`);
    }
    const bad = await runCli(["completion", "tcsh"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("bash, zsh, fish");
    expect(bad.stdout).toBe("");
  });

  it("every command and flag of the real --help pages is in every script", async () => {
    const { commands, flags } = await helpFlags();
    expect(commands).toEqual(expect.arrayContaining(["wait", "status", "completion"]));
    expect([...flags.values()].flat()).toEqual(
      expect.arrayContaining(["--key", "--regions", "--output", "-V", "--copy-all", "--timeout"]),
    );
    for (const name of ["bash", "zsh", "fish"]) {
      const script = (await runCli(["completion", name])).stdout;
      for (const command of commands) expect(script).toContain(command);
      for (const flag of [...flags.values()].flat()) {
        const fishSpelling = flag.startsWith("--") ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`;
        expect(script).toContain(name === "fish" ? fishSpelling : flag);
      }
    }
  });
});

describe("bash", () => {
  /** COMP_WORDS/COMP_CWORD as bash sets them for `words…` with the cursor at the end. */
  const complete = (words: string[]): Promise<string> =>
    shell(
      "bash",
      `source <(kms-replicate completion bash)
       COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}
       _kms_replicate; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ).then((out) => out.trim());

  it("registers a completion for kms-replicate", async () => {
    expect(await shell("bash", "source <(kms-replicate completion bash); complete -p kms-replicate")).toBe(
      "complete -o default -F _kms_replicate kms-replicate\n",
    );
  });

  it("completes --output's choices, commands, flags of a command, and Region IDs", async () => {
    expect(await complete(["kms-replicate", "--output", ""])).toBe("text\njson");
    expect(await complete(["kms-replicate", "--output", "=", "j"])).toBe("json");
    expect(await complete(["kms-replicate", "sta"])).toBe("status");
    expect(await complete(["kms-replicate", "wait", "--ti"])).toBe("--timeout");
    // flags of another command are not offered
    expect(await complete(["kms-replicate", "status", "--copy"])).toBe("");
    expect((await complete(["kms-replicate", "--copy-"])).split("\n")).toContain("--copy-all");
    expect(await complete(["kms-replicate", "--region", "us-gov-w"])).toBe("us-gov-west-1");
    expect(await complete(["kms-replicate", "--regions", "eu-west-1,ap-southeast-"])).toContain(
      "eu-west-1,ap-southeast-2",
    );
    expect(await complete(["kms-replicate", "completion", "z"])).toBe("zsh");
  });
});

describe.skipIf(!runs("zsh"))("zsh", () => {
  it("registers _kms_replicate with compdef, and offers choices and Regions", async () => {
    expect(
      await shell(
        "zsh",
        "autoload -U compinit; compinit -u -D; source <(kms-replicate completion zsh); print -r -- $_comps[kms-replicate]",
      ),
    ).toBe("_kms_replicate\n");
    // The completion builtins work only inside a completion widget: recorded by stand-ins here.
    const offered = (words: string[]): Promise<string> =>
      shell(
        "zsh",
        `compdef() { :; }; source <(kms-replicate completion zsh)
         compadd() { print -r -- "compadd $*"; }; compset() { :; }; _describe() { print -r -- "_describe $*"; }
         words=(${words.map((w) => `'${w}'`).join(" ")}); CURRENT=${words.length}; _kms_replicate`,
      );
    expect(await offered(["kms-replicate", "--output", ""])).toBe("compadd -- text json\n");
    expect(await offered(["kms-replicate", "--regions", "eu-west-1,"])).toBe("compadd -a regions\n");
    expect(await offered(["kms-replicate", "wait", "--"])).toBe("_describe -t options option opts\n");
  });
});

describe.skipIf(!runs("fish"))("fish", () => {
  it("completes --output's choices, commands and Region IDs (complete -C)", async () => {
    const complete = (line: string): Promise<string[]> =>
      shell("fish", `kms-replicate completion fish | source; complete -C '${line}'`).then((out) =>
        out
          .trim()
          .split("\n")
          .map((l) => l.split("\t")[0] ?? ""),
      );
    expect((await complete("kms-replicate --output ")).sort()).toEqual(["json", "text"]);
    expect(await complete("kms-replicate sta")).toEqual(["status"]);
    expect(await complete("kms-replicate wait --ti")).toEqual(["--timeout"]);
    expect(await complete("kms-replicate --regions eu-west-1,ap-southeast-")).toContain(
      "eu-west-1,ap-southeast-2",
    );
    expect((await complete("kms-replicate completion ")).sort()).toEqual(["bash", "fish", "zsh"]);
  });
});
