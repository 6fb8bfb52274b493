-- Rollback of 0001_scoring.sql.
DROP TABLE IF EXISTS `similarity_cache`;
DROP TABLE IF EXISTS `job_cursors`;
DROP TABLE IF EXISTS `feedback`;
DROP TABLE IF EXISTS `event_scores`;
DROP TABLE IF EXISTS `profile_rules`;
DROP TABLE IF EXISTS `weight_profiles`;
DROP TABLE IF EXISTS `vectors`;
