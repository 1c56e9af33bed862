import { BulkheadError, onInterrupt, type ExitCode } from '@bulkhead/core/base';
import type { CommandName } from '@bulkhead/core/commands';
import { usageError, type CommandSpec } from './args.js';
import type * as Render from './render.js';

const RUN_FLAGS = ['dry-run', 'concurrency', 'lock-timeout', 'statement-lock-timeout', 'resume', 'tenant', 'canary', 'fail-fast', 'production'] as const;

/** A renderer of ./render.ts. */
type Renderer = Extract<keyof typeof Render, `render${string}`>;

/**
 * A command: its help, its flags, the core function it calls and the renderer of its result —
 * named, not imported: the CLI loads a command and its modules (@bulkhead/core/commands) only
 * when it runs, and no other command's (`bulkhead --help` starts on the light part alone).
 */
export interface Command extends CommandSpec {
  /** Positional arguments: module names (the default), none, or a command's own. */
  positionals?: 'modules' | 'none' | ((positionals: string[], options: Record<string, unknown>, command: string, spec: CommandSpec) => Record<string, unknown>);
  /** Checks of flag values that need the command's context, before anything runs. */
  check?(options: Record<string, unknown>, spec: CommandSpec): void;
  run: CommandName;
  render: Renderer;
}

/**
 * The command table: one entry per command. A module-level command is one core function plus
 * one entry here (and one in the Nx plugin's target table).
 */
export const COMMANDS: Record<string, Command> = {
  validate: { summary: 'check manifests, isolation, graph and migration files; touches no database', usage: 'bulkhead validate [--server] [--production]', flags: ['production', 'server'], positionals: 'none', run: 'validate', render: 'renderValidate' },
  status: { summary: 'per module (and tenant): applied, pending, integrity problems', usage: 'bulkhead status [modules…] [--tenant <glob>] [--production]', flags: ['production', 'tenant'], run: 'status', render: 'renderStatus' },
  plan: {
    summary: 'what up would run, in order',
    usage: 'bulkhead plan [modules…] [--to <id>] [--locks] [--tenant <glob>] [--canary N] [--format text|json|mermaid|dot]',
    flags: ['to', 'format', 'tenant', 'canary', 'production', 'locks'],
    check: (o, spec) => {
      if (o.format !== undefined && !['text', 'json', 'mermaid', 'dot'].includes(o.format as string)) throw usageError(`--format ${o.format}: use text, json, mermaid or dot`, 'plan', spec);
    },
    run: 'plan',
    render: 'renderPlan',
  },
  up: {
    summary: 'apply pending migrations in dependency order',
    usage: 'bulkhead up [modules…] [--to <id>] [--dry-run] [--concurrency N] [--tenant <glob>] [--canary N] [--fail-fast] [--lock-timeout 5m] [--statement-lock-timeout 3s] [--wait 60s] [--resume] [--production]',
    flags: [...RUN_FLAGS, 'to', 'wait'],
    run: 'up',
    render: 'renderUp',
  },
  down: {
    summary: 'revert migrations: one step, --steps N, --to <id>, or --all (reverse dependency order)',
    usage: 'bulkhead down <module> [--steps N | --to <id> | --all] [--dry-run] [--tenant <glob>] [--canary N] [--fail-fast] [--concurrency N] [--lock-timeout 5m] [--statement-lock-timeout 3s] [--resume]\n       bulkhead down --all',
    flags: [...RUN_FLAGS, 'to', 'steps', 'all'],
    run: 'down',
    render: 'renderUp',
  },
  make: {
    summary: 'create a new timestamped migration (--from-drift: one keeping what the live database has beyond its migrations); --downs: write the missing down files',
    usage: 'bulkhead make <module> <name> [--sql] [--from-drift [--tenant <glob>]]\n       bulkhead make <module> --downs [--server postgres://…]',
    flags: ['sql', 'name', 'from-drift', 'tenant', 'production', 'downs', 'server:url'],
    positionals: ([module, positionalName, ...extra], options, cmd, spec) => {
      // --downs writes the module's missing down files: no new migration, no name.
      if (options.downs) {
        if (!module || positionalName || extra.length) throw usageError('make --downs needs a module and no name', cmd, spec);
        return { module, name: '' };
      }
      const name = (options.name as string | undefined) ?? positionalName;
      if (module && !name && !extra.length && process.env.NX_TASK_TARGET_PROJECT) {
        // Nx's migrate-make target passes the module; the name is the task's option.
        throw new BulkheadError({ code: 'BH025', message: 'make needs a name for the new migration', fix: `nx run ${process.env.NX_TASK_TARGET_PROJECT}:${process.env.NX_TASK_TARGET_TARGET ?? 'migrate-make'} --name <name> (add --sql for SQL files)` });
      }
      if (!module || !name || extra.length) throw usageError('make needs a module and a name', cmd, spec);
      return { module, name };
    },
    run: 'make',
    render: 'renderMake',
  },
  verify: {
    summary: 'prove migrations reversible on a scratch database: all up, all down (nothing may remain), all up (the same schema)',
    usage: 'bulkhead verify [modules…] [--step] [--server postgres://…]',
    flags: ['step', 'server:url'],
    run: 'verify',
    render: 'renderVerify',
  },
  drift: {
    summary: 'compare each live database with what its applied migrations build on a scratch database',
    usage: "bulkhead drift [modules…] [--tenant <glob>] [--server postgres://…] [--ignore <kind:glob>]… [--sql] [--production]",
    flags: ['tenant', 'server:url', 'production', 'ignore', 'sql'],
    run: 'drift',
    render: 'renderDrift',
  },
  lint: {
    summary: 'rules over the SQL each migration runs: destructive changes, long locks, breaking renames, transactions, types, privileges, module rules',
    usage: 'bulkhead lint [modules…] [--pending] [--pg-version 15] [--format text|json|sarif] [--trace [--server postgres://…]]',
    flags: ['pg-version', 'format', 'trace', 'server:url', 'pending', 'tenant', 'production'],
    check: (o, spec) => {
      if (o.format !== undefined && !['text', 'json', 'sarif'].includes(o.format as string)) throw usageError(`--format ${o.format}: use text, json or sarif`, 'lint', spec);
    },
    run: 'lint',
    render: 'renderLint',
  },
  repair: {
    summary: "accept an edited applied migration's new checksum, recorded with the reason",
    usage: 'bulkhead repair <module> --accept <id> --reason <text> [--tenant <glob>] [--lock-timeout 5m] [--production]',
    flags: ['accept', 'reason', 'tenant', 'lock-timeout', 'production'],
    positionals: oneModule,
    run: 'repair',
    render: 'renderRepair',
  },
  squash: {
    summary: 'replace the migrations up to --to by one equivalent migration (pg_dump of what they build), archiving the originals',
    usage: 'bulkhead squash <module> --to <id> [--server postgres://…]',
    flags: ['to', 'server:url'],
    positionals: oneModule,
    run: 'squash',
    render: 'renderSquash',
  },
  baseline: {
    summary: 'adopt a database built without Bulkhead: record migrations up to --at as applied, after checking its schema matches them',
    usage: 'bulkhead baseline <module> --at <id> [--reason <text>] [--tenant <glob>] [--server postgres://…] [--lock-timeout 5m] [--production]',
    flags: ['at', 'reason', 'tenant', 'server:url', 'lock-timeout', 'production'],
    positionals: oneModule,
    run: 'baseline',
    render: 'renderBaseline',
  },
  db: {
    summary: 'db create: create missing module databases, each owned by a role of its own, CONNECT revoked from PUBLIC, with declared extensions',
    usage: 'bulkhead db create [modules…] [--dry-run] [--admin-url postgres://admin@host/postgres]',
    flags: ['dry-run', 'admin-url'],
    positionals: ([action, ...modules], _options, cmd, spec) => {
      if (action !== 'create') throw usageError(action ? `db ${action}: the db command has one action, create` : 'db needs an action: create', cmd, spec);
      return { modules };
    },
    run: 'dbCreate',
    render: 'renderDbCreate',
  },
};

/** Positionals of a command that acts on exactly one module (repair, squash, baseline). */
function oneModule(positionals: string[], _options: Record<string, unknown>, cmd: string, spec: CommandSpec): Record<string, unknown> {
  if (positionals.length !== 1) throw usageError(`${cmd} needs exactly one module`, cmd, spec);
  return { module: positionals[0] };
}

/** Run a command's core function (loading it and its modules now) and render its result. */
export async function runCommand(c: Command, options: Record<string, unknown>, out: Render.Output): Promise<{ exitCode: ExitCode }> {
  const [{ loadCommand, setIdleNotice }, render] = await Promise.all([import('@bulkhead/core/commands'), import('./render.js')]);
  // A TS/JS migration that seems stuck where the run has no reporter (verify's and drift's replays, up's capture of its SQL).
  setIdleNotice((text) => out.write(`note: ${text}`));
  const fn = (await loadCommand(c.run)) as unknown as (o: Record<string, unknown>) => Promise<{ exitCode: ExitCode }>;
  // Interrupted while migrating (Ctrl-C, a cancelled CI job): say what became of the run.
  const forget = (c.run === 'up' || c.run === 'down') && options.dryRun !== true ? onInterrupt({ notice: (signal) => out.write(interrupted(signal, c.run)) }) : undefined;
  try {
    const result = await fn({ ...options, reporter: render.progressReporter(out.write) });
    (render[c.render] as (r: unknown, out: Render.Output, o: Record<string, unknown>) => void)(result, out, options);
    return result;
  } finally {
    forget?.();
  }
}

/**
 * What a signal leaves of an up or down: the server runs each migration as one transaction and
 * rolls back one whose COMMIT it has not reached when the connection goes (the session notices a
 * client gone within a second); a no-transaction one stops between statements, and --resume goes on.
 */
function interrupted(signal: string, command: string): string {
  const done = command === 'up' ? 'applied' : 'reverted';
  return `${signal}: stopped. The migration in flight, if any, ${command === 'up' ? 'applies' : 'reverts'} whole or not at all: the server rolls it back unless its COMMIT was reached; those before it stay ${done}. bulkhead status shows where each module stands; run bulkhead ${command} again to continue (a no-transaction migration left midway: bulkhead ${command} --resume)`;
}
