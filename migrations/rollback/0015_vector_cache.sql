-- Rollback of 0015_vector_cache: the embedded store's change sequence. After it, run a store build without the
-- per-isolate cache (it reads vector_heads and vectors.rev).
DROP TRIGGER IF EXISTS `vectors_reset_on_foreign_update`;
DROP TRIGGER IF EXISTS `vectors_reset_on_foreign_insert`;
DROP TRIGGER IF EXISTS `vectors_reset_on_delete`;
DROP INDEX IF EXISTS `vectors_rev`;
ALTER TABLE `vectors` DROP COLUMN `rev`;
DROP TABLE IF EXISTS `vector_heads`;
