-- idempotency_keys.fingerprint now holds the fingerprint sealed with the
-- keyring (associated data "idempotency_keys.fingerprint|<account id>|<key>"),
-- no longer the bare SHA-256 of the request body: that hash of a few
-- guessable fields (name, birth date and hour, gender, external_id) could be
-- reversed by brute force. The column keeps its name and type.
--
-- Rows written before this migration hold the bare hash. They could never
-- be replayed any more (a bare hash does not open, which counts as expired),
-- so they are deleted here rather than left for the hourly purge; the
-- writer's secure_delete overwrites them in the database file.
DELETE FROM idempotency_keys;

-- Deleting a profile deletes the idempotency keys that point to it, in the
-- same transaction; this index serves that lookup. (profile_id stays a
-- plain column, not a foreign key.)
CREATE INDEX IF NOT EXISTS idempotency_keys_profile ON idempotency_keys (account_id, profile_id);
