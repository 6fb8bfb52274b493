-- Default weight profiles (version 1) and the rules that choose them.
-- Weights are relative: only their ratios matter. Change them through
-- POST /v1/admin/scoring/profiles/{name}/versions, never by editing this file.
INSERT INTO `weight_profiles` (`name`, `version`, `weights`, `note`, `created_at`) VALUES
  ('default', 1, '{"outcome":0.4,"feedback":0.2,"reusability":0.2,"complexity":0.1,"novelty":0.1}', 'seeded default', 0),
  ('code_generation', 1, '{"outcome":0.4,"feedback":0.2,"reusability":0.25,"complexity":0.1,"novelty":0.05}', 'seeded default', 0),
  ('documentation', 1, '{"outcome":0.25,"feedback":0.35,"reusability":0.25,"complexity":0.05,"novelty":0.1}', 'seeded default', 0),
  ('debugging', 1, '{"outcome":0.45,"feedback":0.2,"reusability":0.1,"complexity":0.1,"novelty":0.15}', 'seeded default', 0);
--> statement-breakpoint
INSERT INTO `profile_rules` (`position`, `profile`, `match_type`, `match_source`, `match_tag`) VALUES
  (1, 'debugging', NULL, NULL, 'debug*'),
  (2, 'documentation', NULL, NULL, 'doc*'),
  (3, 'code_generation', NULL, NULL, 'code*'),
  (4, 'debugging', '*error*', NULL, NULL),
  (5, 'debugging', '*fix*', NULL, NULL),
  (6, 'documentation', '*doc*', NULL, NULL),
  (7, 'code_generation', '*completion*', NULL, NULL),
  (8, 'code_generation', '*refactor*', NULL, NULL);
