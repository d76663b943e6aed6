-- A check value per encryption key id: a known plaintext sealed under that
-- key (package sealed, associated data "key_checks.sealed|<key id>"). Open
-- verifies each one whose key is in the keyring before it serves anything,
-- so that other key material given under a known id is refused at start-up
-- instead of failing every profile and sealing new ones under a second key
-- of the same id. The primary key's check value is written when it is
-- missing (a new database, a new key, or a database from before this
-- migration, after one of its profiles under that key has opened).
CREATE TABLE IF NOT EXISTS key_checks (
    key_id     TEXT PRIMARY KEY,
    sealed     BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
