/**
 * What a command does with a module's database, where connecting must know: whether it only reads
 * (no module lock, no session state left behind: a released connection serves the next unit of its
 * URL — a thousand modules in schemas of one database were a thousand sessions for one `status`),
 * and whether it works through a transaction-mode pool (one statement at a time, each perhaps in
 * another server session). plan and validate only read, but tell what up would do: through such a
 * pool they are refused as up is. A command not listed writes, and needs a direct connection.
 */
const COMMAND_USE: Readonly<Record<string, { readsOnly: boolean; throughTransactionPool: boolean }>> = {
  status: { readsOnly: true, throughTransactionPool: true },
  drift: { readsOnly: true, throughTransactionPool: true },
  lint: { readsOnly: true, throughTransactionPool: true },
  snapshot: { readsOnly: true, throughTransactionPool: true },
  plan: { readsOnly: true, throughTransactionPool: false },
  validate: { readsOnly: true, throughTransactionPool: false },
};

/** A command's use of a module's database (COMMAND_USE). */
export function commandUse(command: string): { readsOnly: boolean; throughTransactionPool: boolean } {
  return COMMAND_USE[command] ?? { readsOnly: false, throughTransactionPool: false };
}
