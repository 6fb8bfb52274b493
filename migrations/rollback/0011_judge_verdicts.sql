-- Rollback of 0011_judge_verdicts.sql: the cached LLM judge verdicts are dropped; scoring falls back to the heuristic quality until events are judged again.
DROP TABLE IF EXISTS `judge_verdicts`;
