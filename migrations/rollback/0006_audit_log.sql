-- Rollback of 0006_audit_log.sql. Entries keep their time, action, subject and reason; who acted, the project and the details are lost.
DROP INDEX IF EXISTS `audit_log_at`;
ALTER TABLE `audit_log` DROP COLUMN `details`;
ALTER TABLE `audit_log` DROP COLUMN `project`;
ALTER TABLE `audit_log` DROP COLUMN `actor`;
