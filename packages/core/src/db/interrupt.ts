import os from 'node:os';

/**
 * Ctrl-C, SIGTERM (a CI job cancelled, a pod stopped), SIGHUP: what this process must do before
 * it exits — drop its scratch databases, say what became of the run — then exit with 128 + the
 * signal's number, as a shell reports it. Handlers are installed only once something registers
 * (a library host that never runs Bulkhead keeps its own signal behaviour); cleanups get 10 s.
 */
const cleanups = new Set<() => Promise<void>>();
/** Node's own exit, taken before a migration's code could be running (see asMigrationCode). */
const exit = process.exit.bind(process);
const notices = new Set<(signal: NodeJS.Signals) => void>();
let hooked = false;

export function onInterrupt(o: { cleanup?: () => Promise<void>; notice?: (signal: NodeJS.Signals) => void }): () => void {
  if (o.cleanup) cleanups.add(o.cleanup);
  if (o.notice) notices.add(o.notice);
  hook();
  return () => {
    if (o.cleanup) cleanups.delete(o.cleanup);
    if (o.notice) notices.delete(o.notice);
  };
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      const code = 128 + (os.constants.signals[signal] ?? 2);
      for (const notice of notices) {
        try {
          notice(signal);
        } catch {
          // a notice must not keep the cleanups from running
        }
      }
      const timer = setTimeout(() => exit(code), 10_000);
      void Promise.all([...cleanups].map((c) => c().catch(() => undefined))).finally(() => {
        clearTimeout(timer);
        exit(code);
      });
    });
  }
}
