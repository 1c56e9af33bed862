import type { Rule } from '../types.js';
import { columnDefs, constraints, sqlName, typeName } from './util.js';

export const intPrimaryKey: Rule = {
  code: 'BH-Y604',
  name: 'int-primary-key',
  rationale: 'an integer key runs out at 2,147,483,647 rows ever inserted; widening it later rewrites the table and every foreign key',
  fix: 'use bigint (bigserial, or bigint GENERATED ALWAYS AS IDENTITY)',
  tsFix: "use bigint: table.bigIncrements('id') instead of table.increments('id')",
  severity: 'warning',
  check(s) {
    const pkCols = new Set<string>();
    // A key that is also a foreign key takes its parent's type: the parent is where to widen it.
    const fkCols = new Set<string>();
    for (const e of (s.kind === 'CreateStmt' ? (s.node.tableElts as any[]) : []) ?? []) {
      const k = e.Constraint;
      if (k?.contype === 'CONSTR_PRIMARY') for (const c of k.keys ?? []) pkCols.add(c.String?.sval);
      if (k?.contype === 'CONSTR_FOREIGN') for (const c of k.fk_attrs ?? []) fkCols.add(c.String?.sval);
    }
    return columnDefs(s)
      .filter((d) => ['int4', 'int2', 'serial', 'serial4', 'smallserial', 'serial2', 'int', 'integer', 'smallint'].includes(typeName(d)?.name ?? ''))
      .filter((d) => pkCols.has(d.colname) || constraints(d).some((k) => k.contype === 'CONSTR_PRIMARY'))
      .filter((d) => !fkCols.has(d.colname) && !constraints(d).some((k) => k.contype === 'CONSTR_FOREIGN'))
      // A part of a key of several columns runs out only when it counts rows (serial, identity,
      // nextval): nakama's (source_id, state, position) has a state of a few values.
      .filter((d) => pkCols.size < 2 || counts(d))
      .map((d) => ({ message: `primary key ${sqlName(d.colname)} is ${typeName(d)!.name.includes('serial') ? typeName(d)!.name : 'a 32-bit integer'}`, offset: typeName(d)?.location }));
  },
};

/** Whether a column takes its values from a sequence: serial, an identity, a nextval() default. */
function counts(d: any): boolean {
  return (typeName(d)?.name ?? '').includes('serial') || constraints(d).some((k) => k.contype === 'CONSTR_IDENTITY' || (k.contype === 'CONSTR_DEFAULT' && JSON.stringify(k.raw_expr ?? '').includes('"nextval"')));
}
