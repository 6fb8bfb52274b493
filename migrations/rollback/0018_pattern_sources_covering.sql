-- Rollback of 0018_pattern_sources_covering: the time-order index without `value` again (as 0017 made it). Readers
-- still answer; recomputing a pattern's aggregates then reads each source's table row (see 0018).
DROP INDEX IF EXISTS `pattern_sources_by_time`;
CREATE INDEX IF NOT EXISTS `pattern_sources_by_time` ON `pattern_sources` (`project`,`pattern_id`,`event_time`,`event_id`);
