DROP INDEX `pattern_sources_event`;--> statement-breakpoint
CREATE INDEX `pattern_sources_by_event` ON `pattern_sources` (`project`,`event_id`,`pattern_id`);--> statement-breakpoint
CREATE INDEX `pattern_sources_by_time` ON `pattern_sources` (`project`,`pattern_id`,`event_time`,`event_id`);