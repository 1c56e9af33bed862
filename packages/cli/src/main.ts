import { BULKHEAD_VERSION, BulkheadError, EXIT, printable, redactDeep, type ExitCode } from '@bulkhead/core/base';
import { helpText, parseCommandLine, unknownCommand, usageError } from './args.js';
import { COMMANDS, runCommand } from './commands.js';
import { reportToGitHub } from './github.js';
import { renderProblems } from './render.js';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: Io = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/**
 * A command line's flags as the core options of its command (`['up', '--tenant=a*']` →
 * `{ tenants: ['a*'] }`), checked as the CLI checks them: for callers that run a command
 * in-process, such as the Nx executor's batch.
 */
export function commandOptions(argv: readonly string[]): Record<string, unknown> {
  const args = parseCommandLine(argv, COMMANDS);
  const command = COMMANDS[args.command];
  if (!command) throw unknownCommand(args.command, COMMANDS);
  command.check?.(args.options, command);
  return args.options;
}

/** Run the CLI; returns the exit code (SPEC §5). Human output on stderr, --json on stdout. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<ExitCode> {
  const write = (line: string) => io.stderr(`${printable(line)}\n`);
  let json = argv.includes('--json');
  // Under GitHub Actions, annotations: on stdout as GitHub documents it, unless stdout carries a
  // document (--json, lint's --format sarif|json), then on stderr, which the runner reads too.
  let documentOnStdout = json;
  const annotate = (line: string) => (documentOnStdout ? io.stderr : io.stdout)(`${printable(line)}\n`);
  let commandName = argv[0] ?? '';
  try {
    if (argv[0] === '--version' || argv[0] === '-v') {
      io.stdout(`${BULKHEAD_VERSION}\n`);
      return EXIT.ok;
    }
    if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
      io.stderr(helpText(COMMANDS, argv[1]));
      return EXIT.ok;
    }
    const args = parseCommandLine(argv, COMMANDS);
    const command = COMMANDS[args.command];
    if (!command) throw unknownCommand(args.command, COMMANDS);
    if (args.help) {
      io.stderr(helpText(COMMANDS, args.command));
      return EXIT.ok;
    }
    json = args.json;
    commandName = args.command;
    documentOnStdout = json || (args.options.format !== undefined && args.options.format !== 'text');
    let positional: Record<string, unknown> = { modules: args.positionals };
    if (command.positionals === 'none') {
      if (args.positionals.length) throw usageError(`${args.command} takes no module names`, args.command, command);
      positional = {};
    } else if (typeof command.positionals === 'function') positional = command.positionals(args.positionals, args.options, args.command, command);
    command.check?.(args.options, command);
    const options = { ...args.options, ...positional, cwd: args.cwd };
    const result = await runCommand(command, options, { write, stdout: (text) => io.stdout(`${printable(text)}\n`), json });
    // Human output always goes to stderr; with --json, stdout carries one JSON document.
    if (json) io.stdout(`${JSON.stringify(redactDeep(result), null, 2)}\n`);
    reportToGitHub(result as { command: string; exitCode: number }, annotate);
    return result.exitCode;
  } catch (e) {
    if (e instanceof BulkheadError) {
      if (json) io.stdout(`${JSON.stringify(redactDeep({ exitCode: e.exitCode, problems: e.problems }), null, 2)}\n`);
      renderProblems(e.problems, write);
      reportToGitHub({ command: commandName, problems: e.problems }, annotate);
      return e.exitCode;
    }
    const err = e as Error;
    write(`internal error: ${err.stack ?? err.message}`);
    write('this is a bug in Bulkhead; please report it with the command you ran');
    if (json) io.stdout(`${JSON.stringify(redactDeep({ exitCode: EXIT.failed, error: err.message }))}\n`);
    return EXIT.failed;
  }
}

/**
 * End the `bulkhead` process with `code` once its work is done. A migration may leave something
 * running that Node waits for (a timer or a connection pool an imported app module starts), and
 * the command would then never exit — a CI job hanging after a successful `up`. Given a moment to
 * end by itself, the process is ended, saying what was left.
 */
export function exitWhenDone(code: ExitCode, graceMs = 1000): void {
  process.exitCode = code;
  setTimeout(function check() {
    // Output still on its way to a slow reader (a pipe not drained yet): wait for it.
    if (process.stdout.writableLength > 0 || process.stderr.writableLength > 0) {
      setTimeout(check, 100).unref();
      return;
    }
    // What keeps Node alive (this timer, not holding it, is not listed).
    const kinds = [...new Set(process.getActiveResourcesInfo())].filter((k) => k !== 'TTYWrap' && k !== 'PipeWrap');
    process.stderr.write(`note: something a migration started (${kinds.join(', ') || 'a handle'}) was still running when bulkhead finished; it exits anyway — close what a migration opens\n`);
    process.exit(code);
  }, graceMs).unref();
}
