/**
 * Commands that turn another tool's JS/TS migrations into SQL files, run in their folder (a fix's
 * command, BH017). Each file is loaded and its up and down are called with a stand-in for the
 * tool's object that records the SQL handed to it; a file that does anything else (a schema call,
 * SQL with parameters, a property of the object read: its connection's options) is left as it is
 * and named, and so is one that sends a query returning rows
 * (SELECT, WITH, RETURNING, …): the stand-in returns none, and code acting on the rows would be
 * converted as if there were none. The originals move to
 * a dot-folder (never read); TypeScript loads through tsx where the project has it.
 */

/** How one tool hands over SQL, and how its files are read. */
interface ToolShape {
  /** The stand-in's method that takes one SQL text (db.runSql, pgm.sql, queryRunner.query), a dotted path below it (sequelize.query). */
  sql: string;
  /** Options the SQL method may be given beside the text (Sequelize's { transaction }). */
  options?: string[];
  /** A method that runs a callback in a transaction, given a handle (sequelize.transaction(async (t) => …)). */
  transaction?: string;
  /** A method that marks the migration as run outside a transaction (pgm.noTransaction()). */
  noTransaction?: string;
  /** The migration is an exported class with up/down methods (TypeORM), not exported functions. */
  classes?: boolean;
  /**
   * up and down get a Kysely instance that compiles PostgreSQL and runs nothing (its DummyDriver),
   * from the project's own kysely: every query it would send is its SQL.
   */
  kysely?: boolean;
  /** Where the originals go. */
  keep: string;
  /** What the files look like, for the fix's words. */
  files: string;
}

const TOOLS: Readonly<Record<string, ToolShape>> = {
  // db.runSql(sql[, callback]); db-migrate's SQL-file template reads sqls/<id>-up.sql itself and
  // hands it over (that folder moves with the originals).
  'db-migrate': { sql: 'runSql', keep: '.db-migrate', files: 'up and down only run db.runSql(sql)' },
  'node-pg-migrate': { sql: 'sql', noTransaction: 'noTransaction', keep: '.node-pg-migrate', files: 'up and down only run pgm.sql(sql) (pgm.noTransaction() becomes -- bulkhead:no-transaction)' },
  // typeorm migration:generate writes nothing but queryRunner.query(`…`) calls.
  TypeORM: { sql: 'query', classes: true, keep: '.typeorm', files: 'up and down only run queryRunner.query(sql) (transaction = false becomes -- bulkhead:no-transaction)' },
  // queryInterface.sequelize.query(sql, { transaction }), inside sequelize.transaction(…) or not.
  'Sequelize (umzug)': { sql: 'sequelize.query', options: ['transaction', 'raw', 'logging'], transaction: 'sequelize.transaction', keep: '.sequelize', files: 'up and down only run queryInterface.sequelize.query(sql)' },
  // Its schema builder and sql`…` compile without a database (immich's migrations are sql`…` alone).
  Kysely: { sql: '', kysely: true, keep: '.kysely', files: 'up and down only build schema changes or sql`…` without values (compiled by the project\'s kysely)' },
};

/** The script, one line, in single quotes for bash (so it holds none). TOOL is the ToolShape. */
const SCRIPT = [
  'const fs = require("fs"), path = require("path"); const T = TOOL;',
  'try { require("tsx/cjs"); } catch {}',
  'let K; if (T.kysely) { try { K = require(require.resolve("kysely", { paths: [process.cwd()] })); } catch { console.log("kysely is not installed where these migrations are: npm install kysely, then run this again"); process.exit(1); } }',
  '(async () => { const left = [], downless = []; fs.mkdirSync(T.keep, { recursive: true });',
  'for (const f of fs.readdirSync(".").filter((f) => /^\\d.*\\.[cm]?[jt]s$/.test(f) && !/\\.d\\.[cm]?ts$/.test(f)).sort()) {',
  'let m; const load = [() => require(path.resolve(f)), () => import(require("url").pathToFileURL(path.resolve(f)).href)]; if (!/ts$/.test(f)) load.reverse();',
  // The error that says why (a module it imports is missing), not the other loader's "Unknown file extension".
  'let err; for (const l of load) { try { m = await l(); err = undefined; break; } catch (e) { if (!err || /^ERR_(UNKNOWN_FILE_EXTENSION|REQUIRE_ESM|REQUIRE_ASYNC_MODULE)$/.test(err.code)) err = e; } }',
  'if (err) { left.push(f + " (cannot load: " + String(err instanceof Error ? err.message : err).split("\\n")[0] + ")"); continue; }',
  'let target = !T.classes && m && m.default && typeof m.default.up === "function" ? m.default : m; const noTx = { up: false, down: false };',
  'if (T.classes) { const C = Object.values(m).find((v) => typeof v === "function" && v.prototype && typeof v.prototype.up === "function"); if (!C) { left.push(f); continue; } target = new C(); if (target.transaction === false) noTx.up = noTx.down = true; }',
  'if (typeof target.setup === "function") target.setup({ dbmigrate: {} });',
  'const out = {}; let ok = true;',
  'const reads = (q) => { const t = q.replace(/^(\\s+|--[^\\n]*\\n?|\\/\\*[\\s\\S]*?\\*\\/)+/, ""); if (/^with\\b/i.test(t)) return !/\\)\\s*(insert|update|delete|merge)\\b/i.test(t) || /\\breturning\\b/i.test(t);',
  'return /^\\(*\\s*(select|show|values|table|fetch|explain)\\b/i.test(t) || /^(insert|update|delete|merge)\\b[\\s\\S]*\\breturning\\b/i.test(t); };',
  'for (const d of ["up", "down"]) { const fn = target[d]; if (typeof fn !== "function") continue; const sql = [];',
  'let handed; if (T.kysely) { const k = K;',
  'handed = new k.Kysely({ dialect: { createAdapter: () => new k.PostgresAdapter(), createDriver: () => new k.DummyDriver(), createIntrospector: (db) => new k.PostgresIntrospector(db), createQueryCompiler: () => new k.PostgresQueryCompiler() },',
  'log: (e) => { if (e.level !== "query") return; if (e.query.parameters.length || reads(e.query.sql)) ok = false; else sql.push(e.query.sql); } }); }',
  'else { const call = (p, a) => { while (a.length > 1 && a[a.length - 1] === undefined) a.pop();',
  'const cb = T.sql === "runSql" && typeof a[a.length - 1] === "function" ? a.pop() : undefined; const o = a[1];',
  'const bare = a.length === 1 || (Array.isArray(o) && !o.length) || (!!T.options && a.length === 2 && !!o && typeof o === "object" && !Array.isArray(o) && Object.keys(o).every((x) => T.options.includes(x)));',
  'if (p === T.sql && typeof a[0] === "string" && !reads(a[0]) && bare) sql.push(a[0]); else if (T.noTransaction && p === T.noTransaction && !a.length) noTx[d] = true;',
  'else if (T.transaction && p === T.transaction && typeof a[0] === "function") return Promise.resolve().then(() => a[0](node(""))); else ok = false;',
  'if (cb) cb(null); return Promise.resolve(); };',
  'const known = [T.sql, T.transaction, T.noTransaction].filter(Boolean);',
  'const node = (p) => new Proxy(function () {}, { get: (_, k) => { if (k === "then" || typeof k !== "string") return undefined; const q = p ? p + "." + k : k;',
  'if (!known.some((w) => w === q || w.startsWith(q + "."))) ok = false; return node(q); }, apply: (_, __, a) => call(p, a) });',
  'handed = node(""); }',
  'await new Promise((res) => { const t = setTimeout(() => { ok = false; res(); }, 2000); const end = (e) => { if (e) ok = false; clearTimeout(t); res(); };',
  'try { const r = fn.call(target, handed, end); if (r && typeof r.then === "function") r.then(() => end(), (e) => end(e || new Error())); else if (fn.length < 2) end(); } catch (e) { end(e); } });',
  'out[d] = (noTx[d] ? "-- bulkhead:no-transaction\\n" : "") + sql.map((s) => s.trim().replace(/;\\s*$/, "") + ";").join("\\n\\n"); if (!sql.length) delete out[d]; }',
  'if (!ok || !out.up) { left.push(f); continue; } const b = f.replace(/\\.[cm]?[jt]s$/, "");',
  // A down that ran but sent nothing (ozone's communication-template: dropTable(…) without .execute()): said, not passed over.
  'fs.writeFileSync(b + ".up.sql", out.up + "\\n"); if (out.down) fs.writeFileSync(b + ".down.sql", out.down + "\\n"); else if (typeof target.down === "function") downless.push(f); fs.renameSync(f, path.join(T.keep, f)); }',
  'if (fs.existsSync("sqls")) fs.renameSync("sqls", path.join(T.keep, "sqls"));',
  'if (downless.length) console.log("no down file written, as their down ran no SQL (empty, or a query built but never run) (" + downless.length + "): " + downless.join(" "));',
  'if (left.length) console.log("left to rewrite by hand (" + left.length + "): " + left.join(" ")); })();',
].join(' ');

/** The command that turns a folder of `tool`'s migrations into SQL files, with what it does; undefined for a tool without one. */
export function toSqlCommand(tool: string): { command: string; what: string } | undefined {
  const shape = TOOLS[tool];
  if (!shape) return undefined;
  const { files, ...given } = shape;
  return {
    command: `node -e '${SCRIPT.replace('TOOL', JSON.stringify(given))}'`,
    what: `for each file whose ${files}, writes <id>.up.sql and <id>.down.sql, moves the originals to ${shape.keep}/, and names the files left to rewrite by hand (schema calls, SQL with parameters, rows read and acted on)`,
  };
}
