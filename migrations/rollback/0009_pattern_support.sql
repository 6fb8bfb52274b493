-- Rollback of 0009_pattern_support.sql. Merged patterns stay merged (their provenance rows remain); support, quality, first/last seen and the exemplar are lost.
DROP INDEX IF EXISTS `patterns_by_last_seen`;
DROP INDEX IF EXISTS `patterns_by_quality`;
DROP INDEX IF EXISTS `patterns_by_support`;
ALTER TABLE `patterns` DROP COLUMN `search_text`;
ALTER TABLE `patterns` DROP COLUMN `exemplar_event_id`;
ALTER TABLE `patterns` DROP COLUMN `last_seen`;
ALTER TABLE `patterns` DROP COLUMN `first_seen`;
ALTER TABLE `patterns` DROP COLUMN `quality`;
ALTER TABLE `patterns` DROP COLUMN `support`;
DROP INDEX IF EXISTS `pattern_sources_event`;
ALTER TABLE `pattern_sources` DROP COLUMN `event_time`;
ALTER TABLE `pattern_sources` DROP COLUMN `value`;
