package fspoll

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/store"
)

// Source is what the poller reads of FS: the two change listings of fs.Service (an *fs.Client,
// or an implementation over FS's GraphQL API).
type Source interface {
	ListChangedAppeals(ctx context.Context, q fs.ChangeQuery) iter.Seq2[fs.Appeal, error]
	ListChangedExplanationRequests(ctx context.Context, q fs.ChangeQuery) iter.Seq2[fs.ExplanationRequest, error]
}

// Defaults of Config.
const (
	DefaultFlow     = "fs/changes"
	DefaultOverlap  = time.Hour
	DefaultInterval = 120 * time.Minute
	DefaultChunk    = 500
	// DefaultMaxRecords is far above a term's cases at a large university (about 5,000
	// appeals and explanation requests) and a few MB of memory.
	DefaultMaxRecords = 20_000
	// DefaultRetry is the first pause after a failed round in Run; it doubles up to Interval.
	DefaultRetry = time.Minute
)

// Config configures a Poller. Source, Store, Institution and System are required.
type Config struct {
	Source Source
	// Store keeps the position, the records seen and the queue the changes go to. The poller
	// uses only the store package's interfaces; the host picks the backend.
	Store store.Store
	// Institution (institusjonsnr) and System are what the poller reads: one poller per
	// institution and exam system, each with its own scope.
	Institution string
	System      fs.ExamSystem
	// Flow is the scope's flow (default DefaultFlow); the tenant is "<institution>/<system>".
	Flow string
	// Start is the siden of the first round of a poller without a position (a new tenant: the
	// start of the term, to read its cases so far). Zero: Overlap before the first round.
	Start time.Time
	// Overlap is how far before the last round's start the next one reads again (default
	// DefaultOverlap): a change FS stamped before it became visible (a long transaction, FS's
	// clock behind the host's) is read by a later round as long as it became visible within
	// Overlap of its stamp. What is read again is not delivered again.
	Overlap time.Duration
	// Interval is how often Run polls (default DefaultInterval, Sikt's two hours).
	Interval time.Duration
	// Chunk is how many records one store transaction takes (default DefaultChunk).
	Chunk int
	// MaxRecords is the most records (good and bad) one listing of a round may hold (default
	// DefaultMaxRecords); a round is read whole before it is enqueued, so this bounds its
	// memory, and a listing beyond it ends the round with ErrTooManyRecords.
	MaxRecords int
	// MaxAttempts is how often a queued change is delivered before it is dead-lettered (0: the
	// store's WithMaxAttempts).
	MaxAttempts int
	// Now is the clock (default time.Now); After waits (default time.After). Tests pass a
	// testclock's.
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
	// Logger receives a line per round (Info) and per failure (Warn); records are logged by
	// their LogValue, without personal data.
	Logger *slog.Logger
}

// Poller reads FS's changes for one institution and exam system into a store queue. It is safe
// for concurrent use; rounds run one at a time.
type Poller struct {
	cfg     Config
	scope   store.Scope
	mu      sync.Mutex // one round at a time
	trigger chan struct{}
}

// ErrConfig is matched by the error of New for a Config it cannot run with.
var ErrConfig = errors.New("fspoll: invalid config")

// New checks cfg and fills its defaults.
func New(cfg Config) (*Poller, error) {
	bad := func(msg string) error { return fmt.Errorf("%w: %s", ErrConfig, msg) }
	switch {
	case cfg.Source == nil:
		return nil, bad("Source is required")
	case cfg.Store == nil:
		return nil, bad("Store is required")
	case !cfg.System.Valid():
		return nil, bad("System must be fs.Inspera or fs.WISEflow")
	case cfg.Overlap < 0 || cfg.Interval < 0 || cfg.Chunk < 0 || cfg.MaxAttempts < 0 || cfg.MaxRecords < 0:
		return nil, bad("Overlap, Interval, Chunk, MaxRecords and MaxAttempts must not be negative")
	}
	if _, err := strconv.ParseUint(cfg.Institution, 10, 32); err != nil || len(cfg.Institution) > 8 {
		return nil, bad("Institution must be an institusjonsnr (digits)")
	}
	if cfg.Flow == "" {
		cfg.Flow = DefaultFlow
	}
	if cfg.Overlap == 0 {
		cfg.Overlap = DefaultOverlap
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Chunk == 0 {
		cfg.Chunk = DefaultChunk
	}
	if cfg.MaxRecords == 0 {
		cfg.MaxRecords = DefaultMaxRecords
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.After == nil {
		cfg.After = time.After
	}
	p := &Poller{cfg: cfg, trigger: make(chan struct{}, 1),
		scope: store.Scope{Flow: cfg.Flow, Tenant: cfg.Institution + "/" + string(cfg.System)}}
	if err := p.scope.Validate(); err != nil {
		return nil, bad("Flow is not a valid scope flow")
	}
	return p, nil
}

// Scope is the store scope of the poller's position, seen records and queue: a store.Worker
// on it handles the changes.
func (p *Poller) Scope() store.Scope { return p.scope }

// Round says what one round did.
type Round struct {
	// Since is the siden the round asked for; Next the one the next round will ask for.
	Since, Next time.Time
	// Read is how many records FS sent, Enqueued how many were new, Seen how many had been
	// delivered before (read again in the overlap).
	Read, Enqueued, Seen int
	// Bad is how many records could not be used (each dead-lettered in the store with its
	// error, for an operator; see Poll).
	Bad int
}

// seen is what the store keeps of a record already delivered, under seenPrefix + its key, for
// as long as rounds read it: FS lists a record again only while its change time is within the
// overlap, and one FS no longer lists has changed since (a new key) or fallen behind siden, so
// it never comes back with the same key. This holds whether or not FS stamps its records, and
// whether or not it keeps to siden.
type seen struct {
	// Round is the last round that read it.
	Round int64 `json:"round"`
}

const seenPrefix = "seen/"

// Poll runs one round: it reads the explanation requests and then the appeals changed since
// the stored position (less Overlap, from the second round on), enqueues every record not
// delivered before as a Change, and moves the position on. Records read again in the overlap
// are recognised by their key (content and sistEndret) and skipped.
//
// Each listing is read whole (at most MaxRecords records) before any of it is enqueued, so an
// answer cut short or one that never ends enqueues nothing. It is then enqueued in
// transactions of Chunk records, each also recording their keys, and the position moves only
// at the end: a round that fails or is interrupted reads again from the old position and
// enqueues only what it had not. Explanation requests are enqueued before appeals, so a
// candidate's request comes before an appeal read in the same round (they share an OrderKey).
//
// A record FS sent that cannot be used (a bare *fs.RecordError among good records) is not lost
// silently: it is recorded as a dead letter of the scope (store.Tx.DeadLetters("bad/")) with
// its redacted error, counted in Round.Bad and logged; the round goes on. Any other failure
// ends the round with it.
func (p *Poller) Poll(ctx context.Context) (Round, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	start := p.cfg.Now()
	pos, found, err := store.LoadPosition(ctx, p.cfg.Store, p.scope)
	if err != nil {
		return Round{}, err
	}
	r := Round{Since: p.cfg.Start}
	if found {
		if r.Since, err = time.Parse(time.RFC3339Nano, pos.Cursor); err != nil {
			return Round{}, store.Permanent(fmt.Errorf("fspoll: the stored position of %s is not a time", p.scope))
		}
	} else if r.Since.IsZero() {
		r.Since = start.Add(-p.cfg.Overlap)
	}
	r.Since = r.Since.Truncate(time.Second)
	round := pos.Offset + 1
	q := fs.ChangeQuery{System: p.cfg.System, Institution: p.cfg.Institution, Since: r.Since}
	maxStamp := pos.ItemTime

	var recordErrs []*fs.RecordError
	// Explanation requests first: a candidate's request comes before an appeal read with it.
	requests, err := readAll(p, p.cfg.Source.ListChangedExplanationRequests(ctx, q), &recordErrs,
		func(rec *fs.ExplanationRequest) Change { return p.change(KindExplanationRequest, nil, rec, start) })
	if err != nil {
		return r, err
	}
	if err := p.commit(ctx, requests, recordErrs, KindExplanationRequest, round, &r, &maxStamp); err != nil {
		return r, err
	}
	recordErrs = nil
	appeals, err := readAll(p, p.cfg.Source.ListChangedAppeals(ctx, q), &recordErrs,
		func(rec *fs.Appeal) Change { return p.change(KindAppeal, rec, nil, start) })
	if err != nil {
		return r, err
	}
	if err := p.commit(ctx, appeals, recordErrs, KindAppeal, round, &r, &maxStamp); err != nil {
		return r, err
	}
	r.Next = start.Add(-p.cfg.Overlap).Truncate(time.Second)
	if r.Next.Before(r.Since) {
		r.Next = r.Since
	}
	err = p.cfg.Store.Update(ctx, p.scope, func(tx store.Tx) error {
		if err := p.prune(tx, round); err != nil {
			return err
		}
		return tx.SetPosition(store.Position{Cursor: r.Next.UTC().Format(time.RFC3339Nano), Offset: round, ItemTime: maxStamp})
	})
	if err != nil {
		return r, err
	}
	if l := p.cfg.Logger; l != nil {
		l.Info("fspoll: round done", "scope", p.scope.String(), "since", r.Since, "next", r.Next,
			"read", r.Read, "enqueued", r.Enqueued, "seen", r.Seen, "bad", r.Bad)
	}
	return r, nil
}

// change builds the Change of a record read at now.
func (p *Poller) change(kind Kind, a *fs.Appeal, e *fs.ExplanationRequest, now time.Time) Change {
	c := Change{Kind: kind, System: p.cfg.System, Institution: p.cfg.Institution, Appeal: a, ExplanationRequest: e, Read: now}
	c.Key = Key(kind, p.cfg.System, a, e)
	return c
}

// ErrTooManyRecords ends a round whose listing holds more than Config.MaxRecords records:
// nothing of that listing is enqueued (a broken or hostile answer that never ends floods
// nothing). Raise MaxRecords, or start a new poller later, when FS really changed that much.
var ErrTooManyRecords = errors.New("fspoll: FS listed more records than MaxRecords")

// readAll reads a whole listing before anything of it is enqueued, so an answer cut short or
// never ending enqueues nothing; at most MaxRecords records (and as many record errors).
func readAll[T any](p *Poller, seq iter.Seq2[T, error], bad *[]*fs.RecordError, change func(*T) Change) ([]Change, error) {
	var out []Change
	for rec, err := range seq {
		if err != nil {
			// Only a bare *RecordError is one bad record among good ones; a strict client's
			// DecodeError wrapping one ends the listing, and so the round.
			re, ok := err.(*fs.RecordError)
			if !ok {
				return nil, err
			}
			*bad = append(*bad, re)
		} else {
			out = append(out, change(&rec))
		}
		if len(out)+len(*bad) > p.cfg.MaxRecords {
			return nil, fmt.Errorf("%w (%d) in %s", ErrTooManyRecords, p.cfg.MaxRecords, p.scope)
		}
	}
	return out, nil
}

// commit enqueues a listing read whole, in transactions of Chunk records, and records its bad
// records as dead letters.
func (p *Poller) commit(ctx context.Context, changes []Change, bad []*fs.RecordError, kind Kind, round int64, r *Round, maxStamp *time.Time) error {
	for _, re := range bad {
		if err := p.bad(ctx, kind, re, round, r); err != nil {
			return err
		}
	}
	for len(changes) > 0 {
		n := min(len(changes), p.cfg.Chunk)
		for i := range changes[:n] {
			r.Read++
			if st := changes[i].stamp(); st.After(*maxStamp) {
				*maxStamp = st
			}
		}
		if err := p.cfg.Store.Update(ctx, p.scope, func(tx store.Tx) error { return p.enqueue(tx, changes[:n], round, r) }); err != nil {
			return err
		}
		changes = changes[n:]
	}
	return nil
}

// enqueue records one chunk: every change whose key is not seen yet is enqueued and marked
// seen; one seen before has its round updated.
func (p *Poller) enqueue(tx store.Tx, changes []Change, round int64, r *Round) error {
	for i := range changes {
		c := &changes[i]
		stamp := c.stamp()
		var old seen
		switch err := getValue(tx, seenPrefix+c.Key, &old); {
		case err == nil:
			r.Seen++
			if err := store.Put(tx, seenPrefix+c.Key, seen{Round: round}); err != nil {
				return err
			}
			continue
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		payload, err := json.Marshal(c)
		if err != nil {
			return err
		}
		m := store.Message{Key: c.Key, OrderKey: c.OrderKey(), Payload: payload, MaxAttempts: p.cfg.MaxAttempts}
		if stamp.IsZero() {
			// Without FS's change time the same content may come back as a new change (AKTIV,
			// TRUKKET, AKTIV again): the queue must not take it for a repeat.
			m.Key = c.Key + "@" + strconv.FormatInt(round, 10)
		}
		q, err := tx.Enqueue(m)
		if err != nil {
			return err
		}
		if q.Duplicate {
			r.Seen++
		} else {
			r.Enqueued++
		}
		if err := store.Put(tx, seenPrefix+c.Key, seen{Round: round}); err != nil {
			return err
		}
	}
	return nil
}

// getValue decodes the value under key into v.
func getValue(tx store.Tx, key string, v any) error {
	b, err := tx.Value(key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		// A damaged entry is as good as absent: the record is delivered again rather than lost.
		return store.ErrNotFound
	}
	return nil
}

// pruneBatch is how many seen entries prune reads at a time.
const pruneBatch = 1000

// prune forgets the records this round did not read (see seen).
func (p *Poller) prune(tx store.Tx, round int64) error {
	after := ""
	for {
		raws, err := tx.ValuesFrom(seenPrefix, after, pruneBatch)
		if err != nil || len(raws) == 0 {
			return err
		}
		for _, e := range raws {
			var s seen
			if json.Unmarshal(e.Value, &s) != nil || s.Round < round {
				if err := tx.DeleteValue(e.Key); err != nil {
					return err
				}
			}
		}
		after = raws[len(raws)-1].Key
	}
}

// bad records a record FS sent that could not be used as a dead letter of the scope.
func (p *Poller) bad(ctx context.Context, kind Kind, re *fs.RecordError, round int64, r *Round) error {
	r.Bad++
	item := "bad/" + string(kind) + "/" + strconv.FormatInt(round, 10) + "/" + strconv.Itoa(re.Index)
	if l := p.cfg.Logger; l != nil {
		l.Warn("fspoll: FS sent a record that cannot be used", "scope", p.scope.String(), "kind", string(kind), "error", re.Error())
	}
	return p.cfg.Store.Update(ctx, p.scope, func(tx store.Tx) error {
		_, err := tx.RecordAttempt(store.Failure{Item: item, Err: re, NextTry: p.cfg.Now(), Permanent: true})
		return err
	})
}

// Trigger asks Run for a round now (an operator's manual run); it does not wait for it. A
// trigger while one is pending is merged with it.
func (p *Poller) Trigger() {
	select {
	case p.trigger <- struct{}{}:
	default:
	}
}

// Run polls at once and then every Interval, and whenever Trigger is called, until ctx ends
// (then it returns ctx's error). A failed round is logged and tried again after DefaultRetry,
// doubling up to Interval; a permanent store failure (store.IsPermanent) ends Run with it.
func (p *Poller) Run(ctx context.Context) error {
	retry := DefaultRetry
	for {
		wait := p.cfg.Interval
		if _, err := p.Poll(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if store.IsPermanent(err) {
				return err
			}
			if l := p.cfg.Logger; l != nil {
				l.Warn("fspoll: round failed", "scope", p.scope.String(), "error", err.Error(), "retry_in", retry)
			}
			wait, retry = min(retry, p.cfg.Interval), min(retry*2, p.cfg.Interval)
		} else {
			retry = DefaultRetry
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.trigger:
		case <-p.cfg.After(wait):
		}
	}
}

// Kind is the kind of record a Change carries.
type Kind string

// The values of Kind.
const (
	KindAppeal             Kind = "appeal"
	KindExplanationRequest Kind = "explanation-request"
)

// Change is one record FS changed, as the poller enqueues it (JSON in the message's payload;
// Decode reads it back). It holds personal data (personlopenr, names): the queue is as
// sensitive as FS itself.
type Change struct {
	Kind        Kind          `json:"kind"`
	System      fs.ExamSystem `json:"examSystem"`
	Institution string        `json:"institusjonsnr"`
	// Key identifies the record's content, FS's change time included (Key): the same appeal
	// read again has the same Key, an appeal withdrawn and made active again has three.
	Key string `json:"key"`
	// Appeal or ExplanationRequest, as Kind says.
	Appeal             *fs.Appeal             `json:"appeal,omitempty"`
	ExplanationRequest *fs.ExplanationRequest `json:"explanationRequest,omitempty"`
	// Read is when the poller's round that read it started.
	Read time.Time `json:"read"`
}

func (c *Change) stamp() time.Time {
	if c.Appeal != nil {
		return c.Appeal.SistEndret.Time
	}
	if c.ExplanationRequest != nil {
		return c.ExplanationRequest.SistEndret.Time
	}
	return time.Time{}
}

// OrderKey is the change's candidate and exam (OrderKey): the queue hands out a candidate's
// changes at one exam one at a time, in the order they were read.
func (c *Change) OrderKey() string {
	if c.Appeal != nil {
		return OrderKey(c.System, c.Appeal.VurdID, c.Appeal.Kandidatnr)
	}
	if c.ExplanationRequest != nil {
		return OrderKey(c.System, c.ExplanationRequest.VurdID, c.ExplanationRequest.Kandidatnr)
	}
	return ""
}

// LogValue logs the change by kind, key and record (whose LogValue leaves out personal data).
func (c Change) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("kind", string(c.Kind)), slog.String("key", c.Key)}
	if c.Appeal != nil {
		attrs = append(attrs, slog.Any("appeal", *c.Appeal))
	}
	if c.ExplanationRequest != nil {
		attrs = append(attrs, slog.Any("explanationRequest", *c.ExplanationRequest))
	}
	return slog.GroupValue(attrs...)
}

// OrderKey is the queue's order key of a candidate's case at an exam: a digest, so the store
// holds no candidate number in clear. Flows that enqueue other messages about the same case
// (an exam system's answer) use it to keep them in order with FS's changes.
func OrderKey(system fs.ExamSystem, vurdID string, kandidatnr fs.Number) string {
	h := sha256.Sum256([]byte(string(system) + "\x00" + vurdID + "\x00" + string(kandidatnr)))
	return "fs/" + hex.EncodeToString(h[:16])
}

// Key is the key of a record's content: a digest of its kind, exam system and every field
// the client read (sistEndret included), as JSON.
func Key(kind Kind, system fs.ExamSystem, a *fs.Appeal, e *fs.ExplanationRequest) string {
	h := sha256.New()
	h.Write([]byte(string(kind) + "\x00" + string(system) + "\x00"))
	enc := json.NewEncoder(h)
	if a != nil {
		_ = enc.Encode(a)
	}
	if e != nil {
		_ = enc.Encode(e)
	}
	return string(kind) + "/" + hex.EncodeToString(h.Sum(nil)[:20])
}

// ErrPayload is matched by the error of Decode for a payload that is not a Change.
var ErrPayload = errors.New("fspoll: the payload is not an FS change")

// Decode reads a Change from a message's payload (store.Delivery.Payload). A payload that is
// not one (a record of the wrong kind, none, or both) is ErrPayload, never a panic.
func Decode(payload []byte) (Change, error) {
	var c Change
	if err := json.Unmarshal(payload, &c); err != nil {
		return Change{}, fmt.Errorf("%w: it is not JSON of a change", ErrPayload)
	}
	switch {
	case c.Kind == KindAppeal && c.Appeal != nil && c.ExplanationRequest == nil:
	case c.Kind == KindExplanationRequest && c.ExplanationRequest != nil && c.Appeal == nil:
	default:
		return Change{}, fmt.Errorf("%w: its kind and record do not match", ErrPayload)
	}
	if !c.System.Valid() || c.Key == "" {
		return Change{}, fmt.Errorf("%w: it has no exam system or key", ErrPayload)
	}
	return c, nil
}
