package ss12000server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strconv"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/store"
)

// The canonical records as the provider keeps them: exactly what the plans wrote (so that
// planning again yields no changes), with the revision of the run that wrote them.

// stored is a canonical organisation, person or group.
type stored[T any] struct {
	// Rev is the generation of the run that last wrote the record: its revision.
	Rev uint64 `json:"rev"`
	// Inactive: the record was deactivated (it left the source); it is no longer served.
	Inactive bool `json:"inactive,omitempty"`
	// Since is the day the provider first held the record, served as start date where the
	// source gives none.
	Since string `json:"since"`
	// Seen holds, for a person, the day each context (organisation and role) first appeared:
	// the start date of its enrolment or duty.
	Seen map[string]string `json:"seen,omitempty"`
	// Rec is the record, with its target id and referrer and without revision.
	Rec T `json:"rec"`
}

// storedMembership is a canonical membership.
type storedMembership struct {
	Rev uint64               `json:"rev"`
	Rec reconcile.Membership `json:"rec"`
}

// memberIndex is the value of the membership indexes by group and by person.
type memberIndex struct {
	ID    string           `json:"id"`
	Roles string           `json:"r,omitempty"`
	Valid reconcile.Period `json:"p,omitzero"`
}

func contextKey(c reconcile.Context) string { return c.Organisation + "\x1f" + c.Role }

// ErrChanged is returned while reading the target's records when a run committed meanwhile:
// what was read so far belongs to the earlier state. Read again.
var ErrChanged = errors.New("ss12000server: the provider committed a run while its records were read; read them again")

const readChunk = 1000

// readKind yields the canonical records of one kind, a chunk per read transaction so that
// memory stays bounded; a commit between chunks ends the sequence with ErrChanged.
func readKind[T any](ctx context.Context, p *Provider, kind byte, conv func(raw []byte) (T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		gen, after := uint64(0), ""
		first := true
		for {
			var batch []store.Entry[[]byte]
			err := p.st.View(ctx, p.scope, func(tx store.Tx) error {
				g, err := committedGen(tx)
				if err != nil {
					return err
				}
				if first {
					gen, first = g, false
				} else if g != gen {
					return ErrChanged
				}
				batch, err = tx.ValuesFrom(pCanonical+string(kind)+"/", after, readChunk)
				return err
			})
			if err != nil {
				yield(zero, fmt.Errorf("ss12000server: reading records: %w", err))
				return
			}
			for _, e := range batch {
				v, err := conv(e.Value)
				if err != nil {
					yield(zero, fmt.Errorf("ss12000server: reading records: %w", err))
					return
				}
				if !yield(v, nil) {
					return
				}
			}
			if len(batch) < readChunk {
				return
			}
			after = batch[len(batch)-1].Key
		}
	}
}

func rev(n uint64) string { return strconv.FormatUint(n, 10) }

// Organisations yields the organisations the provider holds (deactivated ones too, until
// they are deleted), with their target ids, referrers and revisions.
func (p *Provider) Organisations(ctx context.Context) iter.Seq2[reconcile.Organisation, error] {
	return readKind(ctx, p, kOrg, func(raw []byte) (reconcile.Organisation, error) {
		var s stored[reconcile.Organisation]
		err := decodeStored(raw, &s)
		s.Rec.Revision = rev(s.Rev)
		return s.Rec, err
	})
}

// Persons yields the persons the provider holds (deactivated ones too, until they are
// deleted), with their target ids, referrers and revisions.
func (p *Provider) Persons(ctx context.Context) iter.Seq2[reconcile.Person, error] {
	return readKind(ctx, p, kPerson, func(raw []byte) (reconcile.Person, error) {
		var s stored[reconcile.Person]
		err := decodeStored(raw, &s)
		s.Rec.Revision = rev(s.Rev)
		return s.Rec, err
	})
}

// Groups yields the groups the provider holds (deactivated ones too, until they are deleted),
// with their target ids, referrers and revisions.
func (p *Provider) Groups(ctx context.Context) iter.Seq2[reconcile.Group, error] {
	return readKind(ctx, p, kGroup, func(raw []byte) (reconcile.Group, error) {
		var s stored[reconcile.Group]
		err := decodeStored(raw, &s)
		s.Rec.Revision = rev(s.Rev)
		return s.Rec, err
	})
}

// Memberships yields the memberships the provider holds, naming persons and groups by their
// target ids.
func (p *Provider) Memberships(ctx context.Context) iter.Seq2[reconcile.Membership, error] {
	return readKind(ctx, p, kMembership, func(raw []byte) (reconcile.Membership, error) {
		var s storedMembership
		err := decodeStored(raw, &s)
		s.Rec.Revision = rev(s.Rev)
		return s.Rec, err
	})
}

func decodeStored(raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%w: %v", errEnvelope, err)
	}
	return nil
}

// Capabilities declares that the provider keeps the whole canonical model, with referrers and
// revisions, and changes all at once: receivers see the state of the last committed run.
func (p *Provider) Capabilities() reconcile.Capabilities {
	c := reconcile.Everything()
	c.AllAtOnce = true
	return c
}

// committedGen reads the committed generation (0 before the first run).
func committedGen(tx store.Tx) (uint64, error) {
	raw, err := tx.Value(keyGen)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return parseUint(raw), nil
}
