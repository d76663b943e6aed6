package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// stmtID names a statement of the table below.
type stmtID int

const (
	stBegin stmtID = iota
	stCommit
	stRollback
	stSavepoint
	stRelease
	stRollbackTo
	stProfileByID
	stProfileByExt
	stList
	stSeqOf
	stInsertProfile
	stUpdateProfile
	stUpdateSealed
	stUpdateProfileIf
	stUpdateSealedIf
	stDeleteByID
	stDeleteByExt
	stIdemGet
	stIdemPut
	stIdemDelete
	stKeyByHash
	stTouchKey
	numStmts
)

// where says on which connections a statement is prepared.
type where uint8

const (
	onWriter  where = 1 << iota // the writer's connection
	onReaders                   // the query-only pool
)

const (
	selectProfile = "SELECT seq, id, external_id, sealed, version, created_at, updated_at FROM profiles"
	selectKey     = "SELECT id, account_id, name, prefix, rate, burst, created_at, last_used_at, revoked_at FROM api_keys"
)

// statements is every statement prepared once at [Open]: on the writer's
// connection, on the read pool, or, for the reads that a write also makes,
// on both. The queries use ? placeholders, passed through Rebind.
var statements = [numStmts]struct {
	query string
	on    where
}{
	stBegin:        {sqlBegin, onWriter},
	stCommit:       {"COMMIT", onWriter},
	stRollback:     {"ROLLBACK", onWriter},
	stSavepoint:    {"SAVEPOINT op", onWriter},
	stRelease:      {"RELEASE op", onWriter},
	stRollbackTo:   {"ROLLBACK TO op", onWriter},
	stProfileByID:  {selectProfile + " INDEXED BY profiles_account_id WHERE account_id = ? AND id = ?", onWriter | onReaders},
	stProfileByExt: {selectProfile + " WHERE account_id = ? AND external_id = ?", onWriter | onReaders},
	stList:         {selectProfile + " WHERE account_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?", onReaders},
	stSeqOf:        {"SELECT seq FROM profiles INDEXED BY profiles_account_id WHERE account_id = ? AND id = ?", onReaders},
	stInsertProfile: {"INSERT INTO profiles (id, account_id, external_id, key_id, sealed, version, created_at, updated_at)" +
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?)", onWriter},
	stUpdateProfile: {"UPDATE profiles SET external_id = ?, key_id = ?, sealed = ?, version = ?, updated_at = ? WHERE seq = ?", onWriter},
	stUpdateSealed:  {"UPDATE profiles SET sealed = ?, version = ?, updated_at = ? WHERE seq = ?", onWriter},
	// The updates of a row as it was read, if it still is (see
	// [wtx.update]): seq may name another profile after a delete, id
	// cannot; a re-seal under another key changes key_id, not version.
	stUpdateProfileIf: {"UPDATE profiles SET external_id = ?, key_id = ?, sealed = ?, version = ?, updated_at = ?" +
		" WHERE seq = ? AND id = ? AND version = ?", onWriter},
	stUpdateSealedIf: {"UPDATE profiles SET sealed = ?, version = ?, updated_at = ?" +
		" WHERE seq = ? AND id = ? AND version = ? AND key_id = ?", onWriter},
	stDeleteByID:  {"DELETE FROM profiles INDEXED BY profiles_account_id WHERE account_id = ? AND id = ? RETURNING id, external_id, version", onWriter},
	stDeleteByExt: {"DELETE FROM profiles WHERE account_id = ? AND external_id = ? RETURNING id, external_id, version", onWriter},
	stIdemGet:     {"SELECT fingerprint, profile_id, created_at FROM idempotency_keys WHERE account_id = ? AND key = ?", onWriter},
	stIdemPut: {"INSERT INTO idempotency_keys (account_id, key, fingerprint, profile_id, created_at) VALUES (?, ?, ?, ?, ?)" +
		" ON CONFLICT (account_id, key) DO UPDATE SET fingerprint = excluded.fingerprint," +
		" profile_id = excluded.profile_id, created_at = excluded.created_at", onWriter},
	stIdemDelete: {"DELETE FROM idempotency_keys WHERE account_id = ? AND profile_id = ?", onWriter},
	stKeyByHash:  {selectKey + " WHERE hash = ?", onReaders},
	stTouchKey:   {"UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)", onWriter},
}

// stmts holds the statements of the table prepared on one connection or
// pool; those not meant for it are nil.
type stmts [numStmts]*sql.Stmt

// preparer is a *sql.Conn or a *sql.DB (or an *sqlx.DB).
type preparer interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// prepare prepares on p the statements meant for on. On an error it closes
// those it prepared.
func (s *stmts) prepare(ctx context.Context, p preparer, rebind func(string) string, on where) error {
	for id, st := range statements {
		if st.on&on == 0 {
			continue
		}
		prepared, err := p.PrepareContext(ctx, rebind(st.query))
		if err != nil {
			s.close()
			return fmt.Errorf("prepare %q: %w", st.query, err)
		}
		s[id] = prepared
	}
	return nil
}

// close closes the prepared statements.
func (s *stmts) close() error {
	var errs []error
	for id, st := range s {
		if st != nil {
			errs = append(errs, st.Close())
			s[id] = nil
		}
	}
	return errors.Join(errs...)
}
