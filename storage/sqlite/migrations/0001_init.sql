-- Accounts own API keys and profiles.
CREATE TABLE accounts (
    id         TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
);

-- API keys: only the SHA-256 of the secret is stored (profile.HashAPIKey).
-- rate and burst are NULL for the server's defaults.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         BLOB NOT NULL UNIQUE,
    rate         REAL,
    burst        INTEGER,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_keys_account ON api_keys (account_id);

-- Profiles: every personal field is in sealed, one AES-256-GCM ciphertext
-- under the keyring key named by key_id, bound to its account and id.
-- seq orders profiles newest first and backs the list cursor.
CREATE TABLE profiles (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    external_id TEXT,
    key_id      TEXT NOT NULL,
    sealed      BLOB NOT NULL,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (account_id, external_id)
);
CREATE INDEX profiles_account_seq ON profiles (account_id, seq);
CREATE INDEX profiles_key_id ON profiles (key_id);

-- Idempotency keys of POST /v1/profiles, remembered for
-- profile.IdempotencyTTL. profile_id is not a foreign key: the profile may
-- be deleted later, and a retry must then be told so.
CREATE TABLE idempotency_keys (
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    key         TEXT NOT NULL,
    fingerprint BLOB NOT NULL,
    profile_id  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
