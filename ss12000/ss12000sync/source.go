package ss12000sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/store"
)

// PersonKey chooses what becomes a person's source key.
type PersonKey int

const (
	// KeyID keys persons by their SS 12000 id (the default). Targets the pipeline fills itself
	// find them again by the referrer it writes.
	KeyID PersonKey = iota
	// KeyCivicNo keys persons by their personal number (personnummer or samordningsnummer),
	// where the host allows it: for targets that already hold persons under their personal
	// number (filled by an earlier integration), so that they match by key. SS 12000 has no
	// birth place, so without a shared key its persons never match a target's records by
	// attributes alone (reconcile's case 2) and wait for a decision (case 3). Persons without
	// a personal number, and persons with protected identity, keep their id as key. Personal
	// numbers then appear in plans and history as keys (reconcile masks them in logs and audit
	// events); a change of personal number is a new key.
	KeyCivicNo
)

// Options configure a Source.
type Options struct {
	// PersonKey chooses persons' source keys (default KeyID).
	PersonKey PersonKey
	// Guardians adds the guardians (SS 12000 responsibles) of the pupils in the snapshot as
	// persons, and a Relation to each on the pupil, for targets that carry guardians.
	Guardians bool
	// EmailTypes are the e-mail types taken into Person.Emails (nil: every type but Privat,
	// since private addresses do not belong in school systems).
	EmailTypes []ss12000.EmailType
	// Store keeps the snapshot between runs, so that a run reads only what changed since the
	// last one (ss12000.Syncer delta runs). nil keeps it in memory only: the first Refresh of
	// each process reads everything.
	Store store.Store
	// Scope is the store scope of this source (required with Store). The Source's keys start
	// with "ss12000sync/", so the scope may be shared with the host's own state.
	Scope store.Scope
	// FullEvery makes a Refresh read everything again when the last full read is older than
	// this (0: never again after the first): a safety net against a service that fails to
	// report removals on /deletedEntities.
	FullEvery time.Duration
	// Now is the clock: which enrolments, duties and memberships are current, and the Syncer's
	// watermarks (default time.Now).
	Now func() time.Time
	// Location is the time zone "today" is taken in (default Europe/Stockholm where the system
	// knows it, else the local zone).
	Location *time.Location
}

func (o *Options) emailType(t string) bool {
	if o.EmailTypes == nil {
		return t != string(ss12000.EmailTypePrivat)
	}
	return slices.Contains(o.EmailTypes, ss12000.EmailType(t))
}

// syncTypes are the SS 12000 resources the Source reads, parents before children.
var syncTypes = []ss12000.EndPointsEnum{ss12000.EndPointsOrganisation, ss12000.EndPointsPerson, ss12000.EndPointsGroup,
	ss12000.EndPointsDuty, ss12000.EndPointsActivity}

// Source is a reconcile.Source (and OrganisationSource) over an SS 12000 service; see the
// package documentation for what it yields. It is safe for concurrent use; refreshes run one at
// a time.
type Source struct {
	c    *ss12000.Client
	opts Options

	mu     sync.Mutex
	data   *dataset
	state  ss12000.SyncState
	meta   storedMeta
	kept   kept
	snap   *reconcile.Snapshot
	report *Report
}

// New returns a Source reading c.
func New(c *ss12000.Client, opts Options) (*Source, error) {
	if c == nil {
		return nil, errors.New("ss12000sync: New needs a client")
	}
	if opts.Store != nil {
		if err := opts.Scope.Validate(); err != nil {
			return nil, fmt.Errorf("ss12000sync: Options.Scope: %w", err)
		}
	}
	if opts.PersonKey != KeyID && opts.PersonKey != KeyCivicNo {
		return nil, fmt.Errorf("ss12000sync: unknown PersonKey %d", opts.PersonKey)
	}
	if opts.FullEvery < 0 {
		return nil, errors.New("ss12000sync: FullEvery is negative")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		opts.Location = stockholm()
	}
	return &Source{c: c, opts: opts}, nil
}

func stockholm() *time.Location {
	if loc, err := time.LoadLocation("Europe/Stockholm"); err == nil {
		return loc
	}
	return time.Local
}

// Report says what one Refresh did.
type Report struct {
	// Full is true when everything was read (the first run, FullEvery, or a stored snapshot
	// that could not be used).
	Full bool
	// Stored is the number of records loaded from store before the run (0 when the snapshot
	// was in memory already, or there is no store).
	Stored int
	// Reread says why a stored snapshot was not used ("" when it was, or there was none).
	Reread string
	// Changed counts the new or changed records read per resource; Deleted the removals.
	Changed map[ss12000.EndPointsEnum]int
	// Deleted counts removals read from /deletedEntities.
	Deleted int
	// Counts describe the snapshot built.
	Counts Counts
	// Today is the day the snapshot describes.
	Today reconcile.Date
	// Took says how long the parts of the run took: loading the stored snapshot, reading the
	// service, writing the store and building the snapshot (the last two run at the same time).
	Took Durations
}

// Durations are the times the parts of a Refresh took.
type Durations struct {
	Load, Read, Store, Build time.Duration
}

// ErrUnreadableRecords means records of the service could not be decoded. The refresh fails
// rather than leave them out: a record that is silently missing would make a pipeline remove it
// from its targets. Nothing is stored; the next refresh tries again.
var ErrUnreadableRecords = errors.New("ss12000sync: records could not be read")

// Snapshot refreshes the source (Refresh) and returns the canonical snapshot. The snapshot is
// shared: do not modify it.
func (s *Source) Snapshot(ctx context.Context) (*reconcile.Snapshot, error) {
	if _, err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap, nil
}

// LastReport returns the report of the last successful Refresh, or nil.
func (s *Source) LastReport() *Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.report
}

// Organisations refreshes the source and yields its organisations: reconcile.Load reads them
// first, so every Load of a Source reads what changed since the last one. Persons, Groups and
// Memberships yield from the last refresh (refreshing first when there was none).
func (s *Source) Organisations(ctx context.Context) iter.Seq2[reconcile.Organisation, error] {
	return func(yield func(reconcile.Organisation, error) bool) {
		snap, err := s.Snapshot(ctx)
		if err != nil {
			yield(reconcile.Organisation{}, err)
			return
		}
		each(snap.Organisations, yield)
	}
}

// Persons yields the persons of the last refresh.
func (s *Source) Persons(ctx context.Context) iter.Seq2[reconcile.Person, error] {
	return func(yield func(reconcile.Person, error) bool) {
		snap, err := s.cached(ctx)
		if err != nil {
			yield(reconcile.Person{}, err)
			return
		}
		each(snap.Persons, yield)
	}
}

// Groups yields the groups of the last refresh.
func (s *Source) Groups(ctx context.Context) iter.Seq2[reconcile.Group, error] {
	return func(yield func(reconcile.Group, error) bool) {
		snap, err := s.cached(ctx)
		if err != nil {
			yield(reconcile.Group{}, err)
			return
		}
		each(snap.Groups, yield)
	}
}

// Memberships yields the memberships of the last refresh.
func (s *Source) Memberships(ctx context.Context) iter.Seq2[reconcile.Membership, error] {
	return func(yield func(reconcile.Membership, error) bool) {
		snap, err := s.cached(ctx)
		if err != nil {
			yield(reconcile.Membership{}, err)
			return
		}
		each(snap.Memberships, yield)
	}
}

func (s *Source) cached(ctx context.Context) (*reconcile.Snapshot, error) {
	s.mu.Lock()
	snap := s.snap
	s.mu.Unlock()
	if snap != nil {
		return snap, nil
	}
	return s.Snapshot(ctx)
}

func each[T any](items []T, yield func(T, error) bool) {
	for i := range items {
		if !yield(items[i], nil) {
			return
		}
	}
}

// storedMeta is kept beside the records: their layout and when everything was last read.
type storedMeta struct {
	Format    int       `json:"format"`
	PersonKey PersonKey `json:"personKey"`
	LastFull  time.Time `json:"lastFull"`
	// Segments are the base's segments per kind (format 3).
	Segments [len(recordPrefixes)]int `json:"segments"`
}

// The store keys of the Source, under its scope.
const (
	keyPrefix   = "ss12000sync/"
	keyMeta     = keyPrefix + "meta"
	keyState    = keyPrefix + "state"
	prefixOrg   = keyPrefix + "o/"
	prefixPers  = keyPrefix + "p/"
	prefixGroup = keyPrefix + "g/"
	prefixDuty  = keyPrefix + "d/"
	prefixAct   = keyPrefix + "a/"
)

// Refresh brings the source up to date: it loads the stored snapshot when this Source has none
// in memory, reads what changed since (or everything, the first time and after FullEvery), keeps
// the result in store when there is one, and builds the canonical snapshot for today. When it
// fails, nothing is stored and the previous snapshot stays.
func (s *Source) Refresh(ctx context.Context) (*Report, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rep := &Report{}
	// The stored records are loaded while the service is read: the run needs only the stored
	// watermarks to start.
	var records <-chan loaded
	if s.data == nil {
		records = s.restore(ctx, rep)
	}
	start := time.Now()
	now := s.opts.Now()
	full := len(s.state.Resources) == 0 || s.meta.PersonKey != s.opts.PersonKey ||
		(s.opts.FullEvery > 0 && now.Sub(s.meta.LastFull) >= s.opts.FullEvery)
	run, err := s.read(ctx, full)
	rep.Took.Read = time.Since(start)
	if records != nil {
		l := <-records
		rep.Took.Load = l.took
		if l.err == nil {
			s.data, rep.Stored, s.kept = l.data, l.n, l.kept
		} else {
			// The stored records cannot be used: everything is read again, and everything the
			// store holds of them is replaced, damaged records included.
			rep.Reread = l.err.Error()
			s.state, s.meta = ss12000.SyncState{}, storedMeta{}
			s.kept = kept{stray: l.keys}
			if err == nil && !full {
				full, start = true, time.Now()
				run, err = s.read(ctx, true)
				rep.Took.Read += time.Since(start)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	data := s.data
	if full {
		data = newDataset()
	}
	meta := storedMeta{Format: storeFormat, PersonKey: s.opts.PersonKey, LastFull: s.meta.LastFull, Segments: s.kept.segments}
	if full {
		meta.LastFull = now
	}
	var keys []string // the overlay rows a delta run writes
	if !full && s.opts.Store != nil {
		keys = run.pending.keys()
	}
	compact := full || s.kept.compacts(s.meta.Format, keys)
	// The store is written while the snapshot is built (each reads the run's records, neither
	// changes them). Applying the changes to the dataset in memory first is safe even when the
	// write then fails: the state stays where it was, so the next run reads the same changes
	// again and applies them again, which changes nothing.
	run.pending.apply(data)
	stored := make(chan error, 1)
	next := s.kept
	start = time.Now()
	if s.opts.Store != nil {
		go func() {
			var err error
			if compact {
				next, err = s.compact(ctx, data, run.state, &meta)
			} else {
				next, err = s.persist(ctx, run.pending, keys, run.state, meta)
			}
			rep.Took.Store = time.Since(start)
			stored <- err
		}()
	} else {
		stored <- nil
	}
	today := reconcile.DateOf(now.In(s.opts.Location))
	snap, counts := data.snapshot(&s.opts, today)
	rep.Took.Build = time.Since(start)
	s.data = data
	if err := <-stored; err != nil {
		return nil, err
	}
	s.state, s.meta, s.kept = *run.state, meta, next
	rep.Full, rep.Changed, rep.Deleted, rep.Today, rep.Counts = full, run.report.Changed, run.report.Deleted, today, counts
	s.snap, s.report = snap, rep
	return rep, nil
}

// syncRun is what one Syncer run read: the changes, the state to keep after them, its report.
type syncRun struct {
	pending *changes
	state   *ss12000.SyncState
	report  *ss12000.SyncReport
}

// read runs the Syncer from the source's state (which it leaves as it is).
func (s *Source) read(ctx context.Context, full bool) (syncRun, error) {
	run := syncRun{pending: &changes{keyPNR: s.opts.PersonKey == KeyCivicNo}, state: cloneState(&s.state)}
	syncer := ss12000.Syncer{Client: s.c, Types: syncTypes, Now: s.opts.Now}
	var err error
	if full {
		run.report, err = syncer.Full(ctx, run.state, run.pending.handle)
	} else {
		run.report, err = syncer.Delta(ctx, run.state, run.pending.handle)
	}
	if err != nil {
		return run, fmt.Errorf("ss12000sync: reading the service: %w", err)
	}
	if n := len(run.report.RecordErrors); n > 0 {
		return run, fmt.Errorf("%w: %d (the first: %w)", ErrUnreadableRecords, n, run.report.RecordErrors[0])
	}
	// The Syncer's list of every id (for reporting what a full run no longer finds) is of no
	// use here: a full run replaces the whole dataset. Without it the state stays small.
	for _, rs := range run.state.Resources {
		rs.Known = nil
	}
	return run, nil
}

func cloneState(st *ss12000.SyncState) *ss12000.SyncState {
	b, err := json.Marshal(st)
	if err != nil {
		return &ss12000.SyncState{}
	}
	var out ss12000.SyncState
	if json.Unmarshal(b, &out) != nil {
		return &ss12000.SyncState{}
	}
	return &out
}

// loaded is the outcome of loading the stored records: the dataset, how many records it has
// and how long loading took, or why they cannot be used and the keys the store holds.
type loaded struct {
	data *dataset
	n    int
	kept kept
	took time.Duration
	err  error
	keys []string // with err: every record key read, so that a full read can delete the stale
}

// restore starts loading the stored snapshot. It reads the meta and the state (s.meta, s.state)
// before it returns and hands the records to the channel when they are decoded (nil when there
// is nothing to load). A snapshot that cannot be used (damaged, another layout or person key)
// is set aside: the run then reads everything and replaces it.
func (s *Source) restore(ctx context.Context, rep *Report) <-chan loaded {
	s.data, s.state, s.meta = newDataset(), ss12000.SyncState{}, storedMeta{}
	if s.opts.Store == nil {
		return nil
	}
	type head struct {
		meta  storedMeta
		state ss12000.SyncState
		err   error
	}
	heads, records := make(chan head, 1), make(chan loaded, 1)
	go func() {
		start := time.Now()
		var raw storedRecords
		headSent := false
		sendHead := func(h head) {
			if !headSent {
				heads <- h
				headSent = true
			}
		}
		// One read transaction, so that the records are those of the state.
		err := s.opts.Store.View(ctx, s.opts.Scope, func(tx store.Tx) error {
			var h head
			h.meta, h.err = store.Get[storedMeta](tx, keyMeta)
			if h.err == nil {
				h.state, h.err = store.Get[ss12000.SyncState](tx, keyState)
			}
			if h.err == nil && (h.meta.Format < 1 || h.meta.Format > storeFormat) {
				// Stores of the formats before storeFormat are read (and compacted at once).
				h.err = fmt.Errorf("stored records have format %d, this edusync reads 1 to %d", h.meta.Format, storeFormat)
			}
			sendHead(h)
			if h.err != nil {
				return h.err
			}
			raw.meta = h.meta
			var err error
			if raw.base, err = tx.Values(prefixBase); err != nil {
				return err
			}
			for i, p := range recordPrefixes {
				if raw.rows[i], err = tx.Values(p); err != nil {
					return err
				}
			}
			return nil
		})
		sendHead(head{err: err})
		if err != nil {
			records <- loaded{err: err}
			return
		}
		l := decodeStored(&raw)
		l.took = time.Since(start)
		records <- l
	}()
	h := <-heads
	switch {
	case errors.Is(h.err, store.ErrNotFound):
		<-records
		return nil
	case h.err != nil:
		<-records
		rep.Reread = h.err.Error()
		return nil
	}
	s.state, s.meta = h.state, h.meta
	return records
}

// recordPrefixes are the store key prefixes of organisations, persons, groups, duties and
// activities, in the order load reads them.
var recordPrefixes = [5]string{prefixOrg, prefixPers, prefixGroup, prefixDuty, prefixAct}

// storedRecords are the rows read of a stored snapshot.
type storedRecords struct {
	meta storedMeta
	base []store.Entry[[]byte]                      // the base's segments
	rows [len(recordPrefixes)][]store.Entry[[]byte] // the overlay (formats 1 and 2: every record)
}

// decodeStored decodes the stored records: persons on one core, the rest on the other.
func decodeStored(raw *storedRecords) loaded {
	var k kept
	segs, stray, err := baseSegments(raw)
	k.stray = stray
	if raw.meta.Format >= storeFormat {
		k.segments = raw.meta.Segments
	}
	d := &dataset{}
	var base [2]int
	var errs [2]error
	if err == nil {
		var wg sync.WaitGroup
		wg.Go(func() {
			d.persons, base[0], errs[0] = decodeKind[personRec](prefixPers, segs[1], raw.rows[1])
		})
		var n [4]int
		var e [4]error
		d.orgs, n[0], e[0] = decodeKind[orgRec](prefixOrg, segs[0], raw.rows[0])
		d.groups, n[1], e[1] = decodeKind[groupRec](prefixGroup, segs[2], raw.rows[2])
		d.duties, n[2], e[2] = decodeKind[dutyRec](prefixDuty, segs[3], raw.rows[3])
		d.activities, n[3], e[3] = decodeKind[activityRec](prefixAct, segs[4], raw.rows[4])
		base[1], errs[1] = n[0]+n[1]+n[2]+n[3], errors.Join(e[:]...)
		wg.Wait()
		err = errors.Join(errs[:]...)
	}
	if err != nil {
		keys := make([]string, 0, len(raw.base)+len(raw.rows[1]))
		for _, e := range raw.base {
			keys = append(keys, e.Key)
		}
		for _, r := range raw.rows {
			for _, e := range r {
				keys = append(keys, e.Key)
			}
		}
		return loaded{err: err, keys: keys}
	}
	k.base = base[0] + base[1]
	k.overlay = map[string]bool{}
	for _, r := range raw.rows {
		for _, e := range r {
			k.overlay[e.Key] = true
		}
	}
	return loaded{data: d, n: len(d.orgs) + len(d.persons) + len(d.groups) + len(d.duties) + len(d.activities), kept: k}
}

// baseSegments sorts the segments read into the base's, by kind and number as the meta lists
// them, and strays (any other). A listed segment that is missing is an error.
func baseSegments(raw *storedRecords) (segs [len(recordPrefixes)][][]byte, stray []string, err error) {
	listed := raw.meta.Format >= storeFormat
	if listed {
		for kind, n := range raw.meta.Segments {
			if n < 0 || n > len(raw.base) {
				return segs, nil, fmt.Errorf("%w: the meta lists %d segments of a kind, the store holds %d", ErrStoredState, n, len(raw.base))
			}
			segs[kind] = make([][]byte, n)
		}
	}
	for _, e := range raw.base {
		kind, i, ok := parseSegmentKey(e.Key)
		if !ok || !listed || i >= len(segs[kind]) {
			stray = append(stray, e.Key)
			continue
		}
		segs[kind][i] = e.Value
	}
	for kind := range segs {
		for i, seg := range segs[kind] {
			if seg == nil {
				return segs, stray, fmt.Errorf("%w: segment %d of %d is missing", ErrStoredState, i, len(segs[kind]))
			}
		}
	}
	return segs, stray, nil
}

// decodable is a record the codec reads.
type decodable[T any] interface {
	*T
	decode(*decoder)
	idField() *string
}

// decodeRecord decodes one stored record with the given id into r; its strings are set at d's
// next flush.
func decodeRecord[T any, P decodable[T]](d *decoder, r P, id, b []byte) error {
	d.record(b, r.idField(), id)
	if d.err == nil {
		r.decode(d)
	}
	return d.end()
}

// persist writes a run's records to the overlay, with the state, in one transaction, so the
// stored snapshot and the watermarks never disagree. It returns the layout after the write.
func (s *Source) persist(ctx context.Context, c *changes, keys []string, next *ss12000.SyncState, meta storedMeta) (kept, error) {
	var b store.Batch
	c.batch(&b)
	k := s.kept
	k.overlay = maps.Clone(k.overlay)
	if k.overlay == nil {
		k.overlay = map[string]bool{}
	}
	for _, key := range keys {
		k.overlay[key] = true
	}
	return k, s.write(ctx, &b, next, meta)
}

// compact writes a new base of every record of d, deletes the overlay, the old base and stray
// keys, and writes the state, in one transaction.
func (s *Source) compact(ctx context.Context, d *dataset, next *ss12000.SyncState, meta *storedMeta) (kept, error) {
	var b store.Batch
	for key := range s.kept.overlay {
		b.Delete(key)
	}
	b.Deletes = append(b.Deletes, s.kept.stray...)
	var k kept
	var segs [len(recordPrefixes)][][]byte
	var n [len(recordPrefixes)]int
	segs[0], n[0] = encodeSegments(d.orgs)
	segs[1], n[1] = encodeSegments(d.persons)
	segs[2], n[2] = encodeSegments(d.groups)
	segs[3], n[3] = encodeSegments(d.duties)
	segs[4], n[4] = encodeSegments(d.activities)
	for kind := range segs {
		for i := len(segs[kind]); i < s.kept.segments[kind]; i++ {
			b.Delete(segmentKey(kind, i))
		}
		for i, seg := range segs[kind] {
			b.Set(segmentKey(kind, i), seg)
		}
		k.segments[kind] = len(segs[kind])
		k.base += n[kind]
	}
	meta.Segments = k.segments
	return k, s.write(ctx, &b, next, *meta)
}

// write adds the state and the meta to b and applies it.
func (s *Source) write(ctx context.Context, b *store.Batch, next *ss12000.SyncState, meta storedMeta) error {
	if err := b.Put(keyState, next); err != nil {
		return err
	}
	if err := b.Put(keyMeta, meta); err != nil {
		return err
	}
	if err := s.opts.Store.Update(ctx, s.opts.Scope, func(tx store.Tx) error { return tx.Apply(*b) }); err != nil {
		return fmt.Errorf("ss12000sync: keeping the snapshot in store: %w", err)
	}
	return nil
}

// changes collects what one run read: new versions of records (nil for removals), by id.
type changes struct {
	keyPNR     bool
	orgs       map[string]*orgRec
	persons    map[string]*personRec
	groups     map[string]*groupRec
	duties     map[string]*dutyRec
	activities map[string]*activityRec
}

func put[T any](m *map[string]*T, id string, v *T) {
	if *m == nil {
		*m = map[string]*T{}
	}
	(*m)[id] = v
}

// handle takes one change from the Syncer.
func (c *changes) handle(_ context.Context, ch ss12000.Change) error {
	if ch.ID == "" || len(ch.ID) > maxText {
		return fmt.Errorf("ss12000sync: a %s record has an unusable id", ch.Type)
	}
	switch ch.Type {
	case ss12000.EndPointsOrganisation:
		var r *orgRec
		if !ch.Deleted {
			v, ok := ch.Record.(ss12000.Organisation)
			if !ok {
				return unexpected(ch)
			}
			r = ptr(organisationRecord(&v))
			r.ID = ch.ID // the key it is stored and found under
			if err := r.check(); err != nil {
				return err
			}
		}
		put(&c.orgs, ch.ID, r)
	case ss12000.EndPointsPerson:
		var r *personRec
		if !ch.Deleted {
			v, ok := ch.Record.(ss12000.PersonExpanded)
			if !ok {
				return unexpected(ch)
			}
			r = ptr(personRecord(&v, c.keyPNR))
			r.ID = ch.ID // the key it is stored and found under
			if err := r.check(); err != nil {
				return err
			}
		}
		put(&c.persons, ch.ID, r)
	case ss12000.EndPointsGroup:
		var r *groupRec
		if !ch.Deleted {
			v, ok := ch.Record.(ss12000.GroupExpanded)
			if !ok {
				return unexpected(ch)
			}
			r = ptr(groupRecord(&v))
			r.ID = ch.ID // the key it is stored and found under
			if err := r.check(); err != nil {
				return err
			}
		}
		put(&c.groups, ch.ID, r)
	case ss12000.EndPointsDuty:
		var r *dutyRec
		if !ch.Deleted {
			v, ok := ch.Record.(ss12000.DutyExpanded)
			if !ok {
				return unexpected(ch)
			}
			r = ptr(dutyRecord(&v))
			r.ID = ch.ID // the key it is stored and found under
			if err := r.check(); err != nil {
				return err
			}
		}
		put(&c.duties, ch.ID, r)
	case ss12000.EndPointsActivity:
		var r *activityRec
		if !ch.Deleted {
			v, ok := ch.Record.(ss12000.ActivityExpanded)
			if !ok {
				return unexpected(ch)
			}
			r = ptr(activityRecord(&v))
			r.ID = ch.ID // the key it is stored and found under
			if err := r.check(); err != nil {
				return err
			}
		}
		put(&c.activities, ch.ID, r)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

func unexpected(ch ss12000.Change) error {
	return fmt.Errorf("ss12000sync: a %s change carries a %T", ch.Type, ch.Record)
}

// keys returns the store keys of the records the run delivered (new versions and removals).
func (c *changes) keys() []string {
	out := make([]string, 0, len(c.orgs)+len(c.persons)+len(c.groups)+len(c.duties)+len(c.activities))
	for id := range c.orgs {
		out = append(out, prefixOrg+id)
	}
	for id := range c.persons {
		out = append(out, prefixPers+id)
	}
	for id := range c.groups {
		out = append(out, prefixGroup+id)
	}
	for id := range c.duties {
		out = append(out, prefixDuty+id)
	}
	for id := range c.activities {
		out = append(out, prefixAct+id)
	}
	return out
}

// apply lays the run's changes over d.
func (c *changes) apply(d *dataset) {
	applyTo(d.orgs, c.orgs)
	applyTo(d.persons, c.persons)
	applyTo(d.groups, c.groups)
	applyTo(d.duties, c.duties)
	applyTo(d.activities, c.activities)
}

func applyTo[T any](into, from map[string]*T) {
	for id, v := range from {
		if v == nil {
			delete(into, id)
		} else {
			into[id] = v
		}
	}
}

// batch adds the run's changes to b.
func (c *changes) batch(b *store.Batch) {
	batchOf(b, prefixOrg, c.orgs)
	batchOf(b, prefixPers, c.persons)
	batchOf(b, prefixGroup, c.groups)
	batchOf(b, prefixDuty, c.duties)
	batchOf(b, prefixAct, c.activities)
}

type encodable interface{ encode() []byte }

func batchOf[T any, P interface {
	*T
	encodable
}](b *store.Batch, prefix string, m map[string]*T) {
	// In key order: the store then walks its index once from one end to the other instead of
	// seeking each record's page afresh.
	for _, id := range sortedIDs(m) {
		v := m[id]
		if v == nil {
			b.Set(prefix+id, tombstone)
		} else {
			b.Set(prefix+id, P(v).encode())
		}
	}
}
