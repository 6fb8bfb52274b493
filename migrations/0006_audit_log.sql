ALTER TABLE `audit_log` ADD `actor` text DEFAULT 'admin' NOT NULL;--> statement-breakpoint
ALTER TABLE `audit_log` ADD `project` text;--> statement-breakpoint
ALTER TABLE `audit_log` ADD `details` text;--> statement-breakpoint
CREATE INDEX `audit_log_at` ON `audit_log` (`at`);