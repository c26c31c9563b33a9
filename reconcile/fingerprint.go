package reconcile

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/edusync/edusync/internal/uuidtext"
)

// canon appends the canonical binary form of values to a buffer: strings length-prefixed, lists
// count-prefixed, maps in key order, so equal values always give equal bytes and different
// values different bytes. Both fingerprints are sha256 over this form.
type canon struct {
	buf  []byte
	keys []string
	// uuids writes UUIDs as 16 bytes (see str): worth it where each record is hashed on its
	// own, since shorter records need fewer sha256 blocks, not in one long stream.
	uuids bool
}

// str writes a string as its length and bytes. With c.uuids, a string ending in a UUID in its
// canonical lower-case form (the ids most school systems use) is written as the length of the
// part before the UUID and the UUID's 16 bytes instead. The low bit of the leading number tells
// the two forms apart, so the encoding stays injective either way.
func (c *canon) str(s string) {
	if n := len(s) - 36; c.uuids && n >= 0 {
		if u, ok := uuidtext.Parse(s[n:]); ok {
			c.buf = binary.AppendUvarint(c.buf, uint64(n)<<1|1)
			c.buf = append(c.buf, s[:n]...)
			c.buf = append(c.buf, u[:]...)
			return
		}
	}
	c.buf = binary.AppendUvarint(c.buf, uint64(len(s))<<1)
	c.buf = append(c.buf, s...)
}

func (c *canon) num(n int64) { c.buf = binary.AppendVarint(c.buf, n) }

func (c *canon) flag(b bool) {
	if b {
		c.buf = append(c.buf, 1)
	} else {
		c.buf = append(c.buf, 0)
	}
}

func (c *canon) strs(l []string) {
	c.num(int64(len(l)))
	for _, s := range l {
		c.str(s)
	}
}

// date writes a date as one signed number, year, month and day in their own bits (the zero
// Date is 0).
func (c *canon) date(d Date) {
	c.buf = binary.AppendVarint(c.buf, int64(d.year)<<16|int64(d.month)<<8|int64(d.day))
}

func (c *canon) period(p Period) {
	c.date(p.From)
	c.date(p.To)
}

func (c *canon) keysOf(k *Keys) {
	c.str(k.SourceKey)
	c.str(k.TargetID)
	c.str(k.Referrer)
}

func (c *canon) attrs(a map[string]string) {
	c.num(int64(len(a)))
	if len(a) == 0 {
		return
	}
	c.keys = c.keys[:0]
	for k := range a {
		c.keys = append(c.keys, k)
	}
	slices.Sort(c.keys)
	for _, k := range c.keys {
		c.str(k)
		c.str(a[k])
	}
}

func (c *canon) organisation(o *Organisation) {
	c.keysOf(&o.Keys)
	c.str(o.Revision)
	c.str(o.Name)
	c.str(o.Type)
	c.attrs(o.Attributes)
}

func (c *canon) person(x *Person) {
	c.keysOf(&x.Keys)
	c.str(x.Revision)
	c.str(x.FamilyName)
	c.str(x.GivenNames)
	c.date(x.BirthDate)
	c.str(x.BirthPlace)
	c.strs(x.Emails)
	c.strs(x.EPPNs)
	c.flag(x.Protected)
	c.num(int64(len(x.Contexts)))
	for _, ctx := range x.Contexts {
		c.str(ctx.Organisation)
		c.str(ctx.Role)
	}
	c.num(int64(len(x.Relations)))
	for _, r := range x.Relations {
		c.str(r.Person)
		c.str(r.Role)
	}
	c.attrs(x.Attributes)
}

func (c *canon) group(g *Group) {
	c.keysOf(&g.Keys)
	c.str(g.Revision)
	c.str(g.Name)
	c.str(g.Type)
	c.str(g.Organisation)
	c.period(g.Valid)
	c.attrs(g.Attributes)
}

func (c *canon) membership(m *Membership) {
	c.str(m.ID)
	c.str(m.Revision)
	c.str(m.Person)
	c.str(m.Group)
	c.str(m.Role)
	c.period(m.Period)
}

// change encodes an optional Change: presence, then Before and After, each optional.
func change[T any](c *canon, ch *Change[T], enc func(*T)) {
	c.flag(ch != nil)
	if ch == nil {
		return
	}
	for _, v := range []*T{ch.Before, ch.After} {
		c.flag(v != nil)
		if v != nil {
			enc(v)
		}
	}
}

func (c *canon) action(a *Action) {
	c.str(a.ID)
	c.str(string(a.Kind))
	c.str(string(a.Op))
	c.num(int64(a.Case))
	c.str(string(a.Confirm))
	c.str(a.Reason)
	c.str(a.SourceKey)
	c.str(a.TargetID)
	c.str(a.Revision)
	c.num(int64(len(a.Diffs)))
	for _, d := range a.Diffs {
		c.str(d.Field)
		c.str(d.Before)
		c.str(d.After)
	}
	c.num(int64(len(a.Needs)))
	for _, n := range a.Needs {
		c.str(string(n.Kind))
		c.str(n.SourceKey)
	}
	c.str(a.SourceDigest)
	change(c, a.Organisation, c.organisation)
	change(c, a.Person, c.person)
	change(c, a.Group, c.group)
	change(c, a.Membership, c.membership)
}

func (c *canon) counts(n Counts) {
	for _, v := range []int{n.Created, n.Updated, n.Unchanged, n.Pending, n.Imported, n.Deactivated, n.Deleted, n.Skipped} {
		c.num(int64(v))
	}
}

func (c *canon) hold(h Hold) {
	c.str(string(h.Kind))
	c.str(string(h.Op))
	c.num(int64(h.Max))
	c.buf = binary.BigEndian.AppendUint64(c.buf, math.Float64bits(h.Percent))
}

// sectionHash is the sha256 of a section's name, its record count and the sha256 digests of
// its records' canonical forms in sorted order. Sorting the digests, rather than the records,
// makes the fingerprint independent of snapshot order while keeping it as collision resistant
// as sha256: two sections hash alike only if their sorted digest lists are equal.
//
// Digests are spread into 256 buckets by their first byte as they are made, so that each bucket
// is sorted while it fits in cache and memory is only ever written in a few sequential streams.
func sectionHash[T any](name string, list []T, enc func(*canon, *T)) [sha256.Size]byte {
	h := sha256.New()
	buf := make([]byte, 0, 32<<10)
	buf = binary.AppendUvarint(buf, uint64(len(name)))
	buf = append(buf, name...)
	buf = binary.BigEndian.AppendUint64(buf, uint64(len(list)))
	write := func(ds [][sha256.Size]byte) {
		for i := range ds {
			if len(buf)+sha256.Size > cap(buf) {
				h.Write(buf)
				buf = buf[:0]
			}
			buf = append(buf, ds[i][:]...)
		}
	}
	c := &canon{buf: make([]byte, 0, 512), uuids: true}
	digest := func(i int) [sha256.Size]byte {
		c.buf = c.buf[:0]
		enc(c, &list[i])
		return sha256.Sum256(c.buf)
	}
	if len(list) < 1<<12 {
		ds := make([][sha256.Size]byte, len(list))
		for i := range list {
			ds[i] = digest(i)
		}
		slices.SortFunc(ds, compareDigests)
		write(ds)
	} else {
		per := len(list)/256 + len(list)/2048 + 16 // room for the usual spread
		backing := make([][sha256.Size]byte, 256*per)
		var buckets [256][][sha256.Size]byte
		for b := range buckets {
			buckets[b] = backing[b*per : b*per : (b+1)*per]
		}
		for i := range list {
			d := digest(i)
			buckets[d[0]] = append(buckets[d[0]], d)
		}
		scratch := make([][sha256.Size]byte, 0, per)
		for b := range buckets {
			scratch = slices.Grow(scratch[:0], len(buckets[b]))[:len(buckets[b])]
			sortBucket(buckets[b], scratch)
			write(buckets[b])
		}
	}
	h.Write(buf)
	return [sha256.Size]byte(h.Sum(nil))
}

func compareDigests(a, b [sha256.Size]byte) int { return bytes.Compare(a[:], b[:]) }

// sortBucket sorts digests that share their first byte: a counting pass (through scratch, as
// long as the bucket) on as many of the following bits as the bucket needs to leave runs of one
// or two digests, each then sorted by insertion. Scaling the pass with the bucket keeps the
// sort linear in the number of records.
func sortBucket(ds, scratch [][sha256.Size]byte) {
	if len(ds) < 64 {
		insertionSort(ds)
		return
	}
	width := min(max(bits.Len(uint(len(ds)/2)), 1), 16)
	key := func(d *[sha256.Size]byte) int { return int(binary.BigEndian.Uint16(d[1:3])) >> (16 - width) }
	start := make([]int32, 1<<width+1)
	for i := range ds {
		start[key(&ds[i])+1]++
	}
	for b := 1; b < len(start); b++ {
		start[b] += start[b-1]
	}
	next := slices.Clone(start)
	for i := range ds {
		k := key(&ds[i])
		scratch[next[k]] = ds[i]
		next[k]++
	}
	for k := range 1 << width {
		run := scratch[start[k]:start[k+1]]
		if len(run) > 32 { // only with crafted input: stay n log n
			slices.SortFunc(run, compareDigests)
		} else {
			insertionSort(run)
		}
	}
	copy(ds, scratch)
}

func insertionSort(run [][sha256.Size]byte) {
	for i := 1; i < len(run); i++ {
		for j := i; j > 0 && compareDigests(run[j-1], run[j]) > 0; j-- {
			run[j-1], run[j] = run[j], run[j-1]
		}
	}
}

// fingerprintInputs is the sha256 fingerprint of everything planning reads: the hashes of the
// eight sections (source organisations, ..., target memberships; see sectionHash), then the
// options as canonical JSON with their lists in a fixed order.
func fingerprintInputs(src, tgt *Snapshot, opts *Options) string {
	// The two sides are hashed at the same time, so that on two cores the fingerprint takes
	// no longer than planning, which runs beside it.
	var sections [2][4][sha256.Size]byte
	hashSide := func(out *[4][sha256.Size]byte, side string, s *Snapshot) {
		out[0] = sectionHash(side+".organisations", s.Organisations, (*canon).organisation)
		out[1] = sectionHash(side+".persons", s.Persons, (*canon).person)
		out[2] = sectionHash(side+".groups", s.Groups, (*canon).group)
		out[3] = sectionHash(side+".memberships", s.Memberships, (*canon).membership)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		hashSide(&sections[1], "target", tgt)
	}()
	hashSide(&sections[0], "source", src)
	<-done

	h := sha256.New()
	h.Write([]byte("edusync/reconcile inputs v3\n"))
	for i := range sections {
		for k := range sections[i] {
			h.Write(sections[i][k][:])
		}
	}
	h.Write(canonicalOptions(opts))
	h.Write(canonicalCapabilities(tgt.Capabilities))
	return hex.EncodeToString(h.Sum(nil))
}

// canonicalCapabilities encodes the target's capabilities (nil: the whole model) as JSON; of
// Normalise, only NormaliseID.
func canonicalCapabilities(c *Capabilities) []byte {
	if c == nil {
		all := Everything()
		c = &all
	}
	b, err := json.Marshal(c)
	if err != nil {
		b = []byte(err.Error())
	}
	return b
}

// canonicalOptions encodes the options as JSON with History and Decisions in a fixed order and
// the default holds spelt out.
func canonicalOptions(opts *Options) []byte {
	canonOpts := *opts
	canonOpts.History.Created = slices.Clone(opts.History.Created)
	slices.SortFunc(canonOpts.History.Created, func(a, b Created) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.TargetID, b.TargetID), cmp.Compare(a.SourceKey, b.SourceKey))
	})
	canonOpts.History.Writes = slices.Clone(opts.History.Writes)
	slices.SortFunc(canonOpts.History.Writes, func(a, b Write) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.TargetID, b.TargetID), cmp.Compare(a.SourceDigest, b.SourceDigest))
	})
	canonOpts.History.Deactivated = slices.Clone(opts.History.Deactivated)
	slices.SortFunc(canonOpts.History.Deactivated, func(a, b Deactivated) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.TargetID, b.TargetID), a.Since.Compare(b.Since))
	})
	canonOpts.Decisions = slices.Clone(opts.Decisions)
	slices.SortStableFunc(canonOpts.Decisions, func(a, b Decision) int { return strings.Compare(a.ID, b.ID) })
	if canonOpts.Holds == nil {
		canonOpts.Holds = DefaultHolds()
	}
	b, err := json.Marshal(canonOpts)
	if err != nil {
		// Options hold only plain data; this cannot fail, but a fingerprint must never be silent.
		b = []byte(err.Error())
	}
	return b
}

// digest computes the plan's own fingerprint: sha256 over the canonical form of every field
// except Fingerprint, written in pieces so a large plan is never encoded in one buffer.
func (p *Plan) digest() string {
	h := sha256.New()
	c := &canon{buf: make([]byte, 0, 64<<10)}
	flush := func(force bool) {
		if force || len(c.buf) > 32<<10 {
			h.Write(c.buf)
			c.buf = c.buf[:0]
		}
	}
	c.str("edusync/reconcile plan v1")
	c.num(int64(p.Version))
	c.str(p.Inputs)
	if p.Now.IsZero() {
		c.str("")
	} else {
		c.str(p.Now.UTC().Format("2006-01-02T15:04:05.999999999Z"))
	}
	c.counts(p.Counts)
	for _, k := range []map[Kind]Counts{p.ByKind} {
		c.num(int64(len(k)))
		for _, kind := range sortedKinds(k) {
			c.str(string(kind))
			c.counts(k[kind])
		}
	}
	c.num(int64(len(p.TargetSizes)))
	for _, kind := range sortedKinds(p.TargetSizes) {
		c.str(string(kind))
		c.num(int64(p.TargetSizes[kind]))
	}
	c.num(int64(len(p.Holds)))
	for _, h := range p.Holds {
		c.hold(h)
	}
	c.num(int64(len(p.Tripped)))
	for _, t := range p.Tripped {
		c.hold(t.Hold)
		c.num(int64(t.Count))
		c.num(int64(t.Base))
	}
	c.num(int64(len(p.Decisions)))
	for _, d := range p.Decisions {
		c.str(d.ID)
		c.str(string(d.Verdict))
	}
	c.num(int64(len(p.Unconverged)))
	for _, u := range p.Unconverged {
		c.str(string(u.Kind))
		c.str(u.SourceKey)
		c.str(u.TargetID)
		c.str(u.Field)
		c.str(u.Wanted)
		c.str(u.Held)
	}
	c.num(int64(len(p.Actions)))
	for i := range p.Actions {
		c.action(&p.Actions[i])
		flush(false)
	}
	flush(true)
	return hex.EncodeToString(h.Sum(nil))
}

// seal evaluates the holds and fixes the fingerprint; called whenever a plan is made.
func (p *Plan) seal() {
	p.Tripped = evaluateHolds(p)
	p.Fingerprint = p.digest()
}

// Verify checks that the plan still matches its fingerprint, for example after it was stored
// and read back. Apply calls it before doing anything.
func (p *Plan) Verify() error {
	if p == nil {
		return ErrTampered
	}
	if p.Version != PlanVersion {
		return fmt.Errorf("%w: %d (this version reads %d)", ErrPlanVersion, p.Version, PlanVersion)
	}
	if p.digest() != p.Fingerprint {
		return ErrTampered
	}
	return nil
}

// sortedKinds lists the kinds of a map in dependency order, for stable output.
func sortedKinds[V any](m map[Kind]V) []Kind {
	ks := make([]Kind, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b Kind) int { return cmp.Or(a.rank()-b.rank(), strings.Compare(string(a), string(b))) })
	return ks
}
