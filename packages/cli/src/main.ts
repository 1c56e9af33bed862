import {
  BULKHEAD_VERSION,
  BulkheadError,
  down,
  EXIT,
  make,
  parseDuration,
  plan,
  redact,
  redactDeep,
  status,
  up,
  validate,
  type ExitCode,
} from '@bulkhead/core';
import { COMMANDS, helpText, parseCommandLine, usageError, type ParsedArgs } from './args.js';
import { progressReporter, renderMake, renderPlan, renderProblems, renderStatus, renderUp, renderValidate, type Write } from './render.js';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: Io = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/** Run the CLI; returns the exit code (SPEC §5). Human output on stderr, --json on stdout. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<ExitCode> {
  const write: Write = (line) => io.stderr(`${redact(line)}\n`);
  let json = argv.includes('--json');
  try {
    if (argv[0] === '--version' || argv[0] === '-v') {
      io.stdout(`${BULKHEAD_VERSION}\n`);
      return EXIT.ok;
    }
    if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
      io.stderr(helpText(argv[1]));
      return EXIT.ok;
    }
    const args = parseCommandLine(argv);
    if (!COMMANDS[args.command]) throw usageError(`unknown command "${args.command}"`);
    if (args.values.help) {
      io.stderr(helpText(args.command));
      return EXIT.ok;
    }
    json = args.values.json === true;
    // Human output always goes to stderr; with --json, stdout carries one JSON document.
    const result = await run(args, write, io);
    if (json) io.stdout(`${JSON.stringify(redactDeep(result), null, 2)}\n`);
    return result.exitCode;
  } catch (e) {
    if (e instanceof BulkheadError) {
      if (json) io.stdout(`${JSON.stringify(redactDeep({ exitCode: e.exitCode, problems: e.problems }), null, 2)}\n`);
      renderProblems(e.problems, write);
      return e.exitCode;
    }
    const err = e as Error;
    write(`internal error: ${err.stack ?? err.message}`);
    write('this is a bug in Bulkhead; please report it with the command you ran');
    if (json) io.stdout(`${JSON.stringify(redactDeep({ exitCode: EXIT.failed, error: err.message }))}\n`);
    return EXIT.failed;
  }
}

async function run(args: ParsedArgs, write: Write, io: Io): Promise<{ exitCode: ExitCode }> {
  const v = args.values;
  const common = {
    cwd: typeof v.cwd === 'string' ? v.cwd : undefined,
    production: v.production === true,
    reporter: progressReporter(write),
  };
  const lockTimeoutMs = duration(v['lock-timeout'], '--lock-timeout', args.command);
  const statementLockTimeoutMs = duration(v['statement-lock-timeout'], '--statement-lock-timeout', args.command);
  const resume = v.resume === true;
  switch (args.command) {
    case 'validate': {
      noModules(args);
      const r = await validate({ ...common, server: v.server === true });
      renderValidate(r, write);
      return r;
    }
    case 'status': {
      const r = await status({ ...common, modules: args.positionals });
      renderStatus(r, write);
      return r;
    }
    case 'plan': {
      const format = typeof v.format === 'string' ? v.format : 'text';
      if (!['text', 'json', 'mermaid', 'dot'].includes(format)) throw usageError(`--format ${format}: use text, json, mermaid or dot`, 'plan');
      const r = await plan({ ...common, modules: args.positionals, to: str(v.to) });
      if (format === 'json' && v.json !== true) io.stdout(`${JSON.stringify(redactDeep(r), null, 2)}\n`);
      else if (v.json !== true) io.stdout(`${redact(renderPlan(r, format))}\n`);
      return r;
    }
    case 'up': {
      const concurrency = v.concurrency === undefined ? undefined : Number(v.concurrency);
      if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
        throw usageError(`--concurrency ${v.concurrency}: give a whole number ≥ 1`, 'up');
      }
      const waitMs = duration(v.wait, '--wait', 'up');
      const r = await up({ ...common, modules: args.positionals, to: str(v.to), dryRun: v['dry-run'] === true, concurrency, lockTimeoutMs, statementLockTimeoutMs, resume, waitMs });
      renderUp(r, write);
      return r;
    }
    case 'down': {
      const steps = v.steps === undefined ? undefined : Number(v.steps);
      if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1)) throw usageError(`--steps ${v.steps}: give a whole number ≥ 1`, 'down');
      const r = await down({
        ...common,
        modules: args.positionals,
        steps,
        to: str(v.to),
        all: v.all === true,
        dryRun: v['dry-run'] === true,
        lockTimeoutMs,
        statementLockTimeoutMs,
        resume,
      });
      renderUp(r, write);
      return r;
    }
    case 'make': {
      const [module, positionalName, ...extra] = args.positionals;
      const name = str(v.name) ?? positionalName;
      if (!module || !name || extra.length) throw usageError('make needs a module and a name', 'make');
      const r = await make({ cwd: common.cwd, module, name, sql: v.sql === true });
      renderMake(r, write);
      return r;
    }
  }
  throw usageError(`unknown command "${args.command}"`);
}

function str(x: string | boolean | undefined): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

function duration(x: string | boolean | undefined, flag: string, command: string): number | undefined {
  if (typeof x !== 'string') return undefined;
  const ms = parseDuration(x);
  if (ms === undefined) throw usageError(`${flag} ${x}: give a duration such as 30s, 5m or 1500ms (0 waits forever)`, command);
  return ms;
}

function noModules(args: ParsedArgs): void {
  if (args.positionals.length) throw usageError(`${args.command} takes no module names`, args.command);
}
