CREATE TABLE `event_scores` (
	`project` text NOT NULL,
	`event_id` text NOT NULL,
	`profile` text NOT NULL,
	`profile_version` integer NOT NULL,
	`value` real,
	`confidence` real NOT NULL,
	`components` text NOT NULL,
	`high_value` integer NOT NULL,
	`reason` text NOT NULL,
	`scored_at` integer NOT NULL,
	PRIMARY KEY(`project`, `event_id`, `profile`, `profile_version`)
);
--> statement-breakpoint
CREATE INDEX `event_scores_latest` ON `event_scores` (`project`,`event_id`,`scored_at`);--> statement-breakpoint
CREATE TABLE `feedback` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project` text NOT NULL,
	`feedback_id` text NOT NULL,
	`event_id` text,
	`interaction_id` text,
	`rating` integer NOT NULL,
	`comment` text,
	`outcome` text,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `feedback_id` ON `feedback` (`project`,`feedback_id`);--> statement-breakpoint
CREATE INDEX `feedback_event` ON `feedback` (`project`,`event_id`);--> statement-breakpoint
CREATE INDEX `feedback_interaction` ON `feedback` (`project`,`interaction_id`);--> statement-breakpoint
CREATE TABLE `job_cursors` (
	`name` text PRIMARY KEY NOT NULL,
	`position` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `profile_rules` (
	`position` integer PRIMARY KEY NOT NULL,
	`profile` text NOT NULL,
	`match_type` text,
	`match_source` text,
	`match_tag` text
);
--> statement-breakpoint
CREATE TABLE `similarity_cache` (
	`collection` text NOT NULL,
	`project` text NOT NULL,
	`text_hash` text NOT NULL,
	`neighbours` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`collection`, `project`, `text_hash`)
);
--> statement-breakpoint
CREATE TABLE `vectors` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`collection` text NOT NULL,
	`point_id` text NOT NULL,
	`project` text NOT NULL,
	`vector` text NOT NULL,
	`payload` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `vectors_point` ON `vectors` (`collection`,`point_id`);--> statement-breakpoint
CREATE INDEX `vectors_scan` ON `vectors` (`collection`,`project`,`seq`);--> statement-breakpoint
CREATE TABLE `weight_profiles` (
	`name` text NOT NULL,
	`version` integer NOT NULL,
	`weights` text NOT NULL,
	`note` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`name`, `version`)
);
