// --query EXPRESSION: a JMESPath expression applied to the JSON document of any command and any
// document version, as the AWS CLI's `--output json --query` applies it to an API's answer. Every
// writer of the document (the runner at the end, a second signal, a usage error) goes through
// writeDocument, so a new document version gets the query with no code of its own.
//
// The library: @aws-lambda-powertools/jmespath (Powertools for AWS Lambda, maintained by AWS,
// MIT-0), pinned exactly. It is a port of jmespath.py, the library the AWS CLI itself uses, and its
// errors say where the expression went wrong ("parse error at column 5"), as jmespath.py's do. The
// alternatives: `jmespath` 0.16.0, the reference JS implementation, last released in January 2022,
// accepts invalid expressions (`a.`, `'abc`) and gives no position; `@jmespath-community/jmespath`
// is maintained, but MPL-2.0 and a superset of the specification (`let`, arithmetic, `items()`):
// `foo-bar` is a subtraction there and a lexer error in the AWS CLI. The library is 72 KB of the
// bundle (its own chunk, not minified), imported only when --query is given: --help and --version
// never load it.
import { usageError, type ReplicateError } from "../core/errors.js";
import { renderJsonValue, type KmsReplicateDocument } from "./document.js";
import type { RawGlobalFlags } from "./globals.js";
import { functionNames, withLegacyLiterals } from "./query-text.js";
import type * as JmespathModule from "@aws-lambda-powertools/jmespath";

type Jmespath = typeof JmespathModule;
/** Any JSON value (the package names it JSONObject). */
type JSONObject = Parameters<Jmespath["search"]>[1];

/** A valid expression, ready to apply to a document. */
export interface JsonQuery {
  readonly expression: string;
  /** The expression's result, or why it could not be evaluated on this document. */
  apply(document: unknown): { readonly value: unknown } | { readonly problem: string };
}

/** What the flags asked for: no query, a valid one, or a usage error to report before any call. */
export type QueryFlag =
  | { readonly query?: undefined; readonly error?: undefined }
  | { readonly query: JsonQuery; readonly error?: undefined }
  | { readonly query?: undefined; readonly error: ReplicateError };

const HINT =
  '--query takes a JMESPath expression, as the AWS CLI\'s --query does (docs/json.md, "Filtering with --query").';

/**
 * --query as given → a compiled query, or the usage error. --query implies --output json (see
 * defineGlobals); an explicit `-o text` with it is refused: text output is for people, and there
 * is no text form of an arbitrary JSON value here.
 */
export async function queryFlag(flags: Pick<RawGlobalFlags, "query" | "output">): Promise<QueryFlag> {
  if (flags.query === undefined) return {};
  if (flags.output === "text") {
    return {
      error: usageError(
        "--query filters the JSON document, and --output text asks for no JSON document.",
        "Drop --output text (--query implies --output json).",
      ),
    };
  }
  return compileQuery(flags.query);
}

/** Parse the expression now (before any call, before any file is read): a bad one is a usage error. */
export async function compileQuery(expression: string): Promise<QueryFlag> {
  const jmespath = await import("@aws-lambda-powertools/jmespath");
  const source = withLegacyLiterals(expression);
  // The library's messages end with "in expression: " and the expression it was given.
  const asTyped = (message: string): string =>
    message.replace(`in expression: ${source}`, `in expression: ${expression}`);
  const syntax = syntaxError(jmespath, source);
  if (syntax !== undefined) return { error: usageError(`Bad value for --query: ${asTyped(syntax)}`, HINT) };
  const unknown = functionNames(expression).filter((name) => !knownFunction(jmespath, name));
  if (unknown.length > 0) {
    return {
      error: usageError(
        `Bad value for --query: unknown function ${unknown.map((n) => `${n}()`).join(", ")} in expression: ${expression}`,
        HINT,
      ),
    };
  }
  return {
    query: {
      expression,
      apply(document) {
        try {
          return { value: jmespath.search(source, document as JSONObject) };
        } catch (error) {
          return { problem: asTyped(error instanceof Error ? error.message : String(error)) };
        }
      },
    },
  };
}

/**
 * The package exports search() but not its parser: searching null parses the expression (the parse
 * is cached for the real search) and reports a syntax error as LexerError, ParseError (and its
 * IncompleteExpressionError) or EmptyExpressionError. An error of evaluation on null (a type, an
 * arity) says nothing about the document to come.
 */
function syntaxError(jmespath: Jmespath, expression: string): string | undefined {
  try {
    jmespath.search(expression, null);
    return undefined;
  } catch (error) {
    const syntax =
      error instanceof jmespath.LexerError ||
      error instanceof jmespath.ParseError ||
      error instanceof jmespath.EmptyExpressionError;
    return syntax ? error.message : undefined;
  }
}

/** A function is looked up only when it is evaluated: ask the library about each name used. */
function knownFunction(jmespath: Jmespath, name: string): boolean {
  try {
    jmespath.search(`${name}()`, null);
    return true;
  } catch (error) {
    return !(error instanceof jmespath.UnknownFunctionError);
  }
}

/** What goes to stdout (the document, or the query's result), and a line for stderr if the query failed. */
export interface DocumentText {
  readonly stdout: string;
  readonly stderr?: string;
}

/**
 * The document as written on stdout, or the query's result as JSON (a string quoted, null as
 * `null`, as `aws --output json --query` prints them), with the same escaping (renderJsonValue).
 * The query sees the document exactly as it would be written (JSON.parse of its JSON). An
 * expression that fails on this document (a function given the wrong type) writes null, and says
 * why on stderr; the exit code stays the run's.
 */
export function writeDocument(document: KmsReplicateDocument, query: JsonQuery | undefined): DocumentText {
  if (query === undefined) return { stdout: renderJsonValue(document) };
  const applied = query.apply(JSON.parse(JSON.stringify(document)));
  if ("value" in applied) return { stdout: renderJsonValue(applied.value) };
  return {
    stdout: renderJsonValue(null),
    stderr: `kms-replicate: --query could not be applied to the document (${applied.problem}); stdout has null.\n`,
  };
}
