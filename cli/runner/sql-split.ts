/**
 * Splits a migration file into statements the way `wrangler d1 migrations
 * apply` does (a port of wrangler's src/d1/splitter.ts and trimmer.ts, so the
 * runner need not import wrangler): `;` ends a statement except inside quotes,
 * `$tag$` blocks, comments and BEGIN … END / CASE … END bodies (triggers);
 * comments are dropped. test/node/runner-config.test.ts compares it with
 * wrangler's `unstable_splitSqlQuery` on every migration.
 */
export function splitSqlQuery(sql: string): string[] {
  const trimmed = trimTransaction(sql);
  if (!mayContainMultipleStatements(trimmed)) return [trimmed];
  const split = splitStatements(trimmed);
  return split.length === 0 ? [trimmed] : split;
}

/** D1 runs a migration in a transaction itself: one BEGIN TRANSACTION … COMMIT pair is dropped, more are refused. */
function trimTransaction(sql: string): string {
  if (!sql.includes("BEGIN TRANSACTION")) return sql;
  const trimmed = sql.replace("BEGIN TRANSACTION;", "").replace("COMMIT;", "");
  if (trimmed.includes("BEGIN TRANSACTION")) throw new Error("the SQL file contains several transactions; D1 runs each migration in a transaction itself");
  return trimmed;
}

function mayContainMultipleStatements(sql: string): boolean {
  const end = sql.trimEnd();
  const semicolon = end.indexOf(";");
  return semicolon !== -1 && semicolon !== end.length - 1;
}

function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let str = "";
  const compound: ((s: string) => boolean)[] = [];
  const it = sql[Symbol.iterator]();
  let next = it.next();
  while (!next.done) {
    const char = next.value;
    if (compound[0]?.(str + char)) compound.shift();
    switch (char) {
      case "'":
      case '"':
      case "`":
        str += char + consumeUntil(it, char);
        break;
      case "$": {
        const quote = `$${consumeWhile(it, isDollarQuoteIdentifier)}`;
        str += quote;
        if (quote.endsWith("$")) str += consumeUntil(it, quote);
        break;
      }
      case "-":
        next = it.next();
        if (!next.done && next.value === "-") {
          consumeUntil(it, "\n");
          str += "\n";
          break;
        }
        str += char;
        continue;
      case "/":
        next = it.next();
        if (!next.done && next.value === "*") {
          consumeUntil(it, "*/");
          break;
        }
        str += char;
        continue;
      case ";":
        if (compound.length === 0) {
          statements.push(str);
          str = "";
        } else {
          str += char;
        }
        break;
      default:
        str += char;
    }
    if (/\s(BEGIN|CASE)\s$/i.test(str)) compound.unshift((s) => /\sEND[;\s]$/.test(s));
    next = it.next();
  }
  statements.push(str);
  return statements.map((s) => s.trim()).filter((s) => s.length > 0);
}

function consumeWhile(it: Iterator<string>, keepGoing: (s: string) => boolean): string {
  let next = it.next();
  let str = "";
  while (!next.done) {
    str += next.value;
    if (!keepGoing(str)) break;
    next = it.next();
  }
  return str;
}

function consumeUntil(it: Iterator<string>, marker: string): string {
  return consumeWhile(it, (s) => !s.endsWith(marker));
}

function isDollarQuoteIdentifier(str: string): boolean {
  const last = str.slice(-1);
  return last !== "$" && (/[0-9_]/i.test(last) || last.toLowerCase() !== last.toUpperCase());
}
