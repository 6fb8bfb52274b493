-- Rollback of 0002_seed_weight_profiles.sql: removes the seeded rows only.
DELETE FROM `profile_rules` WHERE `position` BETWEEN 1 AND 8;
DELETE FROM `weight_profiles` WHERE `version` = 1 AND `note` = 'seeded default';
