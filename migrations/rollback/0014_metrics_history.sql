-- Rollback of 0014_metrics_history.sql. The dashboard's server-side history (per-minute samples and hourly rollups) is lost.
DROP INDEX IF EXISTS `event_scores_scored_at`;
DROP TABLE IF EXISTS `metrics_minutes`;
DROP TABLE IF EXISTS `metrics_hours`;
