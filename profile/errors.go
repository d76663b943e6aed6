package profile

import (
	"errors"
	"sort"
	"strings"
)

// Sentinel errors of the domain. Adapters wrap them with %w; the HTTP layer
// maps them to statuses with errors.Is in [writeError].
var (
	// ErrNotFound: no such profile in the caller's account (a profile of
	// another account is reported exactly like a missing one).
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized: missing, malformed, unknown or revoked API key.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrConflict: a unique constraint would be violated (external_id taken,
	// Idempotency-Key reused with another body).
	ErrConflict = errors.New("conflict")
	// ErrPreconditionFailed: If-Match named a version that is no longer current.
	ErrPreconditionFailed = errors.New("precondition failed")
)

// ConflictError is an [ErrConflict] that names the parameter in conflict.
type ConflictError struct {
	Param   string
	Message string
}

func (e *ConflictError) Error() string { return e.Message }

// Is reports ErrConflict, so callers can test with errors.Is.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// ValidationError lists what is wrong with a request, by field name. Its
// messages never contain the submitted values, so it is safe to log and to
// return to the client.
type ValidationError struct {
	Problems map[string]string
}

// Invalid returns a *ValidationError with a single problem.
func Invalid(field, msg string) *ValidationError {
	return &ValidationError{Problems: map[string]string{field: msg}}
}

// Field returns the first field in alphabetical order, so the reported
// problem is deterministic.
func (e *ValidationError) Field() string {
	if keys := sortedKeys(e.Problems); len(keys) > 0 {
		return keys[0]
	}
	return ""
}

// Message is the problem of [ValidationError.Field].
func (e *ValidationError) Message() string { return e.Problems[e.Field()] }

func (e *ValidationError) Error() string {
	var b strings.Builder
	for i, k := range sortedKeys(e.Problems) {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Problems[k])
	}
	return b.String()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
