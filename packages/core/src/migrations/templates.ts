import path from 'node:path';
import { markAlike, problem, type Alike, type Problem } from '../errors.js';
import { ereLiteral, fileArgs, shellQuote } from './shell.js';
import { withoutComments } from '../analysis/statements.js';

/**
 * Migrations written for a tool that renders them before they run: Go's text/template
 * (gobuffalo/pop's fizz, supabase/auth's `{{ index .Options "Namespace" }}`), Jinja, Handlebars.
 * Bulkhead sends SQL as written, so such a file does not parse. One file is told where it stops
 * (runner/prepare.ts); a folder of them is told once, with the command that writes the values in.
 */

/** A template expression: `{{` then something that is not a number (`'{{1,2},{3,4}}'` is an array literal), then `}}`. */
const EXPRESSION = /\{\{-?\s*[^\s{}\d,][^{}]*?-?\}\}/g;

/** The template expressions a failing file holds, each once (comments left out), in order of appearance. */
export function templateExpressions(text: string): string[] {
  const code = withoutComments(text);
  return [...new Set(code.match(EXPRESSION) ?? [])];
}

/** The template expression on a line, if there is one. */
export function templateOn(line: string): string | undefined {
  return line.match(EXPRESSION)?.[0];
}

/**
 * Mark a syntax error as a template's: two or more files of one folder are told as one problem
 * (errors.ts groupAlike) — how many, which expressions, and a sed command that writes each
 * expression's value in (a placeholder named after it, for the user to fill in).
 */
export function markTemplated(p: Problem, expressions: readonly string[]): Problem {
  return markAlike(p, `templates\u0000${p.module ?? ''}\u0000${path.dirname(p.file ?? '')}`, expressions, folderProblem);
}

function folderProblem(group: readonly Alike<readonly string[]>[]): Problem {
  // One sed expression per distinct template, whatever its spacing: `{{ .X }}` and `{{.X}}` alike.
  const byTokens = new Map<string, { shown: string; tokens: string[] }>();
  for (const { data: expressions } of group) {
    for (const e of expressions) {
      const tokens = e.replace(/^\{\{-?|-?\}\}$/g, '').trim().split(/\s+/);
      const key = tokens.join(' ');
      if (!byTokens.has(key)) byTokens.set(key, { shown: e, tokens });
    }
  }
  // Conditions and calls the other tool evaluates per database (focalboard's {{if .postgres}} …
  // {{end}}, {{addColumnIfNeeded "blocks" "root_id" …}}): no value to write in; a sed would leave
  // every database's branch in place.
  const logic = [...byTokens.values()].filter(({ tokens }) => isTemplateLogic(tokens));
  if (logic.length) return templateLogicProblem(group, [...byTokens.values()].map((t) => t.shown), logic.map((t) => t.shown));
  const used = new Set<string>();
  const edits = [...byTokens.values()].map(({ tokens }) => {
    // Named after the expression's last word: `index .Options "Namespace"` and `.Options.Namespace` are <Namespace>.
    const base = tokens.at(-1)!.split(/\W+/).filter(Boolean).at(-1) ?? 'value';
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}${i}`;
    used.add(name);
    const pattern = `\\{\\{-? *${tokens.map(ereLiteral).join(' +')} *-?\\}\\}`;
    return { name, sed: `-e ${shellQuote(`s/${pattern}/<${name}>/g`)}` };
  });
  return filledInFolderProblem(group, 'templates', [...byTokens.values()].map((t) => t.shown), edits, '');
}

/** Go's actions ({{if}}, {{else}}, {{end}}, {{range}}, …), Handlebars' blocks ({{#if}}, {{/if}}), or a call of a function other than index. */
function isTemplateLogic(tokens: readonly string[]): boolean {
  const first = tokens[0]!;
  if (/^(if|else|end|range|with|define|template|block|break|continue)$/.test(first) || /^[#/^]/.test(first)) return true;
  return tokens.length > 1 && /^[A-Za-z_]\w*$/.test(first) && first !== 'index' && first !== 'printf';
}

function templateLogicProblem(group: readonly Alike<unknown>[], shown: readonly string[], logic: readonly string[]): Problem {
  const module = group[0]!.problem.module;
  return folderOfFilledIn(group, 'templates another tool evaluates', shown, (folder) =>
    `${logic.slice(0, 3).join(', ')}${logic.length > 3 ? ' and the like' : ''} are conditions and calls that tool works out for each database, not values to write in: render the files for PostgreSQL with it (what its PostgreSQL branches give, its calls' SQL written out, e.g. ALTER TABLE … ADD COLUMN IF NOT EXISTS) and keep the rendered SQL as the migrations in ${folder}; a database it already migrated is adopted with bulkhead baseline ${module ?? '<module>'} --at <the last id>`,
  );
}

/**
 * A folder of files holding what another tool fills in before it runs them (templates,
 * placeholders): one problem, with a sed command that writes in a `<name>` for each, for the user
 * to replace by its value.
 */
function filledInFolderProblem(group: readonly Alike<unknown>[], what: 'templates' | 'placeholders', shown: readonly string[], edits: readonly { name: string; sed: string }[], note: string): Problem {
  return folderOfFilledIn(group, `${what} another tool fills in`, shown, (folder, files) =>
    `write in the value each ${what === 'templates' ? 'template' : 'placeholder'} stands for, e.g. in ${folder} (bash): sed -i -E ${edits.map((e) => e.sed).join(' ')} ${fileArgs(files)} — with ${edits.map((e) => `<${e.name}>`).join(', ')} replaced by what the other tool gave ${edits.length > 1 ? 'them' : 'it'} (${note}a value that differs per environment belongs in a TS migration reading it from process.env)`,
  );
}

/** The one problem of a folder of such files: how many, what they hold (`shown`), and the fix for the folder and its files. */
function folderOfFilledIn(group: readonly Alike<unknown>[], held: string, shown: readonly string[], fix: (folder: string, files: readonly string[]) => string): Problem {
  const folder = path.dirname(group[0]!.problem.file!);
  const files = [...new Set(group.map((g) => path.basename(g.problem.file!)))];
  return problem(
    'BH033',
    `${files.length} migration files hold ${held} before it runs them (${shown.slice(0, 3).join(', ')}${shown.length > 3 ? `, and ${shown.length - 3} more` : ''}), and do not parse: Bulkhead sends each file to the server as written`,
    { module: group[0]!.problem.module, file: folder, fix: fix(folder, files) },
  );
}

/**
 * River's schema placeholder (`CREATE TABLE /* TEMPLATE: schema *\/river_job`): River writes a
 * schema (`"queue".`) or nothing there before it runs a file. As a comment it is harmless, but
 * inside a string (`to_regclass('/* TEMPLATE: schema *\/river_migration')`) it is part of a name
 * that does not exist: such a folder fails part way through. Told before anything runs.
 */
const RIVER = /\/\*\s*TEMPLATE:\s*(\w+)\s*\*\//g;

/** The names of River's placeholders in a file (`schema`), each once. */
export function riverPlaceholders(text: string): string[] {
  return [...new Set([...text.matchAll(RIVER)].map((m) => m[1]!))];
}

/** A file with River's placeholders, told once for a folder of them. */
export function riverProblem(module: string, file: string, line: number, names: readonly string[]): Problem {
  return toldOncePerFolder('river', module, file, line, names, riverFolderProblem);
}

/**
 * One file's problem that a folder of such files tells once: `build` words it for the files and
 * the names (placeholders, variables) they hold — one file's now, the folder's where problems print.
 */
function toldOncePerFolder(kind: string, module: string, file: string, line: number, names: readonly string[], build: (module: string, folder: string, files: readonly string[], names: readonly string[]) => Problem): Problem {
  const folder = path.dirname(file);
  const one = build(module, folder, [path.basename(file)], names);
  const p = problem(one.code, one.message, { module, file, line, ...(one.fix ? { fix: one.fix } : {}) });
  return markAlike(p, `${kind}\u0000${module}\u0000${folder}`, names, (group) =>
    build(module, folder, [...new Set(group.map((g) => path.basename(g.problem.file!)))], [...new Set(group.flatMap((g) => g.data))]),
  );
}

function riverFolderProblem(module: string, folder: string, files: readonly string[], names: readonly string[]): Problem {
  const shown = names.map((n) => `/* TEMPLATE: ${n} */`).join(', ');
  const what = files.length === 1 ? `${files[0]} holds` : `${files.length} migration files hold`;
  return problem(
    'BH033',
    `${what} River's placeholders (${shown}), which River fills in with a schema before it runs a file; Bulkhead sends each file as written, and inside a string (to_regclass('/* TEMPLATE: schema */river_migration')) a placeholder is part of a name that does not exist`,
    {
      module,
      file: files.length === 1 ? path.join(folder, files[0]!) : folder,
      fix: `remove them (unqualified names go to the module's database's search_path, a schema tenant's schema), e.g. in ${folder} (bash): sed -i -E ${shellQuote('s#/\\* *TEMPLATE: *\\w+ *\\*/##g')} ${fileArgs(files)}`,
    },
  );
}

/** goose's `-- +goose ENVSUB ON`: the lines after it (to `ENVSUB OFF`) are filled from the environment. */
const ENVSUB_ON = /^[ \t]*--[ \t]*\+goose[ \t]+ENVSUB[ \t]+ON\b/im;

/** The variables of a file's goose ENVSUB section (`${NAME}`, `${NAME:-default}`) and the section's line, if it has one. */
export function gooseEnvsub(text: string): { line: number; names: string[] } | undefined {
  const on = ENVSUB_ON.exec(text);
  if (!on) return undefined;
  // ${NAME} only: a bare $name is as likely a dollar quote's tag ($body$).
  const names = [...new Set([...text.slice(on.index).matchAll(/\$\{([A-Za-z_]\w*)[^}]*\}/g)].map((m) => m[1]!))];
  return { line: text.slice(0, on.index).split('\n').length, names };
}

/** A file with goose's ENVSUB section, told once for a folder of them. */
export function envsubProblem(module: string, file: string, line: number, names: readonly string[]): Problem {
  return toldOncePerFolder('envsub', module, file, line, names, envsubFolderProblem);
}

function envsubFolderProblem(module: string, folder: string, files: readonly string[], names: readonly string[]): Problem {
  const what = files.length === 1 ? `${files[0]} has` : `${files.length} migration files have`;
  const vars = names.length ? ` (${names.map((n) => `\${${n}}`).join(', ')})` : '';
  return problem(
    'BH033',
    `${what} goose's -- +goose ENVSUB ON: goose fills its variables${vars} from the environment before it runs the SQL; Bulkhead sends SQL as written, so a variable is a syntax error, or inside a string those very characters`,
    {
      module,
      file: files.length === 1 ? path.join(folder, files[0]!) : folder,
      fix: `write the values in the SQL (and drop the ENVSUB lines); a value that differs per environment belongs in a TS migration reading process.env (knex.raw('GRANT SELECT ON t TO ??', [process.env.APP_ROLE]))`,
    },
  );
}

/**
 * An upper-case colon placeholder (graphile-worker's :GRAPHILE_WORKER_SCHEMA), not a cast's
 * `::TYPE`; after a cast it is the third colon (`null:::GRAPHILE_WORKER_SCHEMA.job_spec`).
 */
const PLACEHOLDER = /(?:(?<![:\w])|(?<=(?:^|[^:])::)):[A-Z][A-Z0-9_]*\b/gm;

/** The upper-case placeholder where a file stops parsing (column: 1-based, on `line`), if one is there. */
export function placeholderAt(line: string, column: number | undefined): string | undefined {
  if (column === undefined) return undefined;
  return /^:[A-Z][A-Z0-9_]*\b/.exec(line.slice(column - 1))?.[0];
}

/** The upper-case placeholders a file holds (comments left out), each once, in order of appearance. */
export function placeholdersIn(text: string): string[] {
  const code = withoutComments(text);
  return [...new Set(code.match(PLACEHOLDER) ?? [])];
}

/**
 * Mark a syntax error at a placeholder another tool fills in (graphile-worker writes its schema
 * for :GRAPHILE_WORKER_SCHEMA in each of its 19 files): a folder of such files is told as one
 * problem, with a sed command that writes each placeholder's value in.
 */
export function markPlaceholders(p: Problem, placeholders: readonly string[]): Problem {
  return markAlike(p, `placeholders\u0000${p.module ?? ''}\u0000${path.dirname(p.file ?? '')}`, placeholders, placeholderFolderProblem);
}

function placeholderFolderProblem(group: readonly Alike<readonly string[]>[]): Problem {
  const names = [...new Set(group.flatMap((g) => g.data))];
  const edits = names.map((n) => ({ name: n.slice(1), sed: `-e ${shellQuote(`s/(^|[^:[:alnum:]_]|::)${ereLiteral(n)}\\b/\\1<${n.slice(1)}>/g`)}` }));
  return filledInFolderProblem(group, 'placeholders', names, edits, "graphile-worker's schema is graphile_worker unless configured; ");
}
