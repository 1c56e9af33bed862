DROP TABLE storage_wal;
DROP TABLE storage_files;
DROP TABLE storage_config;
DROP TYPE storage_wal_status_enum;
DROP TYPE storage_wal_operation_enum;
