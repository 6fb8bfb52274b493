-- Rollback of 0003_observability.sql.
DROP TABLE IF EXISTS `audit_log`;
DROP TABLE IF EXISTS `histograms`;
DROP TABLE IF EXISTS `job_runs`;
