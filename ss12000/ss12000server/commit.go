package ss12000server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/store"
)

// Commit makes the run's changes visible at once: in one store transaction it writes the
// staged canonical records and rebuilds every served record they touch (a person's record,
// duties and guardians, a group's record and activity, ...), stamping meta.created and
// meta.modified on those whose content changed, noting removals for /deletedEntities, giving
// EPPNs to persons without one, and queueing one callback per interested subscription. When
// it fails nothing of the run is visible; reconcile.Apply then calls Abort.
func (p *Provider) Commit(ctx context.Context) error {
	p.runMu.Lock()
	defer p.runMu.Unlock()
	r := p.run
	if r == nil {
		return ErrNoRun
	}
	if err := p.flush(ctx, r); err != nil {
		return fmt.Errorf("ss12000server: Commit: %w", err)
	}
	start := time.Now()
	var c *committer
	err := p.st.Update(ctx, p.scope, func(tx store.Tx) error {
		if _, err := tx.RenewLease(r.lease, runLeaseTTL); err != nil {
			return err
		}
		gen, err := committedGen(tx)
		if err != nil {
			return err
		}
		if gen != r.base {
			return fmt.Errorf("%w: another run committed meanwhile", ErrRunning)
		}
		c = newCommitter(ctx, p, tx, r)
		if err := c.commit(); err != nil {
			return err
		}
		return tx.ReleaseLease(r.lease)
	})
	if err != nil {
		return fmt.Errorf("ss12000server: Commit: %w", err)
	}
	p.run = nil
	p.committed()
	p.log.Info("ss12000server: run committed", "generation", r.gen, "written", c.written, "removed", c.removedDocs,
		"callbacks", c.callbacks, "eppns_given", c.eppns, "skipped", c.skipped, "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// committer applies a run's staged changes and rebuilds the served records inside the commit
// transaction.
type committer struct {
	ctx   context.Context
	p     *Provider
	tx    store.Tx
	r     *run
	voc   *vocab
	stamp time.Time
	// dirty persons and groups have served records to rebuild; orgsDirty rebuilds every
	// organisation (there are few).
	persons, groups map[string]bool
	orgsDirty       bool
	// orgs are all organisations, loaded once the staged changes are in.
	orgs map[string]*stored[reconcile.Organisation]
	// prot are the persons with protected identity and their markings, off the deactivated.
	prot map[string]ss12000.SecurityMarking
	off  map[string]bool
	// groupCache holds groups read while rebuilding.
	groupCache map[string]*stored[reconcile.Group]
	// changed and removed are the resource types written and removed, for callbacks.
	changed, removed map[ss12000.EndPointsEnum]bool
	delSeq           uint64
	// Counts for the log.
	written, removedDocs, callbacks, eppns, skipped int
}

func newCommitter(ctx context.Context, p *Provider, tx store.Tx, r *run) *committer {
	return &committer{ctx: ctx, p: p, tx: tx, r: r, voc: p.voc, stamp: p.stamp(),
		persons: map[string]bool{}, groups: map[string]bool{}, groupCache: map[string]*stored[reconcile.Group]{},
		changed: map[ss12000.EndPointsEnum]bool{}, removed: map[ss12000.EndPointsEnum]bool{}}
}

func (c *committer) commit() error {
	var err error
	if c.delSeq, err = readCounter(c.tx, keyDelSeq); err != nil {
		return err
	}
	for _, kind := range []byte{kOrg, kPerson, kGroup, kMembership} {
		if err := c.applyStaged(kind); err != nil {
			return err
		}
	}
	if err := c.loadSets(); err != nil {
		return err
	}
	if c.orgsDirty {
		if err := c.rebuildOrganisations(); err != nil {
			return err
		}
	}
	if err := c.rebuildPersons(); err != nil {
		return err
	}
	if err := c.rebuildGroups(); err != nil {
		return err
	}
	if err := c.tx.SetValue(keyDelSeq, []byte(fmt.Sprint(c.delSeq))); err != nil {
		return err
	}
	if err := c.tx.SetValue(keyGen, []byte(fmt.Sprint(c.r.gen))); err != nil {
		return err
	}
	if err := deletePrefix(c.tx, pStaged); err != nil {
		return err
	}
	if err := c.purge(); err != nil {
		return err
	}
	return c.queueCallbacks()
}

func readCounter(tx store.Tx, key string) (uint64, error) {
	raw, err := tx.Value(key)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return parseUint(raw), nil
}

// get reads a value; ok is false when there is none.
func get(tx store.Tx, key string) ([]byte, bool, error) {
	raw, err := tx.Value(key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	return raw, err == nil, err
}

// getStored reads a canonical record; nil when there is none.
func getStored[T any](tx store.Tx, kind byte, id string) (*T, error) {
	raw, ok, err := get(tx, canonKey(kind, id))
	if err != nil || !ok {
		return nil, err
	}
	v := new(T)
	return v, decodeStored(raw, v)
}

// each calls fn for every value under prefix, a chunk at a time, in key order.
func each(tx store.Tx, prefix string, fn func(key string, value []byte) error) error {
	after := ""
	for {
		batch, err := tx.ValuesFrom(prefix, after, readChunk)
		if err != nil {
			return err
		}
		for _, e := range batch {
			if err := fn(e.Key, e.Value); err != nil {
				return err
			}
		}
		if len(batch) < readChunk {
			return nil
		}
		after = batch[len(batch)-1].Key
	}
}

// applyStaged writes the staged records of one kind and keeps the indexes, marking what
// must be rebuilt.
func (c *committer) applyStaged(kind byte) error {
	return each(c.tx, pStaged+string(kind)+"/", func(key string, value []byte) error {
		var s staged
		if err := json.Unmarshal(value, &s); err != nil {
			return fmt.Errorf("%w: a staged change: %v", errEnvelope, err)
		}
		id := lastSegment(key)
		switch kind {
		case kOrg:
			return c.org(id, s)
		case kPerson:
			return c.person(id, s)
		case kGroup:
			return c.group(id, s)
		}
		return c.membership(id, s)
	})
}

func (c *committer) org(id string, s staged) error {
	old, err := getStored[stored[reconcile.Organisation]](c.tx, kOrg, id)
	if err != nil {
		return err
	}
	c.orgsDirty = true
	oldRef := ""
	if old != nil {
		oldRef = old.Rec.Keys.Referrer
	}
	if s.Delete {
		if oldRef != "" {
			if err := c.tx.DeleteValue(pReferrer + oldRef); err != nil {
				return err
			}
		}
		return c.tx.DeleteValue(canonKey(kOrg, id))
	}
	var v stored[reconcile.Organisation]
	if err := decodeStored(s.Rec, &v); err != nil {
		return err
	}
	if ref := v.Rec.Keys.Referrer; ref != oldRef {
		if oldRef != "" {
			if err := c.tx.DeleteValue(pReferrer + oldRef); err != nil {
				return err
			}
		}
		if ref != "" {
			if err := c.tx.SetValue(pReferrer+ref, []byte(id)); err != nil {
				return err
			}
		}
	}
	if old != nil && old.Rec.Attributes[AttrSchoolTypes] != v.Rec.Attributes[AttrSchoolTypes] {
		// The school types of enrolments there may follow them: rebuild the persons there.
		if err := c.personsAt(id); err != nil {
			return err
		}
	}
	return c.tx.SetValue(canonKey(kOrg, id), s.Rec)
}

// personsAt marks the persons with a context at an organisation.
func (c *committer) personsAt(org string) error {
	return each(c.tx, pCanonical+string(kPerson)+"/", func(key string, value []byte) error {
		var v stored[reconcile.Person]
		if err := decodeStored(value, &v); err != nil {
			return err
		}
		if slices.ContainsFunc(v.Rec.Contexts, func(x reconcile.Context) bool { return x.Organisation == org }) {
			c.persons[lastSegment(key)] = true
		}
		return nil
	})
}

func (c *committer) person(id string, s staged) error {
	old, err := getStored[stored[reconcile.Person]](c.tx, kPerson, id)
	if err != nil {
		return err
	}
	c.persons[id] = true
	var v *stored[reconcile.Person]
	if !s.Delete {
		v = new(stored[reconcile.Person])
		if err := decodeStored(s.Rec, v); err != nil {
			return err
		}
	}
	var oldRel, newRel []reconcile.Relation
	var oldEPPN, newEPPN []string
	if old != nil {
		oldRel, oldEPPN = old.Rec.Relations, old.Rec.EPPNs
	}
	if v != nil {
		newRel, newEPPN = v.Rec.Relations, v.Rec.EPPNs
	}
	// Guardians: the index of who is responsible for whom, and both old and new guardians
	// rebuilt (their relationships follow their children's enrolments).
	for _, r := range oldRel {
		c.persons[r.Person] = true
		if err := c.tx.DeleteValue(pRespFor + r.Person + "/" + id); err != nil {
			return err
		}
	}
	for _, r := range newRel {
		c.persons[r.Person] = true
		if err := c.tx.SetValue(pRespFor+r.Person+"/"+id, nil); err != nil {
			return err
		}
	}
	for _, e := range oldEPPN {
		if err := c.tx.DeleteValue(pEPPN + strings.ToLower(e)); err != nil {
			return err
		}
	}
	for _, e := range newEPPN {
		if err := c.tx.SetValue(pEPPN+strings.ToLower(e), []byte(id)); err != nil {
			return err
		}
	}
	// What refers to the person (groups, activities, the persons it is responsible for)
	// names it with its marking and leaves it out when it is inactive: rebuild those when
	// either changed, or the contexts its duties come from.
	wide := old == nil || v == nil || marking(&old.Rec) != marking(&v.Rec) || old.Inactive != v.Inactive ||
		!slices.Equal(old.Rec.Contexts, v.Rec.Contexts)
	if wide {
		if err := c.markGroupsOf(id); err != nil {
			return err
		}
		if err := each(c.tx, pRespFor+id+"/", func(key string, _ []byte) error {
			c.persons[lastSegment(key)] = true
			return nil
		}); err != nil {
			return err
		}
	}
	if v == nil {
		return c.deletePerson(id)
	}
	if v.Rec.Protected {
		if err := c.tx.SetValue(pProtected+id, []byte(marking(&v.Rec))); err != nil {
			return err
		}
	} else if err := c.tx.DeleteValue(pProtected + id); err != nil {
		return err
	}
	if err := flag(c.tx, pOff+id, v.Inactive); err != nil {
		return err
	}
	return c.tx.SetValue(canonKey(kPerson, id), s.Rec)
}

// flag sets or clears a marker key.
func flag(tx store.Tx, key string, on bool) error {
	if on {
		return tx.SetValue(key, nil)
	}
	return tx.DeleteValue(key)
}

func (c *committer) markGroupsOf(person string) error {
	return each(c.tx, pPersonMem+person+"/", func(key string, _ []byte) error {
		c.groups[lastSegment(key)] = true
		return nil
	})
}

// deletePerson removes a person and, as reconcile requires, its memberships.
func (c *committer) deletePerson(id string) error {
	var mems []string
	if err := each(c.tx, pPersonMem+id+"/", func(key string, _ []byte) error {
		mems = append(mems, lastSegment(key))
		return nil
	}); err != nil {
		return err
	}
	for _, g := range mems {
		if err := c.dropMembership(g, id); err != nil {
			return err
		}
	}
	if err := deletePrefix(c.tx, pRespFor+id+"/"); err != nil {
		return err
	}
	for _, k := range []string{canonKey(kPerson, id), pProtected + id, pOff + id, pGivenEPPN + id} {
		if err := c.tx.DeleteValue(k); err != nil {
			return err
		}
	}
	return nil
}

// dropMembership removes the membership of a person in a group and its index entries.
func (c *committer) dropMembership(group, person string) error {
	raw, ok, err := get(c.tx, pGroupMem+group+"/"+person)
	if err != nil || !ok {
		return err
	}
	var ix memberIndex
	if err := json.Unmarshal(raw, &ix); err != nil {
		return fmt.Errorf("%w: %v", errEnvelope, err)
	}
	c.groups[group], c.persons[person] = true, true
	for _, k := range []string{canonKey(kMembership, ix.ID), pGroupMem + group + "/" + person, pPersonMem + person + "/" + group} {
		if err := c.tx.DeleteValue(k); err != nil {
			return err
		}
	}
	return nil
}

func (c *committer) group(id string, s staged) error {
	old, err := getStored[stored[reconcile.Group]](c.tx, kGroup, id)
	if err != nil {
		return err
	}
	c.groups[id] = true
	delete(c.groupCache, id)
	var v *stored[reconcile.Group]
	if !s.Delete {
		v = new(stored[reconcile.Group])
		if err := decodeStored(s.Rec, v); err != nil {
			return err
		}
	}
	// The members' relationships name the group's organisation and period, and leave it out
	// when it is inactive.
	if old == nil || v == nil || old.Inactive != v.Inactive || old.Rec.Organisation != v.Rec.Organisation || old.Rec.Valid != v.Rec.Valid {
		var members []string
		if err := each(c.tx, pGroupMem+id+"/", func(key string, _ []byte) error {
			members = append(members, lastSegment(key))
			return nil
		}); err != nil {
			return err
		}
		for _, m := range members {
			c.persons[m] = true
			if v == nil {
				if err := c.dropMembership(id, m); err != nil {
					return err
				}
			}
		}
	}
	if v == nil {
		return c.tx.DeleteValue(canonKey(kGroup, id))
	}
	return c.tx.SetValue(canonKey(kGroup, id), s.Rec)
}

func (c *committer) membership(id string, s staged) error {
	old, err := getStored[storedMembership](c.tx, kMembership, id)
	if err != nil {
		return err
	}
	if s.Delete {
		if old == nil {
			return nil // gone with its person or group
		}
		return c.dropMembership(old.Rec.Group, old.Rec.Person)
	}
	var v storedMembership
	if err := decodeStored(s.Rec, &v); err != nil {
		return err
	}
	m := v.Rec
	c.groups[m.Group], c.persons[m.Person] = true, true
	ix, err := json.Marshal(memberIndex{ID: id, Roles: m.Role, Valid: m.Period})
	if err != nil {
		return err
	}
	b := store.Batch{}
	b.Set(canonKey(kMembership, id), s.Rec)
	b.Set(pGroupMem+m.Group+"/"+m.Person, ix)
	b.Set(pPersonMem+m.Person+"/"+m.Group, ix)
	return c.tx.Apply(b)
}

// loadSets reads the organisations and the protected and deactivated persons.
func (c *committer) loadSets() error {
	c.orgs = map[string]*stored[reconcile.Organisation]{}
	if err := each(c.tx, pCanonical+string(kOrg)+"/", func(key string, value []byte) error {
		v := new(stored[reconcile.Organisation])
		c.orgs[lastSegment(key)] = v
		return decodeStored(value, v)
	}); err != nil {
		return err
	}
	c.prot, c.off = map[string]ss12000.SecurityMarking{}, map[string]bool{}
	if err := each(c.tx, pProtected, func(key string, value []byte) error {
		c.prot[lastSegment(key)] = ss12000.SecurityMarking(value)
		return nil
	}); err != nil {
		return err
	}
	return each(c.tx, pOff, func(key string, _ []byte) error {
		c.off[lastSegment(key)] = true
		return nil
	})
}

// groupOf reads a group through the cache; nil when there is none.
func (c *committer) groupOf(id string) (*stored[reconcile.Group], error) {
	if g, ok := c.groupCache[id]; ok {
		return g, nil
	}
	g, err := getStored[stored[reconcile.Group]](c.tx, kGroup, id)
	if err != nil {
		return nil, err
	}
	if len(c.groupCache) > 50_000 {
		clear(c.groupCache)
	}
	c.groupCache[id] = g
	return g, nil
}

// activeOrg resolves an organisation a record names (its id, or for an organisation the
// target does not hold under that id, its referrer) to an active organisation's id.
func (c *committer) activeOrg(ref string) (string, *stored[reconcile.Organisation]) {
	if o, ok := c.orgs[ref]; ok {
		if o.Inactive {
			return "", nil
		}
		return ref, o
	}
	raw, ok, err := get(c.tx, pReferrer+ref)
	if err != nil || !ok {
		return "", nil
	}
	id := string(raw)
	if o, ok := c.orgs[id]; ok && !o.Inactive {
		return id, o
	}
	return "", nil
}

// put writes a served record: its JSON without meta decides whether it changed; a changed
// or new record gets meta (created kept, modified now) and the run's generation.
func (c *committer) put(res string, ep ss12000.EndPointsEnum, id string, rec any, meta *ss12000.Meta, env envelope, name string) error {
	*meta = ss12000.Meta{}
	bare, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	env.sum = sumOf(bare)
	key := docKey(res, id)
	raw, ok, err := get(c.tx, key)
	if err != nil {
		return err
	}
	var old envelope
	if ok {
		if old, err = decodeEnvelope(raw); err != nil {
			return err
		}
	}
	if ok && old.sum == env.sum {
		env.born, env.gen, env.created, env.modified, env.doc = old.born, old.gen, old.created, old.modified, old.doc
		if string(env.encode()) == string(raw) {
			return nil
		}
	} else {
		env.gen = c.r.gen
		env.created, env.modified = ms(c.stamp), ms(c.stamp)
		env.born = c.r.gen
		if ok {
			env.created, env.born = old.created, old.born
		}
		*meta = ss12000.Meta{Created: fromMS(env.created), Modified: fromMS(env.modified)}
		if env.doc, err = json.Marshal(rec); err != nil {
			return err
		}
		c.changed[ep] = true
		c.written++
	}
	b := store.Batch{}
	b.Set(key, env.encode())
	b.Set(pName+id, nameValue(name, env.prot))
	return c.tx.Apply(b)
}

// nameValue is the value of a reference name: a byte for protection, then the name.
func nameValue(name string, prot bool) []byte {
	flag := byte('-')
	if prot {
		flag = 'p'
	}
	return append([]byte{flag}, name...)
}

// deletion is one removal as /deletedEntities keeps it.
type deletion struct {
	// Gen is the generation that removed the record: listings started before leave it out.
	Gen  uint64                `json:"g"`
	Type ss12000.EndPointsEnum `json:"t"`
	ID   string                `json:"id"`
	Prot bool                  `json:"p,omitempty"`
	Orgs []string              `json:"o,omitempty"`
}

// remove takes a served record away and notes the removal.
func (c *committer) remove(res string, ep ss12000.EndPointsEnum, id string) error {
	key := docKey(res, id)
	raw, ok, err := get(c.tx, key)
	if err != nil || !ok {
		return err
	}
	env, err := decodeEnvelope(raw)
	if err != nil {
		return err
	}
	c.delSeq++
	d, err := json.Marshal(deletion{Gen: c.r.gen, Type: ep, ID: id, Prot: env.prot, Orgs: env.orgs})
	if err != nil {
		return err
	}
	b := store.Batch{}
	b.Delete(key)
	b.Delete(pName + id)
	b.Set(pDeleted+timeKey(c.stamp)+"/"+seqKey(c.delSeq), d)
	c.removed[ep], c.changed[ep] = true, true
	c.removedDocs++
	return c.tx.Apply(b)
}

func sortedKeys(m map[string]bool) []string { return slices.Sorted(maps.Keys(m)) }

// purge drops removals and sorted listings older than they are kept.
func (c *committer) purge() error {
	cutoff := timeKey(c.stamp.Add(-c.p.opts.Retention))
	for _, prefix := range []string{pDeleted, pLog, pStat} {
		if err := purgeBefore(c.tx, prefix, cutoff, nil); err != nil {
			return err
		}
	}
	return purgeListings(c.tx, c.stamp)
}

// purgeBefore deletes the values under prefix whose time key (the segment after the prefix)
// is before cutoff; each is called with the key of each deleted value.
func purgeBefore(tx store.Tx, prefix, cutoff string, each func(key string) error) error {
	for {
		batch, err := tx.ValuesFrom(prefix, "", readChunk)
		if err != nil {
			return err
		}
		var b store.Batch
		for _, e := range batch {
			if e.Key[len(prefix):] >= cutoff {
				break
			}
			if each != nil {
				if err := each(e.Key); err != nil {
					return err
				}
			}
			b.Delete(e.Key)
		}
		if len(b.Deletes) == 0 {
			return nil
		}
		if err := tx.Apply(b); err != nil {
			return err
		}
	}
}
