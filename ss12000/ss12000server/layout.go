package ss12000server

import (
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/edusync/edusync/internal/uuidtext"
)

// The provider's state in its store scope. Keys are short: a municipality holds a few million.
//
//	m/gen                       the committed generation (a run's commit adds one)
//	m/secret                    the key page tokens are sealed with
//	m/delseq, m/logseq          counters
//	c/o|p|g|m/<id>              canonical records as the target keeps them (JSON, with revision)
//	r/o/<referrer>              organisation id by referrer (parents are named by referrer)
//	x/gm/<group>/<person>       membership index by group (value: id, roles, period)
//	x/pm/<person>/<group>       membership index by person (same value)
//	x/rf/<guardian>/<child>     who a person is responsible for
//	x/dp/<person>/<duty>        the duties served for a person
//	x/prot/<person>             persons with protected identity
//	x/off/<person>              deactivated persons
//	x/eppn/<person>             the EPPN the provider gave a person
//	e/<eppn, lower case>        who holds an EPPN (source or given)
//	n/<id>                      the reference name of a served record (for expandReferenceNames)
//	d/<resource>/<id>           served records: an envelope (below) around the SS 12000 JSON
//	del/<ms>/<seq>              removals, for /deletedEntities
//	s/o|p|g|m/<id>              changes staged by a run until Commit
//	l/<listing>/<chunk>         sorted listings: ids in order, a thousand a value
//	lx/<ms>/<listing>           when a sorted listing expires
//	sub/<id>                    subscriptions
//	log/<ms>/<seq>, stat/<ms>/<seq>   log and statistics entries receivers posted
const (
	keyGen     = "m/gen"
	keySecret  = "m/secret"
	keyDelSeq  = "m/delseq"
	keyLogSeq  = "m/logseq"
	pCanonical = "c/"
	pReferrer  = "r/o/"
	pGroupMem  = "x/gm/"
	pPersonMem = "x/pm/"
	pRespFor   = "x/rf/"
	pDutyOf    = "x/dp/"
	pProtected = "x/prot/"
	pOff       = "x/off/"
	pGivenEPPN = "x/eppn/"
	pEPPN      = "e/"
	pName      = "n/"
	pDoc       = "d/"
	pDeleted   = "del/"
	pStaged    = "s/"
	pListing   = "l/"
	pListingX  = "lx/"
	pSub       = "sub/"
	pLog       = "log/"
	pStat      = "stat/"
)

// The resources the provider serves records of (the other read operations of SS 12000 answer
// as a service that holds none of that kind).
const (
	resOrganisations = "organisations"
	resPersons       = "persons"
	resDuties        = "duties"
	resGroups        = "groups"
	resActivities    = "activities"
)

func docKey(res, id string) string          { return pDoc + res + "/" + id }
func docPrefix(res string) string           { return pDoc + res + "/" }
func canonKey(kind byte, id string) string  { return pCanonical + string(kind) + "/" + id }
func stagedKey(kind byte, id string) string { return pStaged + string(kind) + "/" + id }

// The one-letter kinds of canonical and staged keys.
const (
	kOrg        = 'o'
	kPerson     = 'p'
	kGroup      = 'g'
	kMembership = 'm'
)

// timeKey renders a time as a fixed-width millisecond count, so keys sort in time order.
func timeKey(t time.Time) string { return fmt.Sprintf("%013d", max(t.UnixMilli(), 0)) }

func seqKey(n uint64) string { return fmt.Sprintf("%016d", n) }

func parseUint(b []byte) uint64 {
	n, _ := strconv.ParseUint(string(b), 10, 64)
	return n
}

// nameUUID is a version-5 style UUID of a namespace and parts: the ids of the records the
// provider derives (duties, activities) stay the same across runs. The parts are ids the
// provider gave itself, never personal data.
func nameUUID(space string, parts ...string) string {
	h := sha1.New()
	h.Write([]byte("edusync/ss12000server/" + space))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return uuidtext.Format(u)
}

// envelope is a served record as stored: what serving needs to know about it without
// decoding it (when it appeared, whether it is about a protected person, which organisations
// it belongs to, which protected persons it names), precomputed extras, and the record's JSON.
type envelope struct {
	// born is the generation in which the record (last) appeared: a listing started at an
	// earlier generation leaves it out. gen is the generation that last wrote it.
	born, gen uint64
	// created and modified are the record's meta, in milliseconds.
	created, modified int64
	// prot: the record is about a person with protected identity (the person, the duty).
	prot bool
	// sum identifies the record's JSON without meta, to tell a change from a rewrite.
	sum uint64
	// orgs are the organisations the record belongs to, for receivers limited to some.
	orgs []string
	// refs are the protected persons (and their duties) the record names.
	refs []string
	// extra is JSON only serving reads: a person's relationships, a group's assignment roles.
	extra []byte
	doc   []byte
}

const envelopeVersion = 1

var errEnvelope = errors.New("ss12000server: a stored record is damaged")

func (e *envelope) encode() []byte {
	b := make([]byte, 0, 64+len(e.extra)+len(e.doc))
	flags := byte(0)
	if e.prot {
		flags |= 1
	}
	b = append(b, envelopeVersion, flags)
	b = binary.AppendUvarint(b, e.born)
	b = binary.AppendUvarint(b, e.gen)
	b = binary.AppendVarint(b, e.created)
	b = binary.AppendVarint(b, e.modified)
	b = binary.BigEndian.AppendUint64(b, e.sum)
	for _, list := range [][]string{e.orgs, e.refs} {
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, s := range list {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(e.extra)))
	b = append(b, e.extra...)
	return append(b, e.doc...)
}

// decodeEnvelope reads an envelope; doc and extra share b's memory.
func decodeEnvelope(b []byte) (envelope, error) {
	var e envelope
	if len(b) < 2 || b[0] != envelopeVersion {
		return e, errEnvelope
	}
	e.prot = b[1]&1 != 0
	r := b[2:]
	uv := func() uint64 {
		v, n := binary.Uvarint(r)
		if n <= 0 {
			r = nil
			return 0
		}
		r = r[n:]
		return v
	}
	sv := func() int64 {
		v, n := binary.Varint(r)
		if n <= 0 {
			r = nil
			return 0
		}
		r = r[n:]
		return v
	}
	e.born, e.gen = uv(), uv()
	e.created, e.modified = sv(), sv()
	if len(r) < 8 {
		return e, errEnvelope
	}
	e.sum = binary.BigEndian.Uint64(r)
	r = r[8:]
	for _, list := range []*[]string{&e.orgs, &e.refs} {
		n := uv()
		if n > uint64(len(r)) {
			return e, errEnvelope
		}
		for range n {
			l := uv()
			if r == nil || l > uint64(len(r)) {
				return e, errEnvelope
			}
			*list = append(*list, string(r[:l]))
			r = r[l:]
		}
	}
	l := uv()
	if r == nil || l > uint64(len(r)) {
		return e, errEnvelope
	}
	e.extra, e.doc = r[:l], r[l:]
	if len(e.doc) == 0 || e.doc[0] != '{' {
		return e, errEnvelope
	}
	return e, nil
}

// sumOf identifies a record's JSON (without meta).
func sumOf(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

// ms is a time in the milliseconds envelopes keep.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(n int64) time.Time { return time.UnixMilli(n).UTC() }

// lastSegment is what follows the last '/' of a key.
func lastSegment(key string) string { return key[strings.LastIndexByte(key, '/')+1:] }
