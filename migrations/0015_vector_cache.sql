CREATE TABLE `vector_heads` (
	`collection` text NOT NULL,
	`project` text NOT NULL,
	`rev` integer DEFAULT 0 NOT NULL,
	`resets` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`collection`, `project`)
);
--> statement-breakpoint
ALTER TABLE `vectors` ADD `rev` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `vectors_rev` ON `vectors` (`collection`,`project`,`rev`);--> statement-breakpoint
-- Any change that did not come through the store's upsert (which stamps rows with a bumped rev) resets the
-- (collection, project): isolates holding decoded vectors reload its window (docs/vector-store.md).
CREATE TRIGGER `vectors_reset_on_delete` AFTER DELETE ON `vectors` BEGIN
  INSERT INTO `vector_heads` (`collection`, `project`, `rev`, `resets`) VALUES (OLD.`collection`, OLD.`project`, 0, 1)
    ON CONFLICT (`collection`, `project`) DO UPDATE SET `resets` = `resets` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `vectors_reset_on_foreign_insert` AFTER INSERT ON `vectors` WHEN NEW.`rev` = 0 BEGIN
  INSERT INTO `vector_heads` (`collection`, `project`, `rev`, `resets`) VALUES (NEW.`collection`, NEW.`project`, 0, 1)
    ON CONFLICT (`collection`, `project`) DO UPDATE SET `resets` = `resets` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `vectors_reset_on_foreign_update` AFTER UPDATE ON `vectors` WHEN NEW.`rev` = OLD.`rev` BEGIN
  INSERT INTO `vector_heads` (`collection`, `project`, `rev`, `resets`) VALUES (NEW.`collection`, NEW.`project`, 0, 1)
    ON CONFLICT (`collection`, `project`) DO UPDATE SET `resets` = `resets` + 1;
  INSERT INTO `vector_heads` (`collection`, `project`, `rev`, `resets`) VALUES (OLD.`collection`, OLD.`project`, 0, 1)
    ON CONFLICT (`collection`, `project`) DO UPDATE SET `resets` = `resets` + 1;
END;
