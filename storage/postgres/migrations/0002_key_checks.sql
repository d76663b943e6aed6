-- A check value per encryption key id, as in storage/sqlite (0003): a
-- known plaintext sealed under that key (package sealed, associated data
-- "key_checks.sealed|<key id>"). Open verifies each one whose key is in the
-- keyring before it serves anything, so that an instance given other key
-- material under a known id is refused at start-up instead of failing
-- every profile and sealing new ones that the other instances cannot open.
-- Open writes the primary key's check value when it is missing.
CREATE TABLE key_checks (
    key_id     text PRIMARY KEY,
    sealed     bytea NOT NULL,
    created_at bigint NOT NULL
);
