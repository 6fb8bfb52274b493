-- A pattern's sources in time order, now covering `value` as well: recomputing a pattern's support, quality, value and
-- first/last seen (on every extraction that touches it) reads this index range alone. Without `value` in it, SQLite
-- looked up every source's table row: at 750k events that was a random page read per source per touched pattern, and
-- the 1M-event memory run fell to ~200 accepted events/s, bound by pread (test/workers/query-plans.test.ts).
DROP INDEX `pattern_sources_by_time`;--> statement-breakpoint
CREATE INDEX `pattern_sources_by_time` ON `pattern_sources` (`project`,`pattern_id`,`event_time`,`event_id`,`value`);