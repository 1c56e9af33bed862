import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BulkheadError } from '@bulkhead/core';

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMON: Options = {
  json: { type: 'boolean' },
  cwd: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** Flags each command accepts, besides --json, --cwd and --help. */
export const COMMANDS: Record<string, { summary: string; usage: string; options: Options }> = {
  validate: {
    summary: 'check manifests, isolation, graph and migration files; touches no database',
    usage: 'bulkhead validate [--server] [--production]',
    options: { production: { type: 'boolean' }, server: { type: 'boolean' } },
  },
  status: {
    summary: 'per module: applied, pending, integrity problems',
    usage: 'bulkhead status [modules…] [--production]',
    options: { production: { type: 'boolean' } },
  },
  plan: {
    summary: 'what up would run, in order',
    usage: 'bulkhead plan [modules…] [--to <id>] [--format text|json|mermaid|dot]',
    options: { to: { type: 'string' }, format: { type: 'string' }, production: { type: 'boolean' } },
  },
  up: {
    summary: 'apply pending migrations in dependency order',
    usage:
      'bulkhead up [modules…] [--to <id>] [--dry-run] [--concurrency N] [--lock-timeout 5m] [--statement-lock-timeout 3s] [--wait 60s] [--resume] [--production]',
    options: {
      to: { type: 'string' },
      'statement-lock-timeout': { type: 'string' },
      resume: { type: 'boolean' },
      wait: { type: 'string' },
      'dry-run': { type: 'boolean' },
      concurrency: { type: 'string' },
      'lock-timeout': { type: 'string' },
      production: { type: 'boolean' },
    },
  },
  down: {
    summary: 'revert migrations: one step, --steps N, --to <id>, or --all (reverse dependency order)',
    usage:
      'bulkhead down <module> [--steps N | --to <id> | --all] [--dry-run] [--lock-timeout 5m] [--statement-lock-timeout 3s] [--resume]\n       bulkhead down --all',
    options: {
      to: { type: 'string' },
      'statement-lock-timeout': { type: 'string' },
      resume: { type: 'boolean' },
      steps: { type: 'string' },
      all: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      'lock-timeout': { type: 'string' },
      production: { type: 'boolean' },
    },
  },
  make: {
    summary: 'create a new timestamped migration',
    usage: 'bulkhead make <module> <name> [--sql]',
    options: { sql: { type: 'boolean' }, name: { type: 'string' } },
  },
};

export interface ParsedArgs {
  command: string;
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

/** Parse argv for one command; unknown flags are usage errors (exit 2), never ignored. */
export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  const [command = 'help', ...rest] = argv;
  const spec = COMMANDS[command];
  if (!spec) return { command, positionals: rest, values: {} };
  try {
    const { values, positionals } = parseArgs({ args: [...rest], options: { ...COMMON, ...spec.options }, allowPositionals: true, strict: true });
    return { command, positionals, values: values as ParsedArgs['values'] };
  } catch (e) {
    throw usageError(`${(e as Error).message.split('\n')[0]}`, command);
  }
}

export function usageError(message: string, command?: string): BulkheadError {
  return new BulkheadError({
    code: 'BH025',
    message,
    fix: command && COMMANDS[command] ? `usage: ${COMMANDS[command]!.usage}` : 'run bulkhead --help',
  });
}

export function helpText(command?: string): string {
  if (command && COMMANDS[command]) {
    const c = COMMANDS[command]!;
    return `${c.usage}\n\n${c.summary}\n\nEvery command takes --json (one JSON document on stdout) and --cwd <dir>.\n`;
  }
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'bulkhead — migrations for isolated per-module PostgreSQL databases',
    '',
    'usage: bulkhead <command> [modules…] [flags]',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Without module names a command covers every module, in dependency order.',
    'Every command takes --json and --cwd <dir>. bulkhead <command> --help shows its flags.',
    'Exit codes: 0 success, 1 a migration failed, 2 bad input or preflight failure (nothing applied).',
    '',
  ].join('\n');
}
