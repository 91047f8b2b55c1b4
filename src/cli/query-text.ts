// What --query reads of an expression's text itself, before the JMESPath library parses it: its
// quoted parts, the functions it calls, and the AWS CLI's string literals in backticks.

/** A quoted part: a raw string ('…'), a quoted identifier ("…") or a JSON literal (`…`). */
interface Quoted {
  readonly quote: "'" | '"' | "`";
  /** The index of the opening quote. */
  readonly start: number;
  /** The index after the closing quote (the expression's length if it is not closed). */
  readonly end: number;
}

/** The quoted parts of an expression, in order; a backslash escapes the character after it. */
function quotedParts(expression: string): Quoted[] {
  const parts: Quoted[] = [];
  let i = 0;
  while (i < expression.length) {
    const quote = expression[i];
    if (quote !== "'" && quote !== '"' && quote !== "`") {
      i += 1;
      continue;
    }
    const start = i;
    i += 1;
    while (i < expression.length && expression[i] !== quote) i += expression[i] === "\\" ? 2 : 1;
    i = Math.min(i + 1, expression.length);
    parts.push({ quote, start, end: i });
  }
  return parts;
}

/** The expression with every quoted part blanked (same length): what is left is JMESPath syntax. */
function unquoted(expression: string): string {
  let text = expression;
  for (const { start, end } of quotedParts(expression)) {
    text = text.slice(0, start) + " ".repeat(end - start) + text.slice(end);
  }
  return text;
}

/** The names an expression calls: an unquoted identifier followed by `(`, outside quoted parts. */
export function functionNames(expression: string): string[] {
  const names = [...unquoted(expression).matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)].map((m) => m[1] ?? "");
  return [...new Set(names)];
}

/**
 * The AWS CLI's jmespath.py reads a JSON literal that is not JSON as a string (JEP 12's deprecated
 * form, without a warning unless Python shows PendingDeprecationWarning): `` [?role==`REPLICA`] ``
 * is `[?role=='REPLICA']` there, and AWS CLI users write it. The library follows the
 * specification and refuses it, so such a literal is rewritten as jmespath.py reads it: as a raw
 * string of the same length (`` `REPLICA` `` → `'REPLICA'`, leading blanks kept outside it), so
 * that the columns of an error still point into what was typed. A literal with a backslash or a
 * quote in it becomes a JSON string literal instead (jmespath.py reads its escapes; the columns
 * after it move). One that is not a JSON string either is left as typed, an error in both.
 */
export function withLegacyLiterals(expression: string): string {
  let text = expression;
  for (const { quote, start, end } of quotedParts(expression).reverse()) {
    if (quote !== "`" || expression[end - 1] !== "`" || end - start < 2) continue;
    const raw = expression.slice(start + 1, end - 1);
    const lexeme = raw.replace(/\\`/g, "`");
    if (parses(lexeme)) continue;
    const stripped = lexeme.trimStart();
    if (!parses(`"${stripped}"`)) continue;
    const blanks = lexeme.length - stripped.length;
    const replacement =
      raw === lexeme && !/['\\]/.test(raw)
        ? `${" ".repeat(blanks)}'${stripped}'`
        : `\`${JSON.stringify(JSON.parse(`"${stripped}"`)).replace(/`/g, "\\`")}\``;
    text = text.slice(0, start) + replacement + text.slice(end);
  }
  return text;
}

function parses(json: string): boolean {
  try {
    JSON.parse(json);
    return true;
  } catch {
    return false;
  }
}
