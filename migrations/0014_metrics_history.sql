CREATE TABLE `metrics_hours` (
	`hour` integer PRIMARY KEY NOT NULL,
	`samples` integer NOT NULL,
	`scores` integer NOT NULL,
	`series` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `metrics_minutes` (
	`minute` integer PRIMARY KEY NOT NULL,
	`sampled_at` integer NOT NULL,
	`counters` text NOT NULL,
	`backlog_events` integer NOT NULL,
	`backlog_chunks` integer NOT NULL,
	`lag_seconds` real NOT NULL,
	`dead_letters` integer NOT NULL,
	`high_value` integer NOT NULL,
	`scores` integer NOT NULL,
	`mean_score` real
);
--> statement-breakpoint
CREATE INDEX `event_scores_scored_at` ON `event_scores` (`scored_at`);