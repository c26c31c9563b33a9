package store

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/edusync/edusync/store/internal/kit"
)

// Exporter is a backend whose whole contents can be read out, to move a deployment to another
// backend (an SQLite file to PostgreSQL when a host outgrows one process) or to keep a copy.
// store/sqlite and store/postgres are both Exporters and Importers.
type Exporter interface {
	// Export yields every record the store holds, every scope's, from one consistent
	// snapshot: a copy never mixes state from before and after a concurrent write. It stops
	// when the loop stops or at the first error, which it yields last.
	Export(ctx context.Context) iter.Seq2[Record, error]
}

// Importer is a backend that takes the records an Exporter yields.
type Importer interface {
	// Import writes records into the store in one transaction and returns how many: all of
	// them or, on the first error (theirs or an invalid record's), none. It refuses a store
	// that holds any state already (ErrInvalid): an import is a move, never a merge, so that
	// no processed key, lease token or queued message of either side is silently replaced.
	// Queue ids, lease tokens, attempt counts, expiries and claims are kept as they were, and
	// new queue ids continue above every id imported.
	Import(ctx context.Context, records iter.Seq2[Record, error]) (int, error)
}

// Copy moves every record of src into dst, which must be empty, in one transaction of dst;
// it returns how many records it copied. Stop the flows that use src first: what they write
// while Copy runs is not in the copy. The clocks of the processes that use dst afterwards
// take over from src's, so a claim or lease copied in flight runs out as it would have.
func Copy(ctx context.Context, dst Importer, src Exporter) (int, error) {
	return dst.Import(ctx, src.Export(ctx))
}

// Record is one piece of a store's contents, as Export yields it and Import takes it: the
// scope it belongs to and exactly one of the other fields.
type Record struct {
	Scope     Scope          `json:"scope"`
	Position  *Position      `json:"position,omitempty"`
	Processed *ProcessedKey  `json:"processed,omitempty"`
	Attempt   *Attempt       `json:"attempt,omitempty"`
	Value     *Entry[[]byte] `json:"value,omitempty"`
	Timer     *Timer         `json:"timer,omitempty"`
	Lease     *Lease         `json:"lease,omitempty"`
	Message   *StoredMessage `json:"message,omitempty"`
	DedupKey  *DedupKey      `json:"dedupKey,omitempty"`
}

// ProcessedKey is a processed key with its expiry (the zero time: forever).
type ProcessedKey struct {
	Key     string    `json:"key"`
	Expires time.Time `json:"expires,omitzero"`
}

// StoredMessage is a queued message as the store keeps it: the delivery and whether it is
// claimed (then Due is when the claim runs out).
type StoredMessage struct {
	Delivery
	Claimed bool `json:"claimed,omitempty"`
}

// DedupKey is a queue de-duplication key: held by message ID until Expires.
type DedupKey struct {
	Key     string    `json:"key"`
	Expires time.Time `json:"expires"`
	ID      int64     `json:"id"`
}

// Validate reports ErrInvalid for a record that Import must not write: an invalid scope, not
// exactly one field set, an empty key or a key with a NUL byte, a lease of another scope, a
// message or key without an id. Importers call it on every record.
func (r Record) Validate() error {
	if err := r.Scope.Validate(); err != nil {
		return err
	}
	set := 0
	var err error
	if r.Position != nil {
		set++
	}
	if r.Processed != nil {
		set++
		err = kit.FirstErr(err, kit.ValidKey("processed key", r.Processed.Key))
	}
	if r.Attempt != nil {
		set++
		err = kit.FirstErr(err, kit.ValidKey("item", r.Attempt.Item))
	}
	if r.Value != nil {
		set++
		err = kit.FirstErr(err, kit.ValidKey("key", r.Value.Key))
	}
	if r.Timer != nil {
		set++
		err = kit.FirstErr(err, kit.ValidKey("timer id", r.Timer.ID))
		if r.Timer.At.IsZero() {
			err = kit.FirstErr(err, fmt.Errorf("%w: timer %q without a time", ErrInvalid, kit.Mask(r.Timer.ID)))
		}
	}
	if l := r.Lease; l != nil {
		set++
		err = kit.FirstErr(err, kit.ValidKey("lease name", l.Name), kit.ValidOptionalKey("lease holder", l.Holder))
		if l.Scope != r.Scope {
			err = kit.FirstErr(err, fmt.Errorf("%w: lease %q of scope %s in a record of %s", ErrInvalid, kit.Mask(l.Name), l.Scope, r.Scope))
		}
	}
	if m := r.Message; m != nil {
		set++
		err = kit.FirstErr(err, kit.ValidOptionalKey("message key", m.Key), kit.ValidOptionalKey("order key", m.OrderKey))
		if m.ID <= 0 {
			err = kit.FirstErr(err, fmt.Errorf("%w: message without an id", ErrInvalid))
		}
	}
	if k := r.DedupKey; k != nil {
		set++
		err = kit.FirstErr(err, kit.ValidKey("message key", k.Key))
		if k.ID <= 0 {
			err = kit.FirstErr(err, fmt.Errorf("%w: message key %q without a message id", ErrInvalid, kit.Mask(k.Key)))
		}
	}
	if set != 1 {
		return fmt.Errorf("%w: a record of %s with %d parts set, want exactly one", ErrInvalid, r.Scope, set)
	}
	return err
}
