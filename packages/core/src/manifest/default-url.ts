/**
 * A module's database.url as the example modules and `nx g @bulkhead/nx:module` write it: an
 * embedded database in the workspace until an environment variable named after the module
 * (billing-v2: BILLING_V2_DATABASE_URL) points it at a server.
 */
export function databaseUrlVariable(module: string): string {
  return `${module.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_DATABASE_URL`;
}

export function defaultDatabaseUrl(module: string): string {
  return `\${${databaseUrlVariable(module)}:-pglite://.bulkhead/${module}}`;
}
