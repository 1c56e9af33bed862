import {
  describeBlocker,
  describeHolder,
  formatProblem,
  planToDot,
  planToMermaid,
  type DownResult,
  type MakeResult,
  type MigrationFailure,
  type PlanResult,
  type Problem,
  type Reporter,
  type StatusResult,
  type UpResult,
  type ValidateResult,
} from '@bulkhead/core';

/** Human output goes to stderr (stdout is for --json); every line is redacted by the writer. */
export type Write = (line: string) => void;

const ms = (n: number | undefined) => (n === undefined ? '' : n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${n} ms`);

export function progressReporter(write: Write): Reporter {
  return {
    connectWait: (module, reason) => write(`${module}: database not reachable yet: ${reason}`),
    lockWait: (module, holder) =>
      write(`${module}: waiting for the module lock${holder ? `, held by ${describeHolder(holder)}` : ''}`),
    moduleStart: (module, count, direction) =>
      count && write(`${module}: ${direction === 'up' ? 'applying' : 'reverting'} ${count} migration${count === 1 ? '' : 's'}`),
    migrationDone: (module, id, direction, durationMs) => write(`${module}:   ${direction === 'up' ? '↑' : '↓'} ${id} (${ms(durationMs)})`),
    lockRetry: (module, id, attempt, of, blockers) =>
      write(
        `${module}: ${id} timed out waiting for a lock (attempt ${attempt} of ${of}), rolled back; retrying${blockers.length ? `; blocked by ${blockers.map(describeBlocker).join('; ')}` : ''}`,
      ),
  };
}

export function renderProblems(problems: readonly Problem[], write: Write): void {
  for (const p of problems) write(`error: ${formatProblem(p)}`);
}

export function renderFailure(f: MigrationFailure, write: Write): void {
  const where = `${f.file}${f.line ? `:${f.line}` : ''}${f.statement ? ` (statement ${f.statement})` : ''}`;
  write(`${f.module}: ✗ ${f.migration} failed at ${where}`);
  write(`    ${f.message}${f.pgCode ? ` [${f.pgCode}]` : ''}`);
  if (f.detail) write(`    detail: ${f.detail}`);
  if (f.hint) write(`    hint: ${f.hint}`);
  if (f.fix) write(`    fix: ${f.fix}`);
  if (f.sql) write(`    sql: ${f.sql}`);
  for (const b of f.blockers ?? []) write(`    blocked by: ${describeBlocker(b)}`);
  write(
    f.partial
      ? `    it runs outside a transaction (no-transaction): the statements before the failing one remain applied, and the next run refuses until you fix the cause and continue with: bulkhead ${f.direction} ${f.module} --resume`
      : '    rolled back: nothing of this migration remains, and its history row was not written',
  );
}

export function renderUp(r: UpResult | DownResult, write: Write): void {
  const counts = new Map<string, number>();
  for (const m of r.modules) {
    counts.set(m.status, (counts.get(m.status) ?? 0) + 1);
    if (r.dryRun) {
      const verb = r.command === 'up' ? 'would apply' : 'would revert';
      write(m.migrations.length ? `${m.module}: ${verb} ${m.migrations.map((x) => x.id).join(', ')}` : `${m.module}: nothing to do`);
    } else if (m.failure) renderFailure(m.failure, write);
    else if (m.problems?.length) {
      write(`${m.module}: ✗ stopped before running`);
      renderProblems(m.problems, write);
    } else if (m.status === 'skipped') write(`${m.module}: – skipped: depends on ${m.skippedBecause}, which failed`);
    else if (m.status === 'applied' || m.status === 'reverted') {
      write(`${m.module}: ✓ ${m.migrations.length} ${m.status} in ${ms(m.durationMs)}`);
    } else if (m.status === 'up-to-date') write(`${m.module}: up to date`);
    else if (m.status === 'nothing-to-revert') write(`${m.module}: nothing to revert`);
  }
  const summary = [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
  write(`${r.dryRun ? 'dry run, nothing changed: ' : ''}${summary || 'no modules'}${r.command === 'up' && !r.dryRun ? ` (run ${r.runId})` : ''}`);
}

export function renderStatus(r: StatusResult, write: Write): void {
  renderProblems(r.problems, write);
  for (const m of r.modules) {
    write(`${m.module}  ${m.database}  (history ${m.historyTable}${m.created ? '' : ', database not created yet'})`);
    for (const a of m.applied) write(`  applied  ${a.id}  ${a.appliedAt}  ${ms(a.durationMs)}${a.fileMissing ? '  FILE MISSING' : ''}`);
    for (const p of m.pending) write(`  pending  ${p}`);
    if (m.withoutDown.length) write(`  no down: ${m.withoutDown.join(', ')}`);
    renderProblems(m.problems, write);
  }
}

export function renderValidate(r: ValidateResult, write: Write): void {
  if (r.problems.length === 0) {
    write(`ok: ${r.modules.length} module${r.modules.length === 1 ? '' : 's'} (${r.order.join(' → ')}), ${r.modules.reduce((n, m) => n + m.migrations, 0)} migrations`);
  } else {
    renderProblems(r.problems, write);
    write(`${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`);
  }
  for (const w of r.warnings) write(`warning: ${formatProblem(w)}`);
  for (const n of r.notes) write(`note: ${n}`);
}

export function renderPlan(r: PlanResult, format: string): string {
  if (format === 'mermaid') return planToMermaid(r);
  if (format === 'dot') return planToDot(r);
  const lines: string[] = [];
  r.waves.forEach((wave, i) => {
    lines.push(`wave ${i + 1}: ${wave.join(', ')}`);
    for (const name of wave) {
      const m = r.modules.find((x) => x.module === name)!;
      lines.push(m.upToDate ? `  ${name}: up to date` : `  ${name}: ${m.run.length} to apply`);
      for (const id of m.run) lines.push(`    ${id}`);
    }
  });
  return lines.join('\n');
}

export function renderMake(r: MakeResult, write: Write): void {
  for (const f of r.files) write(`created ${f}`);
}
