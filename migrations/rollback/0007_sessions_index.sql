-- Rollback of 0007_sessions_index.sql. Session pages scan the project's events again; nothing is lost.
DROP INDEX IF EXISTS `events_project_session`;
