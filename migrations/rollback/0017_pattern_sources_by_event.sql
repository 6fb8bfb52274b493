-- Rollback of 0017_pattern_sources_by_event: back to the (project, event_id) index. Readers still answer; an event's
-- pattern is then found by walking the project's sources in pattern order again, and a pattern's listed sources and
-- first/last seen by sorting all its sources (see 0017).
DROP INDEX IF EXISTS `pattern_sources_by_time`;
DROP INDEX IF EXISTS `pattern_sources_by_event`;
CREATE INDEX IF NOT EXISTS `pattern_sources_event` ON `pattern_sources` (`project`,`event_id`);
