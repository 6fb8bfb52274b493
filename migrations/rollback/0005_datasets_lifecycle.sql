-- Rollback of 0005_datasets_lifecycle.sql. Archives already written to R2 stay there.
DROP VIEW IF EXISTS `dataset_current_sizes`;
DROP TABLE IF EXISTS `archives`;
DROP TABLE IF EXISTS `retention_policies`;
DROP TABLE IF EXISTS `snapshot_members`;
DROP TABLE IF EXISTS `dataset_snapshots`;
DROP TABLE IF EXISTS `dataset_examples`;
DROP TABLE IF EXISTS `datasets`;
