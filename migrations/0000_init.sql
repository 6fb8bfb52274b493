CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`project` text NOT NULL,
	`key_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE TABLE `counters` (
	`name` text NOT NULL,
	`labels` text DEFAULT '' NOT NULL,
	`value` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`name`, `labels`)
);
--> statement-breakpoint
CREATE TABLE `dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`body` text NOT NULL,
	`reason` text NOT NULL,
	`attempts` integer NOT NULL,
	`created_at` integer NOT NULL,
	`replayed_at` integer
);
--> statement-breakpoint
CREATE TABLE `events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project` text NOT NULL,
	`event_id` text NOT NULL,
	`batch_id` text NOT NULL,
	`schema_version` integer NOT NULL,
	`type` text NOT NULL,
	`source` text NOT NULL,
	`client_timestamp` text NOT NULL,
	`client_time_ms` integer NOT NULL,
	`interaction_id` text,
	`received_at` integer NOT NULL,
	`status` text DEFAULT 'received' NOT NULL,
	`processed_at` integer,
	`payload` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_project_event_id` ON `events` (`project`,`event_id`);--> statement-breakpoint
CREATE INDEX `events_batch` ON `events` (`batch_id`);--> statement-breakpoint
CREATE INDEX `events_project_interaction` ON `events` (`project`,`interaction_id`);--> statement-breakpoint
CREATE TABLE `ingest_batches` (
	`batch_id` text PRIMARY KEY NOT NULL,
	`project` text NOT NULL,
	`event_count` integer NOT NULL,
	`created_at` integer NOT NULL,
	`enqueued_at` integer NOT NULL,
	`relay_count` integer DEFAULT 0 NOT NULL,
	`done_at` integer
);
--> statement-breakpoint
CREATE INDEX `ingest_batches_pending` ON `ingest_batches` (`enqueued_at`) WHERE done_at IS NULL;