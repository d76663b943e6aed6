-- Lookups of a profile by id go through (account_id, id), named with
-- INDEXED BY: another account's existing id then costs the same b-tree
-- descent as an id that does not exist (the UNIQUE index on id alone found
-- the row first and compared its account, a few microseconds more: an
-- oracle of which ids exist elsewhere, weak with 119 random bits, but
-- free to close).
CREATE INDEX IF NOT EXISTS profiles_account_id ON profiles (account_id, id);
