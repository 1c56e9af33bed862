DROP TABLE download_statistics;
DROP TABLE search_history;
DROP TABLE file_metadata_cache;
DROP EXTENSION IF EXISTS pg_trgm;
