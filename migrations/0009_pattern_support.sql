ALTER TABLE `pattern_sources` ADD `value` real;--> statement-breakpoint
ALTER TABLE `pattern_sources` ADD `event_time` integer;--> statement-breakpoint
CREATE INDEX `pattern_sources_event` ON `pattern_sources` (`project`,`event_id`);--> statement-breakpoint
ALTER TABLE `patterns` ADD `support` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `patterns` ADD `quality` real;--> statement-breakpoint
ALTER TABLE `patterns` ADD `first_seen` integer;--> statement-breakpoint
ALTER TABLE `patterns` ADD `last_seen` integer;--> statement-breakpoint
ALTER TABLE `patterns` ADD `exemplar_event_id` text;--> statement-breakpoint
ALTER TABLE `patterns` ADD `search_text` text;--> statement-breakpoint
CREATE INDEX `patterns_by_support` ON `patterns` (`project`,`support`,`seq`);--> statement-breakpoint
CREATE INDEX `patterns_by_quality` ON `patterns` (`project`,`quality`,`seq`);--> statement-breakpoint
CREATE INDEX `patterns_by_last_seen` ON `patterns` (`project`,`last_seen`,`seq`);--> statement-breakpoint
-- Existing patterns upgrade: each source keeps its event's latest score value and event time; a pattern's support is the number of its provenance rows (at least 1).
UPDATE `pattern_sources` SET
  `value` = coalesce(
    (SELECT s.`value` FROM `event_scores` s WHERE s.`project` = `pattern_sources`.`project` AND s.`event_id` = `pattern_sources`.`event_id` ORDER BY s.`scored_at` DESC LIMIT 1),
    (SELECT p.`value` FROM `patterns` p WHERE p.`project` = `pattern_sources`.`project` AND p.`pattern_id` = `pattern_sources`.`pattern_id`)
  ),
  `event_time` = coalesce(
    (SELECT e.`client_time_ms` FROM `events` e WHERE e.`project` = `pattern_sources`.`project` AND e.`event_id` = `pattern_sources`.`event_id`),
    `added_at`
  );--> statement-breakpoint
UPDATE `patterns` SET
  `support` = max(1, (SELECT count(*) FROM `pattern_sources` ps WHERE ps.`project` = `patterns`.`project` AND ps.`pattern_id` = `patterns`.`pattern_id`)),
  `quality` = coalesce((SELECT avg(ps.`value`) FROM `pattern_sources` ps WHERE ps.`project` = `patterns`.`project` AND ps.`pattern_id` = `patterns`.`pattern_id`), `value`),
  `first_seen` = coalesce((SELECT min(ps.`event_time`) FROM `pattern_sources` ps WHERE ps.`project` = `patterns`.`project` AND ps.`pattern_id` = `patterns`.`pattern_id`), `created_at`),
  `last_seen` = coalesce((SELECT max(ps.`event_time`) FROM `pattern_sources` ps WHERE ps.`project` = `patterns`.`project` AND ps.`pattern_id` = `patterns`.`pattern_id`), `updated_at`),
  `exemplar_event_id` = (SELECT ps.`event_id` FROM `pattern_sources` ps WHERE ps.`project` = `patterns`.`project` AND ps.`pattern_id` = `patterns`.`pattern_id`
    ORDER BY coalesce(ps.`value`, -1) DESC, ps.`event_time`, ps.`event_id` LIMIT 1);
