import fs from 'node:fs';
import { datedNote, plural, redact, repairNotes, type Problem } from '@bulkhead/core/base';
import type { DriftResult, LintResult, MigrateResult, MigrationFailure, ValidateResult, VerifyResult } from '@bulkhead/core';
import { statusCounts } from './render.js';

/**
 * GitHub Actions (a job sets GITHUB_ACTIONS=true): what went wrong is also told as annotations —
 * workflow commands (`::error file=…,line=…,title=…::…`) that GitHub shows on the run's page and
 * beside the line in a pull request's files — and a run's outcome is written to the job summary
 * (the Markdown file GITHUB_STEP_SUMMARY names), where a release pipeline's reader finds which
 * module applied what, and which failed where, without opening the log. Passwords are redacted in
 * both, as in every output.
 */
export function inGitHubActions(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/** A result of a command, or the problems that refused it before anything ran (exit 2). */
export type Reported = { command: string; exitCode: number } | { command: string; problems: readonly Problem[] };

/** Where annotations go (stdout, as GitHub documents; stderr under --json, which the runner reads too). */
export type Emit = (line: string) => void;

/** Annotations and the job summary for `reported`; nothing outside GitHub Actions. */
export function reportToGitHub(reported: Reported, emit: Emit, env: NodeJS.ProcessEnv = process.env): void {
  if (!inGitHubActions(env)) return;
  const told = tell(reported);
  for (const a of told?.annotations ?? []) emit(a);
  appendSummary(told?.summary, env);
}

/** The annotations for `reported` (none outside GitHub Actions): for a caller that places them itself (an Nx task's output). */
export function githubAnnotations(reported: Reported, env: NodeJS.ProcessEnv = process.env): string[] {
  return inGitHubActions(env) ? (tell(reported)?.annotations ?? []) : [];
}

/** Append `reported`'s section to the job summary, under GitHub Actions with GITHUB_STEP_SUMMARY set. */
export function writeJobSummary(reported: Reported, env: NodeJS.ProcessEnv = process.env): void {
  if (inGitHubActions(env) && env.GITHUB_STEP_SUMMARY) appendSummary(tell(reported)?.summary, env);
}

function appendSummary(summary: string | undefined, env: NodeJS.ProcessEnv): void {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file || !summary) return;
  try {
    fs.appendFileSync(file, `${redact(summary)}\n`);
  } catch {
    // A summary that cannot be written costs the summary, never the run's result.
  }
}

function tell(reported: Reported): { annotations: string[]; summary?: string } | undefined {
  if ('problems' in reported && !('exitCode' in reported)) return refused(reported.command, reported.problems);
  const r = reported as { command: string };
  switch (r.command) {
    case 'up':
    case 'down':
      return run(r as MigrateResult);
    case 'validate':
      return validated(r as ValidateResult);
    case 'verify':
      return verified(r as VerifyResult);
    case 'drift':
      return drifted(r as DriftResult);
    case 'lint':
      return linted(r as LintResult);
    default:
      return undefined;
  }
}

/** A workflow command: `::error file=…,line=…,col=…,title=…::message`, escaped as the runner reads it. */
export function annotation(level: 'error' | 'warning', message: string, at: { file?: string; line?: number; column?: number; title?: string } = {}): string {
  const esc = (t: string) => redact(t).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (t: string) => esc(t).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const props = [at.file && `file=${prop(at.file)}`, at.file && at.line && `line=${at.line}`, at.file && at.line && at.column && `col=${at.column}`, at.title && `title=${prop(at.title)}`].filter(Boolean).join(',');
  return `::${level}${props ? ` ${props}` : ''}::${esc(message)}`;
}

const problemAnnotation = (level: 'error' | 'warning', p: Problem) =>
  annotation(level, `${p.module ? `${p.module}: ` : ''}${p.message}${p.fix ? `. Fix: ${p.fix}` : ''}`, { file: p.file, line: p.line, column: p.column, title: `Bulkhead ${p.code}` });

/** Markdown: a table cell's text (one line, pipes escaped), and inline code. */
const cell = (t: string) => t.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
const code = (t: string) => `\`${t.replace(/`/g, "'").replace(/\r?\n/g, ' ')}\``;

/** A list of lines in one annotation: the first five, `; `-joined. */
const firstLines = (lines: readonly string[]) => `${lines.slice(0, 5).join('; ')}${lines.length > 5 ? '; …' : ''}`;

/** Lines as a Markdown list, at most 30. */
const bullets = (lines: readonly string[]) => capped(lines, 30, (l) => `- ${cell(l)}`, (n) => `- … and ${n} more`);

/** At most `max` of `items` rendered, with a line saying how many more (a run over thousands of tenants). */
function capped<T>(items: readonly T[], max: number, line: (x: T) => string, more: (n: number) => string): string[] {
  const out = items.slice(0, max).map(line);
  if (items.length > max) out.push(more(items.length - max));
  return out;
}

function problemList(problems: readonly Problem[]): string[] {
  return capped(
    problems,
    50,
    (p) => `- **${p.code}**${p.module ? ` ${code(p.module)}` : ''}${p.file ? ` ${code(p.line ? `${p.file}:${p.line}` : p.file)}` : ''}: ${cell(p.message)}${p.fix ? `<br>fix: ${cell(p.fix)}` : ''}`,
    (n) => `- … and ${n} more (\`--json\` lists them all)`,
  );
}

function refused(command: string, problems: readonly Problem[]) {
  return {
    annotations: problems.map((p) => problemAnnotation('error', p)),
    summary: [`### Bulkhead ${command}: refused before anything ran (exit 2)`, '', ...problemList(problems), ''].join('\n'),
  };
}

const STATUS: Record<string, string> = {
  applied: '✅ applied',
  reverted: '✅ reverted',
  'up-to-date': 'up to date',
  'nothing-to-revert': 'nothing to revert',
  failed: '❌ failed',
  skipped: '⏭️ skipped',
};

function failureAnnotation(command: string, unit: string, f: MigrationFailure): string {
  const kept = f.partial ? 'it ran outside a transaction: the statements before the failing one remain, see bulkhead status' : 'rolled back: nothing of it remains';
  return annotation('error', `${unit}: ${f.message}${f.pgCode ? ` [${f.pgCode}]` : ''}${f.detail ? `. ${f.detail}` : ''}${f.fix ? `. Fix: ${f.fix}` : ''} (${kept})`, {
    file: f.file,
    line: f.line,
    title: `bulkhead ${command}: ${f.migration} failed${f.statement ? ` at statement ${f.statement}` : ''}`,
  });
}

function run(r: MigrateResult) {
  const annotations: string[] = [];
  for (const m of r.modules) {
    if (m.failure) annotations.push(failureAnnotation(r.command, m.unit, m.failure));
    for (const p of m.problems ?? []) annotations.push(problemAnnotation('error', p));
  }
  const verb = r.command === 'up' ? 'applied' : 'reverted';
  const what = r.modules.some((m) => m.tenant !== undefined) ? 'units' : 'modules';
  const heading = `### Bulkhead ${r.command}${r.dryRun ? ' (dry run, nothing changed)' : ''}: ${statusCounts(r.modules) || `no ${what}`}`;
  // Units with nothing to do are counted, not listed (a module may have thousands of tenants).
  const busy = r.modules.filter((m) => m.migrations.length || m.failure || m.problems?.length || m.status === 'failed' || m.status === 'skipped');
  const idle = r.modules.length - busy.length;
  const rows = capped(
    busy,
    200,
    (m) => {
      const ids = m.migrations.map((x) => x.id);
      const shown = ids.length > 4 ? `${ids.length}: ${code(ids[0]!)} … ${code(ids.at(-1)!)}` : ids.map(code).join(', ');
      const status = m.status === 'skipped' ? `${STATUS.skipped} (${m.skipReason === 'dependency' || !m.skipReason ? `depends on ${m.skippedBecause}` : `${m.skipReason}: ${m.skippedBecause}`})` : r.dryRun && m.migrations.length ? `would be ${verb}` : (STATUS[m.status] ?? m.status);
      return `| ${code(m.unit)} | ${cell(status)} | ${shown || '–'} | ${m.durationMs === undefined ? '–' : `${m.durationMs} ms`} |`;
    },
    (n) => `| … | ${n} more | | |`,
  );
  const lines = [heading, ''];
  if (r.runId && !r.dryRun && r.command === 'up') lines.push(`Run id ${code(r.runId)} (the history tables' \`run_id\`).`, '');
  if (rows.length) lines.push(`| ${what === 'units' ? 'unit' : 'module'} | status | migrations | time |`, '|---|---|---|---|', ...rows, '');
  if (idle) lines.push(`${plural(idle, what === 'units' ? 'unit' : 'module')} with nothing to do.`, '');
  for (const m of r.modules) {
    const f = m.failure;
    if (f) {
      lines.push(`**${m.unit}**: ${code(f.migration)} failed at ${code(`${f.file}${f.line ? `:${f.line}` : ''}`)}${f.statement ? ` (statement ${f.statement})` : ''}: ${cell(f.message)}${f.pgCode ? ` [${f.pgCode}]` : ''}`);
      if (f.fix) lines.push(`<br>fix: ${cell(f.fix)}`);
      lines.push(`<br>${f.partial ? `it ran outside a transaction: the statements before the failing one remain; once fixed, \`bulkhead ${r.command} --resume\`` : 'rolled back: nothing of this migration remains'}`, '');
    }
    if (m.problems?.length) lines.push(`**${m.unit}**: stopped before running`, ...problemList(m.problems), '');
  }
  return { annotations, summary: lines.join('\n') };
}

function validated(r: ValidateResult) {
  const annotations = [...r.problems.map((p) => problemAnnotation('error', p)), ...r.warnings.map((p) => problemAnnotation('warning', p))];
  if (!r.problems.length) return { annotations, ...(r.warnings.length ? { summary: [`### Bulkhead validate: ok, ${plural(r.warnings.length, 'warning')}`, '', ...problemList(r.warnings), ''].join('\n') } : {}) };
  return { annotations, summary: [`### Bulkhead validate: ${plural(r.problems.length, 'problem')} (exit 2)`, '', ...problemList(r.problems), ''].join('\n') };
}

function verified(r: VerifyResult) {
  const annotations: string[] = [];
  const lines = [`### Bulkhead verify: ${r.modules.filter((m) => m.status === 'findings').length ? '❌ not reversible' : '✅ reversible'}`, '', '| module | result | migrations |', '|---|---|---|'];
  for (const m of r.modules) lines.push(`| ${code(m.module)} | ${m.status === 'findings' ? `❌ ${plural(m.findings.length, 'finding')}` : m.status === 'reversible' ? '✅ reversible' : 'no migrations'} | ${m.migrations} |`);
  lines.push('');
  for (const m of r.modules) {
    for (const f of m.findings) {
      const file = f.file ?? f.leftBy?.[0]?.file;
      annotations.push(annotation('error', `${m.module}: ${f.message}${f.lines?.length ? `: ${firstLines(f.lines)}` : ''}${f.fix ? `. Fix: ${f.fix}` : ''}`, { file, line: f.file ? f.line : undefined, title: `bulkhead verify: ${m.module}` }));
    }
    if (m.findings.length) lines.push(`**${m.module}**`, ...bullets(m.findings.map((f) => f.message)), '');
  }
  return { annotations, summary: lines.join('\n') };
}

function drifted(r: DriftResult) {
  // A drifting tenant is told in its group (the module's tenants with the same differences).
  const drifting = r.units.filter((u) => u.status === 'drift' && u.tenant === undefined);
  const lines = [`### Bulkhead drift: ${drifting.length || r.groups.length ? '❌ drift' : '✅ no drift'}`, ''];
  const annotations: string[] = [];
  for (const u of drifting) {
    annotations.push(annotation('error', `${u.unit}: ${plural(u.lines.length, 'difference')} from what its applied migrations build: ${firstLines(u.lines)}`, { title: `bulkhead drift: ${u.unit}` }));
    lines.push(`**${u.unit}**: ${plural(u.lines.length, 'difference')}`, ...bullets(u.lines), '');
    if (u.dated) lines.push(`> ${datedNote(u.dated)}`, '');
    // With --sql, the statements of both ways in collapsed blocks (a review comment's worth of SQL).
    if (u.sql) {
      for (const [title, sql] of [['Undo it on the database', u.sql.undo], ['Keep it: a new migration', u.sql.keep]] as const) {
        lines.push(`<details><summary>${title}</summary>`, '', '```sql', ...sql.statements, ...repairNotes(sql), '```', '</details>', '');
      }
    }
  }
  for (const g of r.groups) {
    const tenants = `${g.module}@{${g.tenants.slice(0, 10).join(', ')}${g.tenants.length > 10 ? `, … ${g.tenants.length} in all` : ''}}`;
    annotations.push(annotation('error', `${tenants}: ${plural(g.lines.length, 'difference')} from what their applied migrations build: ${firstLines(g.lines)}`, { title: `bulkhead drift: ${g.module}` }));
    lines.push(`**${cell(tenants)}**`, ...bullets(g.lines), '');
  }
  return { annotations, summary: lines.join('\n') };
}

function linted(r: LintResult) {
  const annotations = r.findings.map((f) => annotation(f.severity === 'error' ? 'error' : 'warning', `${f.message}. Fix: ${f.fix}`, { file: f.file, line: f.line, column: f.column, title: `${f.code} ${f.rule}` }));
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  const lines = [`### Bulkhead lint: ${plural(errors, 'error')}, ${plural(r.findings.length - errors, 'warning')} (${plural(r.files, 'file')}, ${plural(r.statements, 'statement')})`, ''];
  if (r.findings.length) {
    lines.push('| where | rule | finding |', '|---|---|---|');
    lines.push(...capped(r.findings, 100, (f) => `| ${code(`${f.file}:${f.line}`)} | ${f.severity === 'error' ? '❌' : '⚠️'} ${f.code} ${f.rule} | ${cell(f.message)} |`, (n) => `| … | | ${n} more (\`--format sarif\` for code scanning) |`), '');
  }
  return { annotations, summary: lines.join('\n') };
}
