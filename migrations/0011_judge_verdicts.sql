CREATE TABLE `judge_verdicts` (
	`project` text NOT NULL,
	`content_hash` text NOT NULL,
	`model` text NOT NULL,
	`quality` real NOT NULL,
	`non_answer` integer NOT NULL,
	`reason` text NOT NULL,
	`judged_at` integer NOT NULL,
	PRIMARY KEY(`project`, `content_hash`)
);
