-- Rollback of 0016_relay_progress: the relays' progress indexes. Nothing reads them but the relays' progress queries,
-- which still answer without them (by a scan).
DROP INDEX IF EXISTS `ingest_batches_done`;
DROP INDEX IF EXISTS `extractions_done`;
