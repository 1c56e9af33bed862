import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { annotation, githubAnnotations, reportToGitHub } from './github.js';

describe('GitHub Actions workflow commands', () => {
  it('escapes the message and the properties as the runner reads them, and redacts passwords', () => {
    expect(annotation('error', '100% failed\nat postgres://u:pw@h/db', { file: 'a,b:c.sql', line: 3, column: 2, title: 'bulkhead up: x' })).toBe(
      '::error file=a%2Cb%3Ac.sql,line=3,col=2,title=bulkhead up%3A x::100%25 failed%0Aat postgres://u:***@h/db',
    );
    // A line without a file is not given; a column without a line neither.
    expect(annotation('warning', 'm', { line: 3, title: 't' })).toBe('::warning title=t::m');
  });

  it('says nothing outside GitHub Actions, and writes the summary only where GITHUB_STEP_SUMMARY says', () => {
    const problems = [{ code: 'BH043' as const, message: 'shop creates table invoices, which billing owns', module: 'shop', file: 'modules/shop/migrations/003.up.sql', line: 1 }];
    expect(githubAnnotations({ command: 'up', problems }, {})).toEqual([]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bh-gha-'));
    const summary = path.join(dir, 'summary.md');
    const lines: string[] = [];
    reportToGitHub({ command: 'up', problems }, (l) => lines.push(l), { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary });
    expect(lines).toEqual(['::error file=modules/shop/migrations/003.up.sql,line=1,title=Bulkhead BH043::shop: shop creates table invoices, which billing owns']);
    expect(fs.readFileSync(summary, 'utf8')).toBe('### Bulkhead up: refused before anything ran (exit 2)\n\n- **BH043** `shop` `modules/shop/migrations/003.up.sql:1`: shop creates table invoices, which billing owns\n\n');
    fs.rmSync(dir, { recursive: true });
  });

  it("drift's summary holds --sql's statements in collapsed blocks", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bh-gha-'));
    const summary = path.join(dir, 'summary.md');
    const sql = { undo: { statements: ['DROP TABLE public.hand_made;'], manual: [], cautions: [] }, keep: { statements: ['CREATE TABLE IF NOT EXISTS public.hand_made (\n  id integer\n);'], manual: [], cautions: [] } };
    const unit = { unit: 'shop', module: 'shop', database: 'postgres://x@h/shop', applied: 2, status: 'drift', differences: [], lines: ['hand_made: table extra (id integer)'], sql };
    reportToGitHub({ command: 'drift', exitCode: 1, units: [unit], groups: [] } as never, () => {}, { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary });
    expect(fs.readFileSync(summary, 'utf8')).toContain('<details><summary>Undo it on the database</summary>\n\n```sql\nDROP TABLE public.hand_made;\n```\n</details>');
    fs.rmSync(dir, { recursive: true });
  });
});
