package reconcile

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash"
	"math"
	"slices"
	"strings"
)

// canon appends the canonical binary form of values to a buffer: strings length-prefixed, lists
// count-prefixed, maps in key order, so equal values always give equal bytes and different
// values different bytes. Both fingerprints are sha256 over this form.
type canon struct {
	buf  []byte
	keys []string
}

func (c *canon) str(s string) {
	c.buf = binary.AppendUvarint(c.buf, uint64(len(s)))
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

func (c *canon) date(d Date) {
	c.buf = binary.BigEndian.AppendUint32(c.buf, uint32(d.year))
	c.buf = append(c.buf, d.month, d.day)
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

// multisetSum adds up the sha256 digests of records as 256-bit numbers. The sum does not depend
// on the order the records are added in, which makes the inputs fingerprint independent of
// snapshot order without sorting a million records.
type multisetSum struct {
	canon
	limbs [4]uint64
	count uint64
}

func (m *multisetSum) addDigest(d [32]byte) {
	var carry uint64
	for i := 3; i >= 0; i-- {
		v := binary.BigEndian.Uint64(d[i*8:])
		s := m.limbs[i] + v
		c1 := uint64(0)
		if s < v {
			c1 = 1
		}
		s2 := s + carry
		if s2 < s {
			c1 = 1
		}
		m.limbs[i] = s2
		carry = c1
	}
	m.count++
}

// record hashes the bytes appended since the last record.
func (m *multisetSum) record() {
	m.addDigest(sha256.Sum256(m.buf))
	m.buf = m.buf[:0]
}

func (m *multisetSum) writeTo(h hash.Hash, section string) {
	var b []byte
	b = binary.AppendUvarint(b, uint64(len(section)))
	b = append(b, section...)
	b = binary.BigEndian.AppendUint64(b, m.count)
	for _, l := range m.limbs {
		b = binary.BigEndian.AppendUint64(b, l)
	}
	h.Write(b)
}

func sumRecords[T any](list []T, enc func(*canon, *T)) *multisetSum {
	m := &multisetSum{}
	for i := range list {
		enc(&m.canon, &list[i])
		m.record()
	}
	return m
}

// fingerprintInputs is the sha256 fingerprint of everything planning reads. Records are hashed
// one by one and summed (see multisetSum); options are hashed as canonical JSON with their lists
// in a fixed order.
func fingerprintInputs(src, tgt *Snapshot, opts *Options) string {
	h := sha256.New()
	h.Write([]byte("edusync/reconcile inputs v1\n"))
	for _, side := range []struct {
		name string
		s    *Snapshot
	}{{"source", src}, {"target", tgt}} {
		sumRecords(side.s.Organisations, (*canon).organisation).writeTo(h, side.name+".organisations")
		sumRecords(side.s.Persons, (*canon).person).writeTo(h, side.name+".persons")
		sumRecords(side.s.Groups, (*canon).group).writeTo(h, side.name+".groups")
		sumRecords(side.s.Memberships, (*canon).membership).writeTo(h, side.name+".memberships")
	}
	canonOpts := *opts
	canonOpts.History.Created = slices.Clone(opts.History.Created)
	slices.SortFunc(canonOpts.History.Created, func(a, b Record) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.TargetID, b.TargetID))
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
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
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
