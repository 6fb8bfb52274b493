CREATE TABLE `archives` (
	`key` text PRIMARY KEY NOT NULL,
	`project` text NOT NULL,
	`events` integer NOT NULL,
	`bytes` integer NOT NULL,
	`sha256` text NOT NULL,
	`first_seq` integer NOT NULL,
	`last_seq` integer NOT NULL,
	`from_time` integer NOT NULL,
	`to_time` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `archives_project` ON `archives` (`project`,`created_at`);--> statement-breakpoint
CREATE TABLE `dataset_examples` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project` text NOT NULL,
	`dataset` text NOT NULL,
	`content_hash` text NOT NULL,
	`event_id` text NOT NULL,
	`line` text NOT NULL,
	`bytes` integer NOT NULL,
	`added_at` integer NOT NULL,
	`removed_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dataset_examples_hash` ON `dataset_examples` (`project`,`dataset`,`content_hash`);--> statement-breakpoint
CREATE TABLE `dataset_snapshots` (
	`project` text NOT NULL,
	`dataset` text NOT NULL,
	`version` integer NOT NULL,
	`examples` integer NOT NULL,
	`bytes` integer NOT NULL,
	`sha256` text NOT NULL,
	`rules` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`project`, `dataset`, `version`)
);
--> statement-breakpoint
CREATE TABLE `datasets` (
	`project` text NOT NULL,
	`name` text NOT NULL,
	`rules` text NOT NULL,
	`current_version` integer,
	`cursor` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`project`, `name`)
);
--> statement-breakpoint
CREATE TABLE `retention_policies` (
	`project` text PRIMARY KEY NOT NULL,
	`raw_events_days` integer NOT NULL,
	`processed_days` integer NOT NULL,
	`dead_letters_days` integer NOT NULL,
	`archives_days` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `snapshot_members` (
	`project` text NOT NULL,
	`dataset` text NOT NULL,
	`version` integer NOT NULL,
	`example_seq` integer NOT NULL,
	PRIMARY KEY(`project`, `dataset`, `version`, `example_seq`)
);
--> statement-breakpoint
CREATE VIEW `dataset_current_sizes` AS SELECT `project`, `dataset`, count(*) AS `example_count`, sum(`bytes`) AS `size_bytes` FROM `dataset_examples` WHERE `removed_at` IS NULL GROUP BY `project`, `dataset`;
