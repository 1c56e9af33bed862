import { expect } from 'vitest';
import type { Module } from '../../workspace.js';
import { lintSqlText } from '../lint.js';

export const testModule = (o: { extensions?: string[]; schema?: string } = {}) =>
  ({ name: 'app', file: 'modules/app/bulkhead.json', schema: o.schema ?? 'public', manifest: { owns: [], dependsOn: [], extensions: o.extensions ?? [] } }) as unknown as Module;

type Options = Omit<Parameters<typeof lintSqlText>[0], 'module' | 'sql'> & { extensions?: string[] };

/** The findings of one rule (by code) on a SQL text: `line:column message`. */
export async function findings(code: string, sql: string, o: Options = {}): Promise<string[]> {
  const all = await lintSqlText({ module: testModule({ extensions: o.extensions }), sql, ...o });
  return all.filter((f) => f.code === code).map((f) => `${f.line}:${f.column} ${f.message}`);
}

/** Each statement must be flagged (once at least); each near miss must not. */
export async function expectRule(code: string, flag: string[], pass: string[], o: Options = {}): Promise<void> {
  for (const sql of flag) expect(await findings(code, sql, o), `${code} should flag: ${sql}`).not.toEqual([]);
  for (const sql of pass) expect(await findings(code, sql, o), `${code} should not flag: ${sql}`).toEqual([]);
}
