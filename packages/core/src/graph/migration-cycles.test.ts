import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MigrationFile } from '../migrations/files.js';
import { migrationCycle, staticRequires } from './migration-cycles.js';

const sql = (id: string, requires: string[] = []) =>
  ({ id, version: id, name: id, format: 'sql', upPath: `${id}.up.sql`, checksum: id, sql: { up: '', directives: { noTransaction: false, requires, allow: [], unknown: [] } } }) as unknown as MigrationFile;

describe('migrationCycle', () => {
  it('finds a true cycle: a:003 needs b:002, which comes after b:001, which needs a:003', () => {
    const chain = migrationCycle([
      { name: 'a', migrations: [sql('001'), sql('002'), sql('003', ['b:002'])] },
      { name: 'b', migrations: [sql('001', ['a:003']), sql('002')] },
    ]);
    expect(chain).toEqual(['a:003', 'b:002', 'b:001', 'a:003']);
  });

  it('crossing requires that an interleaving satisfies are no cycle (a:003 needs b:002, b:004 needs a:002)', () => {
    expect(
      migrationCycle([
        { name: 'a', migrations: [sql('001'), sql('002'), sql('003', ['b:002'])] },
        { name: 'b', migrations: [sql('001'), sql('002'), sql('003'), sql('004', ['a:002'])] },
      ]),
    ).toBeUndefined();
  });

  it('reads a TS literal requires export without running the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bh-req-'));
    const file = path.join(dir, '001_x.ts');
    fs.writeFileSync(file, "export const requires: string[] = ['admin:001_users', \"billing:002_x\"];\nexport async function up() {}\n");
    expect(staticRequires({ id: '001_x', format: 'js', upPath: file } as unknown as MigrationFile)).toEqual(['admin:001_users', 'billing:002_x']);
    fs.rmSync(dir, { recursive: true });
  });
});
