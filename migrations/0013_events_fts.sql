-- Full-text search over each event's conversation (GET /v1/events?q=…). An external-content FTS5 table: the
-- text is not stored twice; `events_fts_text` (a view over events) is its content, keyed by events.seq.
-- The indexed text of an event: its query, its response, and the text of every message (string content,
-- text parts, tool call arguments), one per line. The three triggers below compute it from the payload
-- exactly as the view does (an external-content delete must be given the text that was indexed): change
-- all four together, then rebuild the index (see the backfill at the end).
-- Tokenizer: porter stemming over unicode61 without diacritics ("rotating" finds "rotate", "café" finds "cafe").
CREATE VIEW `events_fts_text` AS SELECT `seq`,
  coalesce(payload ->> '$.query', '') || char(10) || coalesce(payload ->> '$.response', '') || char(10) ||
  coalesce((SELECT group_concat(j.value, char(10)) FROM json_tree(payload, '$.messages') AS j
            WHERE j.type = 'text' AND (j.key = 'content' OR j.key = 'arguments' OR (j.key = 'text' AND j.path LIKE '%.content[%'))), '') AS `body`
FROM `events`;--> statement-breakpoint
CREATE VIRTUAL TABLE `events_fts` USING fts5(body, content='events_fts_text', content_rowid='seq', tokenize='porter unicode61 remove_diacritics 2');--> statement-breakpoint
CREATE TRIGGER `events_fts_insert` AFTER INSERT ON `events` BEGIN
  INSERT INTO events_fts (rowid, body) VALUES (new.seq,
    coalesce(new.payload ->> '$.query', '') || char(10) || coalesce(new.payload ->> '$.response', '') || char(10) ||
    coalesce((SELECT group_concat(j.value, char(10)) FROM json_tree(new.payload, '$.messages') AS j
              WHERE j.type = 'text' AND (j.key = 'content' OR j.key = 'arguments' OR (j.key = 'text' AND j.path LIKE '%.content[%'))), ''));
END;--> statement-breakpoint
CREATE TRIGGER `events_fts_delete` AFTER DELETE ON `events` BEGIN
  INSERT INTO events_fts (events_fts, rowid, body) VALUES ('delete', old.seq,
    coalesce(old.payload ->> '$.query', '') || char(10) || coalesce(old.payload ->> '$.response', '') || char(10) ||
    coalesce((SELECT group_concat(j.value, char(10)) FROM json_tree(old.payload, '$.messages') AS j
              WHERE j.type = 'text' AND (j.key = 'content' OR j.key = 'arguments' OR (j.key = 'text' AND j.path LIKE '%.content[%'))), ''));
END;--> statement-breakpoint
CREATE TRIGGER `events_fts_update` AFTER UPDATE OF `payload` ON `events` BEGIN
  INSERT INTO events_fts (events_fts, rowid, body) VALUES ('delete', old.seq,
    coalesce(old.payload ->> '$.query', '') || char(10) || coalesce(old.payload ->> '$.response', '') || char(10) ||
    coalesce((SELECT group_concat(j.value, char(10)) FROM json_tree(old.payload, '$.messages') AS j
              WHERE j.type = 'text' AND (j.key = 'content' OR j.key = 'arguments' OR (j.key = 'text' AND j.path LIKE '%.content[%'))), ''));
  INSERT INTO events_fts (rowid, body) VALUES (new.seq,
    coalesce(new.payload ->> '$.query', '') || char(10) || coalesce(new.payload ->> '$.response', '') || char(10) ||
    coalesce((SELECT group_concat(j.value, char(10)) FROM json_tree(new.payload, '$.messages') AS j
              WHERE j.type = 'text' AND (j.key = 'content' OR j.key = 'arguments' OR (j.key = 'text' AND j.path LIKE '%.content[%'))), ''));
END;--> statement-breakpoint
-- Backfill: index every event stored before this migration, from the view. (Not FTS5's 'rebuild' command:
-- FTS5 reads its content for that with virtual tables disallowed, and json_tree is one. To rebuild, run
-- INSERT INTO events_fts (events_fts) VALUES ('delete-all') and then this statement.)
INSERT INTO events_fts (rowid, body) SELECT seq, body FROM events_fts_text;
