-- Rollback of 0012_datasets_v2.sql. Examples keep their lines; their kind, split, lineage columns, the snapshots' split counts and feedback corrections are lost.
DROP INDEX IF EXISTS `dataset_examples_list`;
ALTER TABLE `feedback` DROP COLUMN `correction`;
ALTER TABLE `datasets` DROP COLUMN `excluded_redacted`;
ALTER TABLE `dataset_snapshots` DROP COLUMN `counts`;
ALTER TABLE `dataset_examples` DROP COLUMN `session_id`;
ALTER TABLE `dataset_examples` DROP COLUMN `source_event_ids`;
ALTER TABLE `dataset_examples` DROP COLUMN `first_user`;
ALTER TABLE `dataset_examples` DROP COLUMN `value`;
ALTER TABLE `dataset_examples` DROP COLUMN `model`;
ALTER TABLE `dataset_examples` DROP COLUMN `source`;
ALTER TABLE `dataset_examples` DROP COLUMN `split`;
ALTER TABLE `dataset_examples` DROP COLUMN `kind`;
