// Package kit is the plumbing that store's backends share (the memory backend in store,
// store/sqlite, store/postgres): the sentinel errors, argument checks, the state every
// transaction keeps, the lifecycle that lets Close abort running transactions, the encoding of
// times and the masked text of failures. It imports no public package; store re-exports the
// sentinels under the same names.
package kit

import (
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/edusync/edusync/internal/redact"
)

// classError is a sentinel that also matches a broader class with errors.Is.
type classError struct {
	msg   string
	class error
}

func (e *classError) Error() string { return e.msg }
func (e *classError) Unwrap() error { return e.class }

// The sentinels; see store's doc comments for what each means.
var (
	ErrNotFound  = errors.New("store: not found")
	ErrClosed    = errors.New("store: closed")
	ErrReadOnly  = errors.New("store: read-only transaction")
	ErrTxDone    = errors.New("store: transaction has ended")
	ErrInvalid   = errors.New("store: invalid argument")
	ErrDecode    = errors.New("store: cannot decode value")
	ErrLeaseHeld = errors.New("store: lease held by another holder")
	ErrLeaseLost = errors.New("store: lease no longer held")
	ErrClaimLost = errors.New("store: message no longer claimed by this delivery")

	ErrPermanent    = errors.New("store: permanent failure")
	ErrSchemaTooNew = &classError{"store: database schema is newer than this edusync", ErrPermanent}
	ErrNotStore     = &classError{"store: not an edusync store", ErrPermanent}
	ErrCorrupt      = &classError{"store: database is damaged", ErrPermanent}
	ErrUnwritable   = &classError{"store: database cannot be written", ErrPermanent}
	ErrNoState      = &classError{"store: the state does not exist", ErrPermanent}
)

// MaxErrorText caps the stored text of a failure.
const MaxErrorText = 2048

// ErrorText is err's message with personal numbers masked, at most MaxErrorText bytes.
func ErrorText(err error) string {
	if err == nil {
		return ""
	}
	s := redact.PersonalNumbers(err.Error())
	if len(s) > MaxErrorText {
		s = strings.ToValidUTF8(s[:MaxErrorText], "")
	}
	return s
}

// Mask is s with personal numbers masked, for keys and items in error messages.
func Mask(s string) string { return redact.PersonalNumbers(s) }

// ValidScope checks a scope's flow and tenant.
func ValidScope(flow, tenant string) error {
	if flow == "" {
		return fmt.Errorf("%w: scope without flow", ErrInvalid)
	}
	if strings.IndexByte(flow, 0) >= 0 || strings.IndexByte(tenant, 0) >= 0 {
		return fmt.Errorf("%w: NUL byte in scope", ErrInvalid)
	}
	return nil
}

// ValidKey checks a key, item, id or name: not empty, no NUL byte.
func ValidKey(what, k string) error {
	if k == "" {
		return fmt.Errorf("%w: empty %s", ErrInvalid, what)
	}
	if strings.IndexByte(k, 0) >= 0 {
		return fmt.Errorf("%w: NUL byte in %s", ErrInvalid, what)
	}
	return nil
}

// ValidOptionalKey is ValidKey for keys that may be empty.
func ValidOptionalKey(what, k string) error {
	if strings.IndexByte(k, 0) >= 0 {
		return fmt.Errorf("%w: NUL byte in %s", ErrInvalid, what)
	}
	return nil
}

// ValidPrefix checks a listing prefix.
func ValidPrefix(p string) error { return ValidOptionalKey("prefix", p) }

// ValidLimit checks a listing limit (0 for none).
func ValidLimit(n int) error {
	if n < 0 {
		return fmt.Errorf("%w: negative limit %d", ErrInvalid, n)
	}
	return nil
}

// ValidPage checks the arguments of Tx.ValuesFrom: a prefix, an after key and a limit.
func ValidPage(prefix, after string, limit int) error {
	if err := ValidPrefix(prefix); err != nil {
		return err
	}
	if err := ValidOptionalKey("after key", after); err != nil {
		return err
	}
	return ValidLimit(limit)
}

// ValidDuration checks a time-to-live or visibility timeout: positive.
func ValidDuration(what string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%w: %s %v is not positive", ErrInvalid, what, d)
	}
	return nil
}

// PrefixEnd returns the smallest string greater than every string starting with p, and false
// when there is none (p is empty or all 0xff bytes).
func PrefixEnd(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// Times are kept as microseconds since 1970 in UTC (0 is the zero time) by every backend, so
// they compare and round the same everywhere and cover any year a flow could mean.

// Micros encodes t.
func Micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// FromMicros decodes what Micros encoded.
func FromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// Norm rounds t the way the backends keep it.
func Norm(t time.Time) time.Time { return FromMicros(Micros(t)) }

// Reasons a message or item is dead-lettered, the same in every backend.

// GaveUp is the reason after n failed attempts, the last failing with lastError.
func GaveUp(n int, lastError string) string {
	if lastError == "" {
		return fmt.Sprintf("gave up after %d attempts", n)
	}
	return fmt.Sprintf("gave up after %d attempts: %s", n, lastError)
}

// PermanentReason is the reason of a failure retrying cannot heal.
func PermanentReason(lastError string) string {
	if lastError == "" {
		return "permanent failure"
	}
	return "permanent failure: " + lastError
}

// Unacknowledged is the reason of a message whose n deliveries all ran past their visibility
// timeout without an Ack or Nack (a handler that crashes its process, say).
func Unacknowledged(n int) string {
	return fmt.Sprintf("not acknowledged after %d deliveries", n)
}

// NackReason is the text kept of cause after a message's attempt-th delivery (of max) failed,
// and, when that dead-letters it (the last attempt, or a permanent cause), the reason; reason
// is empty when the message is to be retried.
func NackReason(attempt, max int, cause error) (lastError, reason string) {
	lastError = ErrorText(cause)
	switch {
	case Permanent(cause):
		return lastError, PermanentReason(lastError)
	case attempt >= max:
		return lastError, GaveUp(attempt, lastError)
	}
	return lastError, ""
}

// LeaseHeld is the ErrLeaseHeld of lease name in scope, held until until.
func LeaseHeld(scope, name string, until time.Time) error {
	return fmt.Errorf("store: %s: lease %q: %w until %s", scope, Mask(name), ErrLeaseHeld, until.Format(time.RFC3339))
}

// LeaseLost is the ErrLeaseLost of lease name in scope with token.
func LeaseLost(scope, name string, token int64) error {
	return fmt.Errorf("%w: lease %q of %s, token %d", ErrLeaseLost, Mask(name), scope, token)
}

// Permanent reports whether err belongs to the permanent class.
func Permanent(err error) bool { return errors.Is(err, ErrPermanent) }

// NotEmpty is the ErrInvalid of an import into dest, which holds n scopes already, first
// the one named.
func NotEmpty(dest string, n int, first string) error {
	return fmt.Errorf("%w: %s holds state already (%d scopes, %s first); import only into an empty store",
		ErrInvalid, dest, n, first)
}

// Seq is the iterator of what run emits, in one go (a backend's export, inside one read
// transaction), ending with run's error if any. emit reports false once the loop has stopped;
// run should then return.
func Seq[T any](run func(emit func(T) bool) error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		stopped := false
		err := run(func(v T) bool {
			stopped = stopped || !yield(v, nil)
			return !stopped
		})
		if err != nil && !stopped {
			var zero T
			yield(zero, err)
		}
	}
}
