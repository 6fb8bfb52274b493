CREATE TABLE `audit_log` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`action` text NOT NULL,
	`subject` text NOT NULL,
	`reason` text
);
--> statement-breakpoint
CREATE TABLE `histograms` (
	`name` text NOT NULL,
	`labels` text DEFAULT '' NOT NULL,
	`bucket` text NOT NULL,
	`value` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`name`, `labels`, `bucket`)
);
--> statement-breakpoint
CREATE TABLE `job_runs` (
	`name` text PRIMARY KEY NOT NULL,
	`last_started_at` integer,
	`last_success_at` integer,
	`last_error` text,
	`last_result` text,
	`runs` integer DEFAULT 0 NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL
);
