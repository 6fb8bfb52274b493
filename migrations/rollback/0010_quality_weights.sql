-- Rollback of 0010_quality_weights.sql: the versions it added are removed; scores made with them keep their numbers but name a version that no longer exists (their weight values read as {}).
DELETE FROM `weight_profiles` WHERE `note` = 'adds the quality component (migration 0010)';
