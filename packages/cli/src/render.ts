import { datedNote, repairNotes, describeBlocker, describeHolder, formatProblem, groupAlike, lintToSarif, planToDot, planToMermaid, plural, redactDeep, shortDetail, unitArgs } from '@bulkhead/core/base';
import type {
  BaselineResult,
  DbCreateResult,
  RepairResult,
  SquashResult,
  DriftResult,
  RepairSql,
  LintResult,
  VerifyResult,
  MakeResult,
  MigrateResult,
  MigrationFailure,
  PlanResult,
  Problem,
  Reporter,
  StatusResult,
  UnitRun,
  ValidateResult,
} from '@bulkhead/core';

/** Human output goes to stderr (stdout is for --json); every line is redacted by the writer. */
export type Write = (line: string) => void;

/** Where a command's result is shown: human lines (stderr), and stdout for formats a user pipes (plan). */
export interface Output {
  write: Write;
  stdout: (text: string) => void;
  /** --json: stdout carries the result document, so formats must not write there. */
  json: boolean;
}

const ms = (n: number | undefined) => (n === undefined ? '' : n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${n} ms`);

export function progressReporter(write: Write): Reporter {
  return {
    connectWait: (unit, reason) => write(`${unit}: database not reachable yet: ${reason}`),
    lockWait: (unit, holder) => write(`${unit}: waiting for the module lock${holder ? `, held by ${describeHolder(holder)}` : ''}`),
    moduleStart: (unit, count, direction) =>
      count && write(`${unit}: ${direction === 'up' ? 'applying' : 'reverting'} ${plural(count, 'migration')}`),
    migrationDone: (unit, id, direction, durationMs) => write(`${unit}:   ${direction === 'up' ? '↑' : '↓'} ${id} (${ms(durationMs)})`),
    lockRetry: (unit, id, attempt, of, blockers, reason) =>
      write(
        `${unit}: ${id} ${reason === 'deadlock' ? 'deadlocked with another session' : reason === 'serialization' ? 'conflicted with another serializable transaction' : reason === 'concurrent create' ? 'raced another session creating the same object' : 'timed out waiting for a lock'} (attempt ${attempt} of ${of}), rolled back; retrying${blockers.length ? `; blocked by ${blockers.map(describeBlocker).join('; ')}` : ''}`,
      ),
    notice: (text) => write(`note: ${text}`),
    progress: (p) =>
      write(
        // An estimate under a second ("about 0 ms left" after one no-op unit of a hundred) says nothing.
        `progress: ${p.done + p.failed}/${p.total} units finished (${p.failed} failed), ${p.remaining} remaining${p.remaining && p.etaMs !== undefined && p.etaMs >= 1000 ? `, about ${ms(p.etaMs)} left` : ''}`,
      ),
  };
}

/** Prints the problems; returns how many they were, and how many lines told them (fewer when some were told together). */
export function renderProblems(problems: readonly Problem[], write: Write): string {
  // Problems core marks alike (a folder of another tool's files, modules that cannot reach one
  // server) are told once here; --json keeps each.
  const told = groupAlike(problems, { text: true });
  for (const p of told) write(`error: ${formatProblem(p)}`);
  return told.length < problems.length ? `${plural(told.length, 'problem')} (${problems.length} in --json, one per file or module)` : plural(problems.length, 'problem');
}


export function renderFailure(f: MigrationFailure, write: Write): void {
  const where = `${f.file}${f.line ? `:${f.line}` : ''}${f.statement ? ` (statement ${f.statement})` : ''}`;
  write(`${f.module}: ✗ ${f.migration} failed at ${where}`);
  write(`    ${f.message}${f.pgCode ? ` [${f.pgCode}]` : ''}`);
  if (f.detail) write(`    detail: ${shortDetail(f.detail, ' (--json has them all)')}`);
  if (f.hint) write(`    hint: ${f.hint}`);
  if (f.context) write(`    context: ${f.context}`);
  if (f.fix) write(`    fix: ${f.fix}`);
  if (f.sql) write(`    sql: ${f.sql}`);
  for (const b of f.blockers ?? []) write(`    blocked by: ${describeBlocker(b)}`);
  write(
    f.partial
      ? `    it runs outside a transaction (no-transaction): the statements before the failing one remain applied, and the next run refuses until you fix the cause and continue with: bulkhead ${f.direction} ${unitArgs(f.module)} --resume`
      : '    rolled back: nothing of this migration remains, and its history row was not written',
  );
}

/**
 * What the run did before a failure stays done (each migration committed alone): said where the
 * failure is, as the progress lines above may be far up a CI log. Not for a migration that ran
 * outside a transaction (its own --resume line says it), nor an in-memory database (it keeps nothing).
 */
function keptBeforeFailure(m: UnitRun, command: string): string | undefined {
  const done = m.migrations.map((x) => x.id);
  if (!done.length || m.failure?.partial || /^pglite:\/\/memory$/i.test(m.database)) return undefined;
  const which = done.length === 1 ? `the migration before it (${done[0]}) stays` : `the ${done.length} migrations before it (${done[0]} … ${done.at(-1)}) stay`;
  return `${m.unit}: ${which} ${command === 'up' ? `applied; once it is fixed, bulkhead up continues from ${m.failure!.migration}` : 'reverted'}`;
}

function skipped(m: UnitRun): string {
  if (m.skipReason === 'canary') return `${m.unit}: – not run: canary ${m.skippedBecause} failed`;
  if (m.skipReason === 'fail-fast') return `${m.unit}: – not run: --fail-fast stopped the run after ${m.skippedBecause} failed`;
  return `${m.unit}: – skipped: depends on ${m.skippedBecause}, which failed`;
}

/** A run's units by status, as the last line of its output and its job summary say them: `1 applied, 2 up to date`. */
export function statusCounts(modules: readonly UnitRun[]): string {
  const counts = new Map<string, number>();
  for (const m of modules) counts.set(m.status, (counts.get(m.status) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s.replace(/-/g, ' ')}`).join(', ');
}

export function renderUp(r: MigrateResult, out: Output): void {
  const { write } = out;
  const quiet = new Map<string, number>();
  for (const m of r.modules) {
    const idle = m.status === 'up-to-date' || m.status === 'nothing-to-revert';
    // Tenants with nothing to do are counted, not listed (there may be thousands).
    if (m.tenant !== undefined && idle) {
      quiet.set(m.module, (quiet.get(m.module) ?? 0) + 1);
      continue;
    }
    if (r.dryRun) {
      const verb = r.command === 'up' ? 'would apply' : 'would revert';
      const ids = m.migrations.map((x) => x.id);
      // A long run (a fresh database: hundreds) by its ends; --json lists every one.
      const shown = ids.length > 8 ? `${ids.length} migrations: ${ids.slice(0, 3).join(', ')}, … ${ids.at(-1)}` : ids.join(', ');
      write(ids.length ? `${m.unit}: ${verb} ${shown}` : `${m.unit}: nothing to do`);
    } else if (m.failure) {
      renderFailure(m.failure, write);
      const kept = keptBeforeFailure(m, r.command);
      if (kept) write(kept);
    } else if (m.problems?.length) {
      write(`${m.unit}: ✗ stopped before running`);
      renderProblems(m.problems, write);
    } else if (m.status === 'skipped') write(skipped(m));
    else if (m.status === 'applied' || m.status === 'reverted') write(`${m.unit}: ✓ ${m.migrations.length} ${m.status} in ${ms(m.durationMs)}`);
    else if (m.status === 'up-to-date') write(`${m.unit}: up to date`);
    else if (m.status === 'nothing-to-revert') write(`${m.unit}: nothing to revert`);
  }
  for (const [module, n] of quiet) write(`${module}: ${plural(n, 'tenant')} ${r.command === 'up' ? 'up to date' : 'with nothing to revert'}`);
  // Counts of modules (or tenants), not of migrations: "modules: 1 applied, 2 up to date".
  const what = r.modules.some((m) => m.tenant !== undefined) ? 'modules and tenants' : 'modules';
  const counts = statusCounts(r.modules);
  const summary = counts ? `${what}: ${counts}` : '';
  write(`${r.dryRun ? 'dry run, nothing changed: ' : ''}${summary || 'no modules'}${r.command === 'up' && !r.dryRun && r.runId ? ` (run ${r.runId})` : ''}`);
}

export function renderStatus(r: StatusResult, out: Output): void {
  const { write } = out;
  renderProblems(r.problems, write);
  const summaries = new Map(r.tenants.map((t) => [t.module, t]));
  const shown = new Set<string>();
  for (const m of r.modules) {
    const summary = m.tenant !== undefined ? summaries.get(m.module) : undefined;
    if (summary) {
      if (!shown.has(m.module)) {
        shown.add(m.module);
        write(`${m.module}  ${plural(summary.tenants, 'tenant')}: ${summary.upToDate} up to date, ${summary.pending} pending, ${summary.failed} failed`);
        if (summary.attention.length) write(`  needs attention: ${summary.attention.join(', ')}${summary.pending + summary.failed > summary.attention.length ? ', …' : ''}`);
      }
      // Details only for tenants that need attention.
      if (!m.problems.length && !m.pending.length) continue;
      write(`  ${m.unit}  ${m.database}  (history ${m.historyTable})${m.pending.length ? `  pending: ${m.pending.join(', ')}` : ''}`);
      renderProblems(m.problems, write);
      continue;
    }
    write(`${m.unit}  ${m.database}  (history ${m.historyTable}${m.created ? '' : ', database not created yet'})`);
    for (const a of m.applied) write(`  applied  ${a.id}  ${a.appliedAt}  ${a.kind === 'apply' ? ms(a.durationMs) : `(${KIND_LABEL[a.kind] ?? a.kind})`}${a.fileMissing ? '  FILE MISSING' : ''}`);
    for (const r of m.running ?? []) {
      write(`  running  ${r.id}  (${r.direction}, no-transaction: ${r.statementsDone} of ${r.statementsTotal ?? '?'} statements done, lock held by ${describeHolder(r.holder)})`);
    }
    for (const p of m.pending) write(`  pending  ${p}`);
    // A long list reads as its count and its ends (--json lists them all).
    const noDown = m.withoutDown;
    if (noDown.length > 10) write(`  no down: ${noDown.length} migrations, ${noDown[0]} … ${noDown.at(-1)} (--json lists them)`);
    else if (noDown.length) write(`  no down: ${noDown.join(', ')}`);
    renderProblems(m.problems, write);
  }
}

/**
 * The order modules migrate in: `a → b, c → d` (an arrow where a wave waits for the one before,
 * a comma between modules that run at once). A workspace of hundreds gets its first ten and the count.
 */
function waveText(waves: string[][], total: number): string {
  const shown = total > 12 ? 10 : total;
  let text = '';
  let n = 0;
  for (const wave of waves) {
    for (const [i, name] of wave.entries()) {
      if (n === shown) return `${text}, … and ${total - shown} more (--json lists them)`;
      text += n === 0 ? name : i === 0 ? ` → ${name}` : `, ${name}`;
      n++;
    }
  }
  return text;
}

export function renderValidate(r: ValidateResult, out: Output): void {
  const { write } = out;
  if (r.problems.length === 0) {
    const migrations = r.modules.reduce((n, m) => n + m.migrations, 0);
    const order = waveText(r.waves, r.order.length);
    write(`ok: ${plural(r.modules.length, 'module')} (${order}), ${plural(migrations, 'migration')}`);
  } else {
    write(renderProblems(r.problems, write));
  }
  // Warnings core marks alike (a set written for one schema, under schema tenants) are told once too.
  for (const w of groupAlike(r.warnings, { text: true })) write(`warning: ${formatProblem(w)}`);
  for (const n of r.notes) write(`note: ${n}`);
}

/** `plan` prints to stdout in the chosen format (a user pipes it into mermaid or dot), unless --json carries the result. */
export function renderPlan(r: PlanResult, out: Output, options: Record<string, unknown>): void {
  if (out.json) return;
  const format = (options.format as string | undefined) ?? 'text';
  if (format === 'json') out.stdout(JSON.stringify(redactDeep(r), null, 2));
  else if (format === 'mermaid') out.stdout(planToMermaid(r));
  else if (format === 'dot') out.stdout(planToDot(r));
  else out.stdout(planText(r));
}

/** A table's size as plan --locks shows it: `~1.2M rows, 340 MB`. */
function sizeText(size: { rows: number; bytes: number }): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let b = size.bytes;
  let u = 0;
  while (b >= 1024 && u < units.length - 1) {
    b /= 1024;
    u++;
  }
  const bytes = `${u === 0 ? b : b < 10 ? b.toFixed(1) : Math.round(b)} ${units[u]}`;
  // Rows as the server estimates them (reltuples), so approximately.
  const r = size.rows;
  const short = (n: number) => (n < 10 ? n.toFixed(1) : String(Math.round(n)));
  const rows = r >= 1e9 ? `~${short(r / 1e9)}G` : r >= 1e6 ? `~${short(r / 1e6)}M` : r >= 1e3 ? `~${short(r / 1e3)}k` : String(r);
  return `${rows} ${r === 1 ? 'row' : 'rows'}, ${bytes}`;
}

function planText(r: PlanResult): string {
  const lines: string[] = [];
  r.waves.forEach((wave, i) => {
    lines.push(`wave ${i + 1}: ${wave.join(', ')}`);
    for (const name of wave) {
      const units = r.modules.filter((x) => x.module === name);
      if (units.length === 1 && units[0]!.tenant === undefined) {
        const m = units[0]!;
        lines.push(m.upToDate ? `  ${name}: up to date` : `  ${name}: ${m.run.length} to apply`);
        for (const id of m.run) {
          lines.push(`    ${id}${m.requires?.[id] ? ` (after ${m.requires[id]!.join(', ')})` : ''}`);
          for (const l of m.locks?.filter((x) => x.migration === id) ?? []) {
            const where = l.line ? `line ${l.line}` : 'SQL it emits';
            // A stronger lock the migration took on it before holds until it commits: what waits is what that one blocks.
            const held = l.held ? `; the migration holds ${l.held.mode} on it since ${l.held.line ? `line ${l.held.line}` : 'an earlier statement'} until it commits: ${l.held.blocks} wait` : '';
            lines.push(`      ${where}: ${l.mode} on ${l.table}${l.madeBy ? ` (new: made by ${l.madeBy}, earlier in this run)` : l.new ? ' (new)' : l.size ? ` (${sizeText(l.size)})` : ''}${l.rewrite ? ', rewrites it' : ''}: blocks ${l.blocks}${held}  — ${l.statement}`);
          }
        }
        for (const h of m.held) lines.push(`    (not ${h.id}: ${h.why})`);
        continue;
      }
      const pending = units.filter((u) => !u.upToDate);
      lines.push(`  ${name}: ${plural(units.length, 'tenant')}, ${units.length - pending.length} up to date, ${pending.length} to migrate`);
      // Tenants with the same work are shown together.
      const groups = new Map<string, string[]>();
      for (const u of pending) (groups.get(u.run.join(' ')) ?? groups.set(u.run.join(' '), []).get(u.run.join(' '))!).push(`${u.tenant}${u.canary ? ' (canary)' : ''}`);
      for (const [run, tenants] of groups) {
        lines.push(`    ${tenants.length > 8 ? `${tenants.slice(0, 8).join(', ')} and ${tenants.length - 8} more` : tenants.join(', ')}:`);
        for (const id of run.split(' ')) lines.push(`      ${id}`);
      }
    }
  });
  return lines.join('\n');
}

export function renderMake(r: MakeResult, out: Output): void {
  for (const f of r.files) out.write(`created ${f}`);
  for (const l of r.left ?? []) out.write(`no down: ${l.migration} — ${l.why ?? 'what its up changes has no statement here: write it by hand'}`);
  if (r.note) out.write(`note: ${r.note}`);
}

/**
 * `db create`: problems, or what was done per server. With --dry-run the SQL goes to stdout as a
 * psql script (`\connect` before statements that run in a module's database), to review or pipe.
 */
export function renderDbCreate(r: DbCreateResult, out: Output): void {
  if (r.problems.length) {
    out.write(`${renderProblems(r.problems, out.write)}; nothing was created`);
    return;
  }
  for (const s of r.skipped) out.write(`${s.module}: skipped (${s.why})`);
  for (const server of r.servers) {
    const roles = server.modules.map((m) => `${m.module} → role ${m.role}, ${m.databases.join(', ')}`).join('; ');
    if (!server.steps.length) {
      out.write(`${server.server}: nothing to do (${roles})`);
      continue;
    }
    if (r.dryRun && !out.json) {
      const lines = [`-- ${server.server}: ${roles}`];
      let where = 'server';
      for (const s of server.steps) {
        if (s.in !== where) lines.push(s.in === 'server' ? '\\connect postgres' : `\\connect ${s.in}`);
        where = s.in;
        lines.push(`${s.sql};`);
      }
      out.stdout(lines.join('\n'));
    } else if (!r.dryRun) out.write(`${server.server}: ${plural(server.steps.length, 'statement')} (${roles})`);
  }
}

/** `verify`: per module, reversible or its findings (each difference on a line of its own). */
export function renderVerify(r: VerifyResult, out: Output): void {
  for (const m of r.modules) {
    if (m.status === 'no-migrations') {
      out.write(`${m.module}: no migrations`);
      continue;
    }
    if (m.status === 'reversible') {
      out.write(`${m.module}: ✓ ${plural(m.migrations, 'migration')} up, down, up: reversible (${m.database}, ${(m.durationMs / 1000).toFixed(1)} s)`);
      continue;
    }
    out.write(`${m.module}: ✗ ${plural(m.findings.length, 'finding')} (${m.database})`);
    // Many migrations without a down (a set that never wrote any), or whose downs do nothing while
    // their ups change the schema (vaultwarden's): one line each; --json has every one.
    const together = new Set<string>();
    for (const [kind, said] of [
      ['no-down', (n: number, ids: string) => `${n === m.migrations ? `none of its ${n} migrations has a down` : `${n} of its ${m.migrations} migrations have no down`} (${ids}): they cannot be reverted; add <id>.down.sql files (or export down from TS/JS migrations) — bulkhead make ${m.module} --downs writes the SQL ones from what their ups build`],
      ['empty-down', (n: number, ids: string) => `${n} of its ${m.migrations} migrations have a down without statements while their ups change the schema (${ids}): they cannot be reverted; write in each down what undoes its up (--json says what each up does)`],
    ] as const) {
      const alike = m.findings.filter((f) => f.kind === kind);
      if (alike.length <= 3) continue;
      together.add(kind);
      out.write(`  ${said(alike.length, `${alike.slice(0, 3).map((f) => f.migration).join(', ')}, …`)}`);
    }
    for (const f of m.findings) {
      if (together.has(f.kind)) continue;
      out.write(`  ${f.message}${f.file && !f.message.includes(f.file) ? ` (${f.file}${f.line ? `:${f.line}` : ''})` : ''}`);
      for (const line of f.lines ?? []) out.write(`    ${line}`);
      if (f.fix) out.write(`    fix: ${f.fix}`);
    }
    // What could still be proven: the migrations after the last one that cannot be reverted.
    if (m.tail?.reversible) out.write(`  the ${plural(m.tail.migrations, 'migration')} after ${m.tail.after}: ✓ down, up: reversible`);
  }
}

/** drift's fix line without --sql: the two ways to end a drift, and the flag that writes their statements. */
const driftFix = (module: string, where: string, tenant: string) =>
  `  fix: undo on ${where} what was changed outside the migrations, or keep it in a new migration (bulkhead make ${module} <name>); bulkhead drift ${module}${tenant} --sql writes the statements for either`;

/** `drift`: per unit, no drift or the differences; tenants with the same differences together. */
export function renderDrift(r: DriftResult, out: Output): void {
  const grouped = new Set(r.groups.flatMap((g) => g.tenants.map((t) => `${g.module}@${t}`)));
  for (const u of r.units) {
    if (grouped.has(u.unit)) continue;
    if (u.status === 'not-created') out.write(`${u.unit}: not created yet (nothing to compare)`);
    else if (u.status === 'no-drift') out.write(`${u.unit}: ✓ no drift (${u.applied} applied migration${u.applied === 1 ? ' rebuilds' : 's rebuild'} it${u.ignored ? `, ${plural(u.ignored, 'difference')} left out by --ignore` : ' exactly'})`);
  }
  // With --sql each tenant's statements are its own: tenants are listed one by one.
  const withSql = r.units.some((u) => u.sql);
  for (const u of r.units) {
    if (u.status !== 'drift' || (u.tenant !== undefined && !withSql)) continue;
    // Counted as listed: a table extra or missing as a whole is one line, its columns and indexes with it.
    out.write(`${u.unit}: ✗ drift, ${plural(u.lines.length, 'difference')} from what its ${plural(u.applied, 'applied migration')} ${u.applied === 1 ? 'builds' : 'build'}${u.ignored ? ` (and ${u.ignored} left out by --ignore)` : ''}`);
    for (const line of u.lines) out.write(`  ${line}`);
    if (u.dated) out.write(`  note: ${datedNote(u.dated)}${u.sql ? ' (--sql writes nothing for them: undo would drop a day\'s partition and its rows)' : ''}`);
    if (!u.sql) {
      out.write(driftFix(u.module, 'the database', ''));
      continue;
    }
    const block = (title: string, sql: RepairSql) => {
      out.write(`  ${title}:`);
      for (const statement of [...sql.statements, ...repairNotes(sql)]) for (const line of statement.split('\n')) out.write(`    ${line}`);
    };
    block(`to undo it on ${u.database} (review first: a DROP loses its data)`, u.sql.undo);
    block(`or to keep it, a new migration (bulkhead make ${u.module} <name>) holding (each statement checks first: it runs here too, changing nothing)`, u.sql.keep);
  }
  for (const g of withSql ? [] : r.groups) {
    const shown = g.tenants.length > 5 ? `${g.tenants.slice(0, 5).join(', ')} and ${g.tenants.length - 5} more` : g.tenants.join(', ');
    out.write(`${g.module}@{${shown}}: ✗ drift (${plural(g.tenants.length, 'tenant')} alike)`);
    for (const line of g.lines) out.write(`  ${line}`);
    out.write(driftFix(g.module, 'each database', ' --tenant <name>'));
  }
}

/**
 * `lint`: one block per finding (`file:line:column: severity CODE rule: message`, the statement,
 * the fix); `--format sarif|json` on stdout. GitHub Actions annotations: github.ts.
 */
export function renderLint(r: LintResult, out: Output, options: Record<string, unknown>): void {
  if (out.json) return;
  const format = (options.format as string | undefined) ?? 'text';
  if (format === 'sarif') return out.stdout(JSON.stringify(lintToSarif(r), null, 2));
  if (format === 'json') return out.stdout(JSON.stringify(r, null, 2));
  for (const f of r.findings) {
    out.write(`${f.file}:${f.line}:${f.column}: ${f.severity} ${f.code} ${f.rule}: ${f.message}`);
    if (f.statement) out.write(`  ${f.statement}`);
    out.write(`  fix: ${f.fix}`);
  }
  for (const t of r.trace ?? []) {
    const locks = t.locks.map((l) => `${l.mode} on ${l.table}`).join(', ');
    out.write(`trace ${t.module} ${t.migration}: ${t.note ?? (locks || 'no table locks')}`);
  }
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  out.write(`${plural(r.files, 'file')}, ${plural(r.statements, 'statement')}: ${plural(errors, 'error')}, ${plural(r.findings.length - errors, 'warning')}`);
}

/** How status marks a history row that no run applied as such. */
const KIND_LABEL: Record<string, string> = { baseline: 'baseline', repair: 'repaired', squash: 'squash of applied migrations' };

/** `repair`: per unit, the checksum accepted (or already matching). */
export function renderRepair(r: RepairResult, out: Output): void {
  for (const u of r.units) {
    out.write(u.status === 'accepted' ? `${u.unit}: ✓ ${u.id}: checksum ${u.from.slice(0, 12)}… accepted as ${u.to.slice(0, 12)}… (recorded with the reason)` : `${u.unit}: ${u.id} already has the file's checksum: nothing to do`);
  }
}

/** `baseline`: per unit, what was recorded as applied. */
export function renderBaseline(r: BaselineResult, out: Output): void {
  for (const u of r.units) {
    out.write(`${u.unit}: ✓ schema matches; ${plural(u.recorded.length, 'migration')} recorded as applied (${u.recorded[0]} … ${u.recorded.at(-1)}); bulkhead up continues after them`);
  }
}

/** `squash`: the new migration, what it replaces, where the originals went. */
export function renderSquash(r: SquashResult, out: Output): void {
  out.write(`${r.module}: ✓ ${r.replaced.length} migrations (${r.replaced[0]} … ${r.replaced.at(-1)}) squashed into ${r.id}, proved to build the same schema`);
  for (const f of r.files) out.write(`  created ${f}`);
  out.write(`  originals moved to ${r.archive}/`);
  out.write('  every database must have applied all of them or none before it runs this version (bulkhead status shows it)');
}
