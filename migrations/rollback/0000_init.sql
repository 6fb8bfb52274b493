-- Rollback of 0000_init.sql: drops every table it created. Data is lost;
-- restore D1 from a time-travel bookmark instead when the data matters.
DROP TABLE IF EXISTS `ingest_batches`;
DROP TABLE IF EXISTS `events`;
DROP TABLE IF EXISTS `dead_letters`;
DROP TABLE IF EXISTS `counters`;
DROP TABLE IF EXISTS `api_keys`;
