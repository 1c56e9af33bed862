import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BulkheadError, nearest, parseDuration } from '@bulkhead/core/base';

type Option = NonNullable<ParseArgsConfig['options']>[string];

/**
 * Every flag of the CLI, once: how it parses and which option of the core call it sets. A
 * command lists the flags it takes (commands.ts); unknown flags are usage errors (exit 2).
 */
export const FLAGS: Record<string, Option & { key: string; parse?: (text: string, flag: string, command: string) => unknown }> = {
  production: { type: 'boolean', key: 'production' },
  server: { type: 'boolean', key: 'server' },
  to: { type: 'string', key: 'to' },
  format: { type: 'string', key: 'format' },
  'dry-run': { type: 'boolean', key: 'dryRun' },
  concurrency: { type: 'string', key: 'concurrency', parse: wholeNumber },
  'lock-timeout': { type: 'string', key: 'lockTimeoutMs', parse: duration },
  'statement-lock-timeout': { type: 'string', key: 'statementLockTimeoutMs', parse: duration },
  wait: { type: 'string', key: 'waitMs', parse: duration },
  resume: { type: 'boolean', key: 'resume' },
  steps: { type: 'string', key: 'steps', parse: wholeNumber },
  all: { type: 'boolean', key: 'all' },
  tenant: { type: 'string', multiple: true, key: 'tenants' },
  ignore: { type: 'string', multiple: true, key: 'ignore' },
  canary: { type: 'string', key: 'canary', parse: wholeNumber },
  'fail-fast': { type: 'boolean', key: 'failFast' },
  sql: { type: 'boolean', key: 'sql' },
  'from-drift': { type: 'boolean', key: 'fromDrift' },
  downs: { type: 'boolean', key: 'downs' },
  name: { type: 'string', key: 'name' },
  'admin-url': { type: 'string', key: 'adminUrl' },
  'server:url': { type: 'string', key: 'server' },
  step: { type: 'boolean', key: 'step' },
  locks: { type: 'boolean', key: 'locks' },
  trace: { type: 'boolean', key: 'trace' },
  pending: { type: 'boolean', key: 'pending' },
  'pg-version': { type: 'string', key: 'pgVersion', parse: pgVersion },
  accept: { type: 'string', key: 'accept' },
  reason: { type: 'string', key: 'reason' },
  at: { type: 'string', key: 'at' },
};

function pgVersion(text: string, flag: string, command: string): number {
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= 10 && n <= 30)) throw usageError(`${flag} ${text}: give a PostgreSQL major version such as 15`, command);
  return n;
}

const COMMON: NonNullable<ParseArgsConfig['options']> = {
  json: { type: 'boolean' },
  cwd: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export interface CommandSpec {
  summary: string;
  usage: string;
  flags: readonly string[];
}

export interface ParsedArgs {
  command: string;
  positionals: string[];
  /** Flag values as core options (keys from FLAGS), parsed. */
  options: Record<string, unknown>;
  json: boolean;
  help: boolean;
  cwd: string | undefined;
}

/** Parse argv for one command; unknown flags and malformed values are usage errors (exit 2), never ignored. */
export function parseCommandLine(argv: readonly string[], commands: Record<string, CommandSpec>): ParsedArgs {
  const [command = 'help', ...rest] = argv;
  const spec = commands[command];
  if (!spec) return { command, positionals: rest, options: {}, json: false, help: false, cwd: undefined };
  // A flag is `name`, or `name:variant` where one name means different things to different commands (validate --server, verify --server <url>).
  const flagName = (f: string) => f.split(':')[0]!;
  const options = Object.fromEntries(spec.flags.map((f) => [flagName(f), FLAGS[f]!]));
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
  } catch (e) {
    const message = (e as Error).message.split('\n')[0]!;
    // `--steps -1`: node's parser takes the value for an option of its own and calls it ambiguous.
    const ambiguous = /^Option '(--[\w-]+)[^']*' argument is ambiguous/.exec(message)?.[1];
    const value = ambiguous ? rest[rest.indexOf(ambiguous) + 1] : undefined;
    if (ambiguous && value !== undefined) throw usageError(`${ambiguous} ${value}: a value starting with "-" reads as a flag; write ${ambiguous}=${value} if you mean it`, command, spec);
    // `--tenat`: the flag of this command it is a slip of, if one is near.
    const unknown = /^Unknown option '(--?[\w-]+)'/.exec(message)?.[1];
    if (unknown) {
      const near = nearest(unknown.replace(/^-+/, ''), [...Object.keys(COMMON), ...spec.flags.map(flagName)]);
      throw usageError(`unknown option ${unknown} for bulkhead ${command}${near ? `: did you mean --${near}?` : ''}`, command, spec);
    }
    throw usageError(message, command, spec);
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const out: Record<string, unknown> = {};
  for (const flag of spec.flags) {
    const v = values[flagName(flag)];
    if (v === undefined) continue;
    const def = FLAGS[flag]!;
    out[def.key] = def.parse && typeof v === 'string' ? def.parse(v, `--${flagName(flag)}`, command) : v;
  }
  return { command, positionals: parsed.positionals, options: out, json: values.json === true, help: values.help === true, cwd: typeof values.cwd === 'string' ? values.cwd : undefined };
}

/**
 * What a user of another tool types for a command (`migrate`, `rollback`, `new`), or a slip of
 * one (`stauts`): the command meant, if one is near.
 */
const OTHER_TOOLS: Record<string, string> = { migrate: 'up', latest: 'up', deploy: 'up', apply: 'up', rollback: 'down', undo: 'down', new: 'make', create: 'make', generate: 'make', info: 'status', check: 'validate', diff: 'drift' };

export function unknownCommand(name: string, commands: Record<string, CommandSpec>): BulkheadError {
  const meant = Object.hasOwn(OTHER_TOOLS, name) ? OTHER_TOOLS[name] : nearest(name, Object.keys(commands));
  return usageError(`unknown command "${name}"${meant ? `: did you mean bulkhead ${meant}?` : ''}`);
}

export function usageError(message: string, command?: string, spec?: CommandSpec): BulkheadError {
  return new BulkheadError({ code: 'BH025', message, fix: spec ? `usage: ${spec.usage}` : command ? `run bulkhead ${command} --help` : 'run bulkhead --help' });
}

function wholeNumber(text: string, flag: string, command: string): number {
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= 1)) throw usageError(`${flag} ${text}: give a whole number ≥ 1`, command);
  return n;
}

function duration(text: string, flag: string, command: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) {
    const bare = /^\d+(\.\d+)?$/.test(text.trim());
    throw usageError(`${flag} ${text}: give a duration with its unit, such as 30s, 5m or 1500ms${flag === '--statement-lock-timeout' ? '' : ' (0 waits forever)'}${bare ? `: a bare number is ambiguous (${text}s or ${text}ms?)` : ''}`, command);
  }
  return ms;
}

export function helpText(commands: Record<string, CommandSpec>, command?: string): string {
  if (command && commands[command]) {
    const c = commands[command]!;
    return `${c.usage}\n\n${c.summary}\n\nEvery command takes --json (one JSON document on stdout) and --cwd <dir>.\n`;
  }
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    'bulkhead — migrations for isolated per-module PostgreSQL databases',
    '',
    'usage: bulkhead <command> [modules…] [flags]',
    '',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Without module names a command covers every module, in dependency order.',
    'Every command takes --json and --cwd <dir>. bulkhead <command> --help shows its flags.',
    'Exit codes: 0 success, 1 a migration failed, 2 bad input or preflight failure (nothing applied).',
    '',
  ].join('\n');
}
