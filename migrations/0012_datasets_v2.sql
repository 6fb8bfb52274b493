ALTER TABLE `dataset_examples` ADD `kind` text DEFAULT 'chat' NOT NULL;--> statement-breakpoint
ALTER TABLE `dataset_examples` ADD `split` text DEFAULT 'train' NOT NULL;--> statement-breakpoint
ALTER TABLE `dataset_examples` ADD `source` text;--> statement-breakpoint
ALTER TABLE `dataset_examples` ADD `model` text;--> statement-breakpoint
ALTER TABLE `dataset_examples` ADD `value` real;--> statement-breakpoint
ALTER TABLE `dataset_examples` ADD `first_user` text;--> statement-breakpoint
ALTER TABLE `dataset_examples` ADD `source_event_ids` text;--> statement-breakpoint
ALTER TABLE `dataset_examples` ADD `session_id` text;--> statement-breakpoint
CREATE INDEX `dataset_examples_list` ON `dataset_examples` (`project`,`dataset`,`seq`);--> statement-breakpoint
ALTER TABLE `dataset_snapshots` ADD `counts` text;--> statement-breakpoint
ALTER TABLE `datasets` ADD `excluded_redacted` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `feedback` ADD `correction` text;--> statement-breakpoint
-- Examples from before datasets v2 (system, user, assistant) keep split `train`; their lineage and first user text come from what they hold.
UPDATE `dataset_examples` SET `source_event_ids` = json_array(`event_id`), `first_user` = json_extract(`line`, '$.messages[1].content') WHERE `source_event_ids` IS NULL;
