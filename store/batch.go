package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/edusync/edusync/store/internal/kit"
)

// Batch is a set of writes that Tx.Apply makes together, in this order: Deletes, then Values,
// then Processed, then Position. A feed reader commits a page with it (the entries' keys and
// the position after them); a file-set target the records of a file and where it got to.
// Build it with its methods or fill the fields; the zero Batch writes nothing.
type Batch struct {
	// Deletes are value keys to remove.
	Deletes []string
	// Values are set, replacing what is there; a later entry of a key wins.
	Values []Entry[[]byte]
	// Processed keys are marked processed until Expires (the zero time: forever).
	Processed []string
	Expires   time.Time
	// Position, when not nil, is saved as the scope's position.
	Position *Position
}

// Set adds a value to set.
func (b *Batch) Set(key string, value []byte) {
	b.Values = append(b.Values, Entry[[]byte]{Key: key, Value: value})
}

// Put adds v, JSON-encoded, as Put does in a transaction.
func (b *Batch) Put(key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%w: cannot encode %T: %v", ErrInvalid, v, err)
	}
	b.Set(key, raw)
	return nil
}

// Delete adds a value key to remove.
func (b *Batch) Delete(key string) { b.Deletes = append(b.Deletes, key) }

// MarkProcessed adds keys to mark processed until b.Expires.
func (b *Batch) MarkProcessed(keys ...string) { b.Processed = append(b.Processed, keys...) }

// SetPosition sets the position to save.
func (b *Batch) SetPosition(p Position) { b.Position = &p }

// Len is the number of writes in b.
func (b *Batch) Len() int {
	n := len(b.Deletes) + len(b.Values) + len(b.Processed)
	if b.Position != nil {
		n++
	}
	return n
}

// Validate reports ErrInvalid for an empty key or a key with a NUL byte anywhere in b; Apply
// checks it before writing anything.
func (b *Batch) Validate() error {
	for _, k := range b.Deletes {
		if err := kit.ValidKey("key", k); err != nil {
			return err
		}
	}
	for _, e := range b.Values {
		if err := kit.ValidKey("key", e.Key); err != nil {
			return err
		}
	}
	for _, k := range b.Processed {
		if err := kit.ValidKey("processed key", k); err != nil {
			return err
		}
	}
	return nil
}
