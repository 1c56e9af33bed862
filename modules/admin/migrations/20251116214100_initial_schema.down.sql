-- Everything the up file created, types included (seed 004, bug 2: enums left behind).
DROP TABLE audit_logs;
DROP TABLE service_accounts;
DROP TABLE users;
DROP TYPE service_account_role_enum;
DROP TYPE service_account_status_enum;
DROP TYPE user_role_enum;
DROP TYPE user_status_enum;
DROP EXTENSION IF EXISTS citext;
