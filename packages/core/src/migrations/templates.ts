import path from 'node:path';
import { markAlike, problem, type Alike, type Problem } from '../errors.js';
import { ereLiteral, fileArgs, shellQuote } from './shell.js';

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
  const code = text.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, '');
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
  const folder = path.dirname(group[0]!.problem.file!);
  const files = [...new Set(group.map((g) => path.basename(g.problem.file!)))];
  // One sed expression per distinct template, whatever its spacing: `{{ .X }}` and `{{.X}}` alike.
  const byTokens = new Map<string, { shown: string; tokens: string[] }>();
  for (const { data: expressions } of group) {
    for (const e of expressions) {
      const tokens = e.replace(/^\{\{-?|-?\}\}$/g, '').trim().split(/\s+/);
      const key = tokens.join(' ');
      if (!byTokens.has(key)) byTokens.set(key, { shown: e, tokens });
    }
  }
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
  const shown = [...byTokens.values()].map((t) => t.shown);
  const list = fileArgs(files);
  return problem(
    'BH033',
    `${files.length} migration files hold templates another tool fills in before it runs them (${shown.slice(0, 3).join(', ')}${shown.length > 3 ? `, and ${shown.length - 3} more` : ''}), and do not parse: Bulkhead sends each file to the server as written`,
    {
      module: group[0]!.problem.module,
      file: folder,
      fix: `write in the value each template stands for, e.g. in ${folder} (bash): sed -i -E ${edits.map((e) => e.sed).join(' ')} ${list} — with ${edits.map((e) => `<${e.name}>`).join(', ')} replaced by what the other tool gave ${edits.length > 1 ? 'them' : 'it'} (a value that differs per environment belongs in a TS migration reading it from process.env)`,
    },
  );
}

