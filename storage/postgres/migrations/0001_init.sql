-- palja's schema on PostgreSQL: the same tables as storage/sqlite's, with
-- PostgreSQL's types. Times are Unix seconds (bigint), as in SQLite, so
-- that package sealed reads rows of both alike.

-- Accounts own API keys and profiles.
CREATE TABLE accounts (
    id         text PRIMARY KEY,
    created_at bigint NOT NULL
);

-- API keys: only the SHA-256 of the secret is stored (auth.Hash). rate and
-- burst are NULL for the server's defaults. seq orders keys oldest first.
CREATE TABLE api_keys (
    seq          bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    id           text PRIMARY KEY,
    account_id   text NOT NULL REFERENCES accounts (id),
    name         text NOT NULL,
    prefix       text NOT NULL,
    hash         bytea NOT NULL UNIQUE,
    rate         double precision,
    burst        integer,
    created_at   bigint NOT NULL,
    last_used_at bigint,
    revoked_at   bigint
);
CREATE INDEX api_keys_account ON api_keys (account_id);

-- Profiles: every personal field is in sealed, one AES-256-GCM ciphertext
-- under the keyring key named by key_id, bound to its account and id.
-- seq orders profiles newest first and backs the list cursor.
CREATE TABLE profiles (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          text NOT NULL UNIQUE,
    account_id  text NOT NULL REFERENCES accounts (id),
    external_id text,
    key_id      text NOT NULL,
    sealed      bytea NOT NULL,
    version     bigint NOT NULL,
    created_at  bigint NOT NULL,
    updated_at  bigint NOT NULL,
    CONSTRAINT profiles_account_external_id UNIQUE (account_id, external_id)
);
CREATE INDEX profiles_account_seq ON profiles (account_id, seq);
CREATE INDEX profiles_key_id ON profiles (key_id, seq);

-- Idempotency keys of POST /v1/profiles, remembered for
-- profile.IdempotencyTTL. fingerprint is sealed (package sealed). profile_id
-- is not a foreign key: deleting a profile deletes its keys explicitly.
CREATE TABLE idempotency_keys (
    seq         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    account_id  text NOT NULL REFERENCES accounts (id),
    key         text NOT NULL,
    fingerprint bytea NOT NULL,
    profile_id  text NOT NULL,
    created_at  bigint NOT NULL,
    PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
CREATE INDEX idempotency_keys_profile ON idempotency_keys (account_id, profile_id);
