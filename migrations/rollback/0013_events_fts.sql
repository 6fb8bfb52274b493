-- Rollback of 0013_events_fts.sql: full-text search goes (GET /v1/events?q= then fails); events are untouched.
DROP TRIGGER IF EXISTS `events_fts_update`;
DROP TRIGGER IF EXISTS `events_fts_delete`;
DROP TRIGGER IF EXISTS `events_fts_insert`;
DROP TABLE IF EXISTS `events_fts`;
DROP VIEW IF EXISTS `events_fts_text`;
