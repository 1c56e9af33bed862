import type { Rule } from './types.js';
import { addSerialColumn } from './rules/add-serial-column.js';
import { backfillWithDdl } from './rules/backfill-with-ddl.js';
import { columnTypeChange } from './rules/column-type-change.js';
import { constraintNotValid } from './rules/constraint-not-valid.js';
import { dropCascade } from './rules/drop-cascade.js';
import { dropConcurrentlySeveral } from './rules/drop-concurrently-several.js';
import { domainConstraint } from './rules/domain-constraint.js';
import { dropColumn } from './rules/drop-column.js';
import { dropNotNull } from './rules/drop-not-null.js';
import { dropSchema } from './rules/drop-schema.js';
import { dropTable } from './rules/drop-table.js';
import { dropStillReferenced } from './rules/drop-still-referenced.js';
import { enumValueRemoval } from './rules/enum-value-removal.js';
import { extensionNotCreated } from './rules/extension-not-created.js';
import { enumValueInTransaction } from './rules/enum-value-in-transaction.js';
import { grantPublic } from './rules/grant-public.js';
import { indexConcurrently } from './rules/index-concurrently.js';
import { newerPostgres } from './rules/newer-postgres.js';
import { nonTransactional } from './rules/non-transactional.js';
import { notNullWithoutDefault } from './rules/not-null-without-default.js';
import { rename } from './rules/rename.js';
import { roleChanges } from './rules/role-changes.js';
import { securityDefiner } from './rules/security-definer.js';
import { setNotNull } from './rules/set-not-null.js';
import { severalConcurrently } from './rules/several-concurrently.js';
import { transactionControl } from './rules/transaction-control.js';
import { truncate } from './rules/truncate.js';
import { charColumn } from './rules/types-char.js';
import { intPrimaryKey } from './rules/types-int-pk.js';
import { jsonColumn } from './rules/types-json.js';
import { longIdentifier } from './rules/long-identifier.js';
import { indexNamedByTable } from './rules/index-named-by-table.js';
import { timestampWithoutTz } from './rules/types-timestamp.js';
import { varcharColumn } from './rules/types-varchar.js';
import { unboundedDml } from './rules/unbounded-dml.js';
import { undeclaredExtension } from './rules/undeclared-extension.js';
import { uniqueUsingIndex } from './rules/unique-using-index.js';
import { vacuumFull } from './rules/vacuum-full.js';
import { volatileDefault } from './rules/volatile-default.js';

/** Every lint rule, in code order. Codes and names are stable: suppressions and manifests name them. */
export const RULES: readonly Rule[] = [
  dropTable,
  dropColumn,
  dropSchema,
  truncate,
  dropCascade,
  enumValueRemoval,
  indexConcurrently,
  columnTypeChange,
  setNotNull,
  constraintNotValid,
  uniqueUsingIndex,
  notNullWithoutDefault,
  volatileDefault,
  vacuumFull,
  addSerialColumn,
  domainConstraint,
  rename,
  dropStillReferenced,
  dropNotNull,
  nonTransactional,
  transactionControl,
  severalConcurrently,
  enumValueInTransaction,
  dropConcurrentlySeveral,
  unboundedDml,
  backfillWithDdl,
  timestampWithoutTz,
  charColumn,
  varcharColumn,
  intPrimaryKey,
  jsonColumn,
  longIdentifier,
  indexNamedByTable,
  grantPublic,
  roleChanges,
  securityDefiner,
  undeclaredExtension,
  newerPostgres,
  extensionNotCreated,
];

/** Rules the engine reports itself (not per statement). */
export const ENGINE_RULES = {
  otherModule: { code: 'BH-X802', name: 'other-module-object', rationale: "a module's migrations must not touch another module's objects", fix: 'move the change into the owning module', severity: 'error' as const },
  fixedSchemaInTenants: {
    code: 'BH-X804',
    name: 'fixed-schema-in-tenant-module',
    rationale: 'a module whose tenants are schemas runs each migration once per tenant: an object in a fixed schema is one object for all of them',
    fix: "write the name unqualified (the tenant's schema is first on the search path), or move what tenants share into a module of its own",
    severity: 'warning' as const,
  },
  suppressionWithoutReason: { code: 'BH-S001', name: 'allow-without-reason', rationale: 'a suppression must say why', fix: 'write -- bulkhead:allow <rule> <reason>', severity: 'error' as const },
  unusedSuppression: { code: 'BH-S002', name: 'unused-allow', rationale: 'a suppression that matches no finding hides nothing and misleads', fix: 'remove it', severity: 'warning' as const },
  notLinted: {
    code: 'BH-S003',
    name: 'not-linted',
    rationale: 'a TS/JS migration that fails on the embedded scratch database emits no SQL from there on: the module\'s later TS/JS migrations are not checked',
    fix: 'make the chain run on an empty embedded database (see the message), or check these migrations by hand',
    severity: 'warning' as const,
  },
};
