package schulconnex

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// LoeschzeitpunktLayout is the format of loeschung.zeitpunkt: UTC to the minute, no seconds.
const LoeschzeitpunktLayout = "2006-01-02T15:04Z"

// Loeschzeitpunkt is when Schulconnex deletes a person context (loeschung.zeitpunkt). Unlike every
// other time in the API it has a time of day, but only to the minute: the specification fixes the
// format YYYY-MM-DDThh:mmZ in UTC, and servers reject seconds. The zero value means "not set".
//
// It is written in exactly that format. When reading, it also accepts RFC 3339 times with seconds
// or an offset (as some servers send), converted to UTC and cut to the minute.
type Loeschzeitpunkt struct {
	t time.Time // UTC, whole minutes; zero when not set
}

// NewLoeschzeitpunkt returns the deletion time for t, rounded up to the next whole minute, so a
// deletion time made from "now" is never in the past.
func NewLoeschzeitpunkt(t time.Time) Loeschzeitpunkt {
	if t.IsZero() {
		return Loeschzeitpunkt{}
	}
	u := t.UTC()
	m := u.Truncate(time.Minute)
	if m.Before(u) {
		m = m.Add(time.Minute)
	}
	return Loeschzeitpunkt{t: m}
}

// ParseLoeschzeitpunkt reads YYYY-MM-DDThh:mmZ, or an RFC 3339 time (cut to the minute in UTC).
func ParseLoeschzeitpunkt(s string) (Loeschzeitpunkt, error) {
	if s == "" {
		return Loeschzeitpunkt{}, nil
	}
	if t, err := time.Parse(LoeschzeitpunktLayout, s); err == nil {
		return Loeschzeitpunkt{t: t.UTC()}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return Loeschzeitpunkt{t: t.UTC().Truncate(time.Minute)}, nil
	}
	if t, err := time.Parse("2006-01-02T15:04Z07:00", s); err == nil {
		return Loeschzeitpunkt{t: t.UTC()}, nil
	}
	return Loeschzeitpunkt{}, fmt.Errorf("schulconnex: deletion time %q is not YYYY-MM-DDThh:mmZ", truncate(strings.ToValidUTF8(s, "\uFFFD"), 40))
}

// Time returns the deletion time in UTC (the zero time when not set).
func (l Loeschzeitpunkt) Time() time.Time { return l.t }

// IsZero reports whether no deletion time is set.
func (l Loeschzeitpunkt) IsZero() bool { return l.t.IsZero() }

// Before reports whether the deletion time is earlier than t.
func (l Loeschzeitpunkt) Before(t time.Time) bool { return l.t.Before(t) }

// String returns YYYY-MM-DDThh:mmZ, or "" when not set.
func (l Loeschzeitpunkt) String() string {
	if l.t.IsZero() {
		return ""
	}
	return l.t.Format(LoeschzeitpunktLayout)
}

// MarshalText writes YYYY-MM-DDThh:mmZ.
func (l Loeschzeitpunkt) MarshalText() ([]byte, error) {
	if l.t.IsZero() {
		return nil, errors.New("schulconnex: empty deletion time")
	}
	return []byte(l.String()), nil
}

// UnmarshalText reads a deletion time (see ParseLoeschzeitpunkt).
func (l *Loeschzeitpunkt) UnmarshalText(b []byte) error {
	v, err := ParseLoeschzeitpunkt(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// IsZero reports whether no deletion is scheduled, so an empty loeschung is left out of bodies.
func (l Loeschung) IsZero() bool { return l.Zeitpunkt.IsZero() }
