package profile

import "errors"

// Sentinel errors of the domain. Adapters wrap them with %w; the HTTP layer
// maps them to statuses with errors.Is in [errorWriter.writeError]. The
// errors of API keys are package auth's ([auth.ErrUnauthorized]).
var (
	// ErrNotFound: no such profile in the caller's account (a profile of
	// another account is reported exactly like a missing one).
	ErrNotFound = errors.New("not found")
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

// Error returns the message; it names the parameter, never its value.
func (e *ConflictError) Error() string { return e.Message }

// Is reports ErrConflict, so callers can test with errors.Is.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// ValidationError is what is wrong with a request: the field (or query
// parameter, or "body") at fault and the rule it breaks. Its message never
// contains the submitted value, so it is safe to log and to return to the
// client.
type ValidationError struct {
	Field   string
	Message string
}

// Invalid returns a *ValidationError for field.
func Invalid(field, msg string) *ValidationError {
	return &ValidationError{Field: field, Message: msg}
}

// Error returns the message; it names the field, never the value.
func (e *ValidationError) Error() string { return e.Message }
