CREATE TABLE `breakers` (
	`dependency` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`serialized` text NOT NULL,
	`opened_at` integer,
	`last_failure` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `extractions` (
	`project` text NOT NULL,
	`event_id` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`pattern_id` text,
	`enqueued_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`project`, `event_id`)
);
--> statement-breakpoint
CREATE INDEX `extractions_pending` ON `extractions` (`enqueued_at`) WHERE status = 'pending';--> statement-breakpoint
CREATE TABLE `pattern_sources` (
	`project` text NOT NULL,
	`pattern_id` text NOT NULL,
	`event_id` text NOT NULL,
	`added_at` integer NOT NULL,
	PRIMARY KEY(`project`, `pattern_id`, `event_id`)
);
--> statement-breakpoint
CREATE TABLE `patterns` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project` text NOT NULL,
	`pattern_id` text NOT NULL,
	`schema_version` integer NOT NULL,
	`pattern` text NOT NULL,
	`extractor` text NOT NULL,
	`needs_reextract` integer DEFAULT 0 NOT NULL,
	`value` real,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `patterns_id` ON `patterns` (`project`,`pattern_id`);--> statement-breakpoint
CREATE INDEX `patterns_reextract` ON `patterns` (`needs_reextract`);--> statement-breakpoint
CREATE TABLE `vector_collections` (
	`name` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`model` text NOT NULL,
	`dimension` integer NOT NULL,
	`status` text NOT NULL,
	`cursor` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `vector_collections_kind` ON `vector_collections` (`kind`,`status`);