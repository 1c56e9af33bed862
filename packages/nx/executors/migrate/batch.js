'use strict';
// `nx run-many -t migrate` as one batch: one `up` over every module of the batch, in one
// process, in dependency order (independent modules concurrently). Each Nx task gets its own
// module's output and result as soon as that module is done: a failing module fails its task,
// its dependents are skipped and fail theirs, the others pass.
const { toFlags } = require('./flags.js');

async function* migrateBatch(taskGraph, inputs, overrides, context) {
  // Nx forks a process for the batch: Bulkhead's V8 settings apply to it, before anything
  // compiles WebAssembly (loading the bundle does not).
  // One copy of the code for all it uses (the command's bundle): its errors are its classes'.
  const bulkhead = await import('@bulkhead/cli/bundle');
  bulkhead.applyV8Settings();
  const { loadCommand, BulkheadError, formatProblem, printable, progressReporter, renderUp, commandOptions, setIdleNotice, githubAnnotations, writeJobSummary } = bulkhead;
  const up = await loadCommand('up');
  // What cannot wait for a task's output at its end (a migration that seems stuck, before up's
  // own reporter or on a scratch database): said on the batch process's stderr as it happens.
  const noticeNow = (text) => process.stderr.write(`note: ${printable(text)}\n`);
  setIdleNotice(noticeNow);
  const tasks = Object.values(taskGraph.tasks);
  const taskOf = new Map(tasks.map((t) => [inputs[t.id].module, t.id]));
  const output = new Map(tasks.map((t) => [t.id, []]));
  const lineFor = (module) => (line) => output.get(taskOf.get(module))?.push(printable(line));
  const moduleOf = (unit) => unit.split('@')[0];
  const reporters = new Map();
  const reporterFor = (module) => reporters.get(module) ?? reporters.set(module, progressReporter(lineFor(module))).get(module);
  const done = [];
  let wake;
  const routed = {
    notice: noticeNow,
    lockWait: (unit, h) => reporterFor(moduleOf(unit)).lockWait(unit, h),
    connectWait: (unit, why) => reporterFor(moduleOf(unit)).connectWait(unit, why),
    moduleStart: (unit, n, d) => reporterFor(moduleOf(unit)).moduleStart(unit, n, d),
    migrationDone: (unit, id, d, ms) => reporterFor(moduleOf(unit)).migrationDone(unit, id, d, ms),
    lockRetry: (unit, id, a, of, b, why) => reporterFor(moduleOf(unit)).lockRetry(unit, id, a, of, b, why),
    moduleDone: (module, runs) => {
      const id = taskOf.get(module);
      if (id === undefined) return;
      const own = { command: 'up', dryRun: false, runId: '', exitCode: 0, modules: [...runs] };
      renderUp(own, { write: lineFor(module), stdout: lineFor(module), json: false });
      // Under GitHub Actions, its failure as an annotation, in the task's output Nx prints.
      for (const a of githubAnnotations(own)) lineFor(module)(a);
      const success = runs.every((r) => r.status !== 'failed' && r.status !== 'skipped');
      done.push({ task: id, result: { success, terminalOutput: output.get(id).join('\n') + '\n' } });
      wake?.();
    },
  };
  // Flags of the command line are the same for every task of a run-many.
  const first = inputs[tasks[0].id];
  let finished = false;
  let failure;
  let result;
  // A module's own problems before anything ran (an extension its database lacks, isolation):
  // as with one task per module, they fail its task and its dependents' and the others run. A
  // problem of no one module (or of one outside the batch: a manifest every task reads) fails all.
  const refusals = [];
  const refuse = (module, lines, problems = []) => {
    const id = taskOf.get(module);
    refusals.push(...problems);
    for (const a of githubAnnotations({ command: 'up', problems })) lines.push(a);
    done.push({ task: id, result: { success: false, terminalOutput: printable([...output.get(id), ...lines].join('\n')) + '\n' } });
    wake?.();
  };
  const runOf = async (modules) => {
    // The command line's flags, parsed as `bulkhead up` parses them (a bad flag fails every task).
    const options = commandOptions(['up', ...toFlags({ ...first, ...overrides })]);
    for (;;) {
      try {
        return await up({ ...options, modules, cwd: context.root, reporter: routed });
      } catch (e) {
        const own = e instanceof BulkheadError ? ownProblems(e.problems, modules) : undefined;
        if (!own) throw e;
        const out = withDependents([...own.keys()], modules, (m) => (taskGraph.dependencies[taskOf.get(m)] ?? []).map((t) => inputs[t]?.module));
        for (const m of modules) {
          if (own.has(m)) refuse(m, own.get(m).map((p) => `error: ${formatProblem(p)}`), own.get(m));
          else if (out.has(m)) refuse(m, [`${m}: – skipped: depends on ${out.get(m)}, which was refused before anything ran (see ${taskOf.get(out.get(m))})`]);
        }
        modules = modules.filter((m) => !out.has(m) && !own.has(m));
        if (!modules.length) return undefined;
      }
    }
  };
  const run = runOf([...taskOf.keys()])
    .then((r) => {
      result = r;
    })
    .catch((e) => {
      failure = e;
    })
    .finally(() => {
      finished = true;
      wake?.();
    });
  const yielded = new Set();
  while (!finished || done.length) {
    if (!done.length) await new Promise((r) => (wake = r));
    wake = undefined;
    while (done.length) {
      const r = done.shift();
      yielded.add(r.task);
      yield r;
    }
  }
  await run;
  // Problems before anything ran (exit 2): every task fails with them.
  const lines = failure instanceof BulkheadError ? failure.problems.map((p) => `error: ${formatProblem(p)}`) : failure ? [`internal error: ${failure.stack || failure.message}`] : [];
  // The job summary (GitHub Actions): the batch's run once, and what was refused before it.
  const refused = failure instanceof BulkheadError ? failure.problems : refusals;
  if (refused.length) writeJobSummary({ command: 'up', problems: refused });
  if (result) writeJobSummary(result);
  // Its annotations once, in the first task's output (each task prints the problems).
  let annotations = failure instanceof BulkheadError ? githubAnnotations({ command: 'up', problems: failure.problems }) : [];
  for (const t of tasks) {
    if (yielded.has(t.id)) continue;
    // A dry run ran nothing: each task shows what its module would do.
    const module = inputs[t.id].module;
    const runs = result ? result.modules.filter((m) => m.module === module) : [];
    if (runs.length) renderUp({ ...result, modules: runs, runId: '' }, { write: lineFor(module), stdout: lineFor(module), json: false });
    const success = !failure && runs.every((r) => r.status !== 'failed' && r.status !== 'skipped');
    yield { task: t.id, result: { success, terminalOutput: printable([...output.get(t.id), ...lines, ...annotations].join('\n')) + '\n' } };
    annotations = [];
  }
}

/**
 * The problems of a refusal by module (a tenant's by its module), when each names a module of the
 * run; else undefined (a problem of the workspace, or of a module outside the run, fails all).
 */
function ownProblems(problems, modules) {
  const by = new Map();
  for (const p of problems) {
    const module = p.module?.split('@')[0];
    if (!module || !modules.includes(module)) return undefined;
    (by.get(module) ?? by.set(module, []).get(module)).push(p);
  }
  return by.size ? by : undefined;
}

/** Modules of the run that depend, directly or not, on one of `failed`: each with the failed module it waits for. */
function withDependents(failed, modules, dependenciesOf) {
  const out = new Map();
  let grew = true;
  while (grew) {
    grew = false;
    for (const m of modules) {
      if (out.has(m) || failed.includes(m)) continue;
      const on = dependenciesOf(m).find((d) => failed.includes(d) || out.has(d));
      if (on !== undefined) {
        out.set(m, failed.includes(on) ? on : out.get(on));
        grew = true;
      }
    }
  }
  return out;
}

module.exports = migrateBatch;
module.exports.default = migrateBatch;
