/**
 * The bad-input corpus (tests/bad-input/corpus.ts), run as a user runs Bulkhead: each case's
 * exit code and message (code, file/field/line, fix) checked, secrets never printed in either
 * output mode, and the valid module's database left untouched when the run is refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CASES } from '../bad-input/corpus.js';
import { createDatabase, makeWorkspace, runCli, tableExists } from '../support/fixtures.js';

describe('secrets in every command', () => {
  it('validate, status, plan, up and down mask passwords of malformed URLs and failing connections, in text and --json', async () => {
    const fx = makeWorkspace([
      { name: 'broken', url: 'postgres://app:Br0ken@Pass/w@127.0.0.1:1/db', migrations: { '001_a.up.sql': 'SELECT 1;\n' } },
      { name: 'kv', url: 'postgres://svc:${KV_PW}@127.0.0.1:1/kv', migrations: { '001_a.up.sql': 'SELECT 1;\n' } },
    ]);
    try {
      const env = { KV_PW: 'v@r-Secret:7', PGPASSWORD: 'pg-Env-Secret' };
      for (const args of [['validate'], ['validate', '--server'], ['status'], ['plan'], ['plan', '--format', 'json'], ['up'], ['up', '--dry-run'], ['down', 'kv'], ['down', '--all']]) {
        for (const mode of [[], ['--json']]) {
          const r = await runCli([...args, ...mode], { cwd: fx.root, env });
          const out = `${r.stdout}\n${r.stderr}`;
          expect(out.length, args.join(' ')).toBeGreaterThan(0);
          for (const secret of ['Br0ken@Pass/w', 'Br0ken', 'v@r-Secret:7', 'v%40r-Secret%3A7', 'pg-Env-Secret']) expect(out, `${args.join(' ')} ${mode}`).not.toContain(secret);
        }
      }
    } finally {
      fx.cleanup();
    }
  });
});

describe.concurrent('bad-input corpus', () => {
  it('has at least 60 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const goodUrl = await createDatabase();
      const fx = makeWorkspace([{ name: 'good', url: '${GOOD_URL}', migrations: { '001_good.up.sql': 'CREATE TABLE good_t (id int);\n' } }]);
      try {
        for (const [rel, content] of Object.entries(c.files)) {
          const abs = path.join(fx.root, rel);
          fs.mkdirSync(path.dirname(abs), { recursive: true });
          fs.writeFileSync(abs, content);
        }
        const args = c.args ?? ['up'];
        const r = await runCli(args, { cwd: fx.root, env: { GOOD_URL: goodUrl, ...c.env } });
        const out = `${r.stderr}\n${r.stdout}`;
        expect(r.exitCode, out).toBe(c.exit ?? 2);
        if (c.code === 'warning') expect(r.stderr).toMatch(/^warning: /m);
        else if (c.code) expect(r.stderr).toContain(`(${c.code})`);
        for (const t of c.says) {
          if (typeof t === 'string') expect(out).toContain(t);
          else expect(out).toMatch(t);
        }
        if ((c.exit ?? 2) === 2) {
          expect(r.stderr).toContain('fix: ');
          expect(await tableExists(goodUrl, 'good_migrations')).toBe(false);
          expect(await tableExists(goodUrl, 'good_t')).toBe(false);
        }
        if (c.never?.length) {
          // Both output modes: the secret appears in neither.
          const json = await runCli([...args.filter((a) => a !== '--json'), '--json'], { cwd: fx.root, env: { GOOD_URL: goodUrl, ...c.env } });
          for (const secret of c.never) {
            expect(out).not.toContain(secret);
            expect(`${json.stdout}${json.stderr}`).not.toContain(secret);
          }
        }
      } finally {
        fx.cleanup();
      }
    });
  }
});
