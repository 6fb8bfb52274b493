CREATE TABLE `otlp_log_records` (
	`project` text NOT NULL,
	`record_key` text NOT NULL,
	`trace_id` text NOT NULL,
	`span_id` text NOT NULL,
	`time_unix_nano` text NOT NULL,
	`position` integer NOT NULL,
	`name` text NOT NULL,
	`body` text NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`project`, `record_key`)
);
--> statement-breakpoint
CREATE INDEX `otlp_log_records_span` ON `otlp_log_records` (`project`,`trace_id`,`span_id`);--> statement-breakpoint
CREATE INDEX `otlp_log_records_received` ON `otlp_log_records` (`received_at`);