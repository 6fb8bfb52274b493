-- Rollback of 0004_patterns.sql.
DROP TABLE IF EXISTS `vector_collections`;
DROP TABLE IF EXISTS `patterns`;
DROP TABLE IF EXISTS `extractions`;
DROP TABLE IF EXISTS `breakers`;
DROP TABLE IF EXISTS `pattern_sources`;
