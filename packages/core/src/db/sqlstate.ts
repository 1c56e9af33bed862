/** PostgreSQL's error codes (SQLSTATE) that Bulkhead's explanations and reads tell apart. */
export const UNDEFINED_TABLE = '42P01';
export const INVALID_SCHEMA_NAME = '3F000';
export const UNDEFINED_OBJECT = '42704';
export const DEPENDENT_OBJECTS_STILL_EXIST = '2BP01';
export const UNDEFINED_FUNCTION = '42883';
export const UNDEFINED_COLUMN = '42703';
export const INSUFFICIENT_PRIVILEGE = '42501';
export const DUPLICATE_TABLE = '42P07';
export const INVALID_CATALOG_NAME = '3D000';
export const DUPLICATE_OBJECT = '42710';
export const UNIQUE_VIOLATION = '23505';
export const SYNTAX_ERROR = '42601';
export const FEATURE_NOT_SUPPORTED = '0A000';
export const READ_ONLY_SQL_TRANSACTION = '25006';
