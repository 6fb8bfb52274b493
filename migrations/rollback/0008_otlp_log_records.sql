-- Rollback of 0008_otlp_log_records.sql. GenAI log records not yet joined to their span's event are lost; joined ones live on in the events.
DROP INDEX IF EXISTS `otlp_log_records_received`;
DROP INDEX IF EXISTS `otlp_log_records_span`;
DROP TABLE IF EXISTS `otlp_log_records`;
