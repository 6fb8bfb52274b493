-- Adds the `quality` component (the answer-quality judge, docs/answer-quality.md) to every
-- weight profile as a new version: its latest weights plus quality 0.25. Versions before
-- this one weigh quality 0 (src/domain/scoring/components.ts upcastWeights), so their scores
-- stay what they were; the scoring cron re-scores events with the new versions.
INSERT INTO `weight_profiles` (`name`, `version`, `weights`, `note`, `created_at`)
SELECT p.`name`, p.`version` + 1, json_set(p.`weights`, '$.quality', 0.25), 'adds the quality component (migration 0010)', 0
FROM `weight_profiles` p
WHERE p.`version` = (SELECT max(q.`version`) FROM `weight_profiles` q WHERE q.`name` = p.`name`)
  AND json_extract(p.`weights`, '$.quality') IS NULL;
