import { describe, expect, it } from 'vitest';
import { matchForeignApplied } from './other-tools.js';

const m = (id: string, version = /^\d{4}-\d{2}-\d{2}-\d{6}|^\d+/.exec(id)![0]) => ({ id, version });

describe("another tool's history, matched to a module's migrations", () => {
  it("by version (diesel's dated folders, Flyway's V-numbers, sqlx's bigints) or by file name (sql-migrate's ids), naming what it has no record of", () => {
    const diesel = [m('2019-02-26-002946_create_user'), m('2019-03-01-101010_add_email'), m('2020-01-01-000000_later')];
    expect(matchForeignApplied(diesel, { entries: ['20190226002946', '20190301101010'] })).toEqual({ last: '2019-03-01-101010_add_email', count: 2, missing: [] });
    const flyway = [m('1_init'), m('2_users'), m('3_orders')];
    expect(matchForeignApplied(flyway, { entries: ['1', '3'] })).toEqual({ last: '3_orders', count: 2, missing: ['2_users'] });
    const gorp = [m('20180103142001_initial_schema'), m('20180805174141-tournaments')];
    expect(matchForeignApplied(gorp, { entries: ['20180103142001_initial_schema.sql'] })).toEqual({ last: '20180103142001_initial_schema', count: 1, missing: [] });
    // golang-migrate keeps its last version: every earlier one is applied too.
    expect(matchForeignApplied(flyway, { entries: ['2'], upTo: true })).toEqual({ last: '2_users', count: 2, missing: [] });
    // Names of no migration of the module (a Sqitch change, a hash) match nothing.
    expect(matchForeignApplied(flyway, { entries: ['ae1027a6acf', 'users'] })).toEqual({ count: 0, missing: [] });
  });
});
