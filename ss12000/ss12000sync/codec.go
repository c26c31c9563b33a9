package ss12000sync

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/edusync/edusync/reconcile"
)

// The records are kept in store in a small binary form: a format byte, then each field in a
// fixed order, strings and lists length-prefixed, dates as year, month and day. It decodes a
// municipality in a fraction of the time JSON takes. Everything read is checked: a damaged value
// is an error (ErrStoredState), never a panic or a record with parts missing.

// recordFormat is the first byte of every stored record; a new layout gets a new number.
const recordFormat = 1

// ErrStoredState means the snapshot kept in store cannot be read (damaged, or written by a newer
// edusync). Refresh then reads the service afresh instead of trusting it.
var ErrStoredState = errors.New("ss12000sync: the stored snapshot cannot be read")

type encoder struct{ b []byte }

func (e *encoder) uint(n uint64) { e.b = binary.AppendUvarint(e.b, n) }

func (e *encoder) int(n int64) { e.b = binary.AppendVarint(e.b, n) }

func (e *encoder) str(s string) {
	e.uint(uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *encoder) date(d reconcile.Date) {
	if d.IsZero() {
		e.uint(0)
		return
	}
	e.uint(1)
	e.int(int64(d.Year()))
	e.uint(uint64(d.Month()))
	e.uint(uint64(d.Day()))
}

func (e *encoder) strs(l []string) {
	e.uint(uint64(len(l)))
	for _, s := range l {
		e.str(s)
	}
}

// decoder reads one record. Its strings are parts of one copy of the whole record (s), so a
// record costs one string allocation, not one per field.
type decoder struct {
	b   []byte
	s   string
	err error
}

func newDecoder(b []byte) *decoder { return &decoder{b: b, s: string(b)} }

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrStoredState, what)
	}
}

func (d *decoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	n, k := binary.Uvarint(d.b)
	if k <= 0 {
		d.fail("bad number")
		return 0
	}
	d.b = d.b[k:]
	return n
}

func (d *decoder) int() int64 {
	if d.err != nil {
		return 0
	}
	n, k := binary.Varint(d.b)
	if k <= 0 {
		d.fail("bad number")
		return 0
	}
	d.b = d.b[k:]
	return n
}

// count reads a list length, bounded by the bytes left (every element takes at least one).
func (d *decoder) count() int {
	n := d.uint()
	if n > uint64(len(d.b)) {
		d.fail("list longer than the record")
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.uint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.fail("string longer than the record")
		return ""
	}
	at := len(d.s) - len(d.b)
	d.b = d.b[n:]
	return d.s[at : at+int(n)]
}

func (d *decoder) bool() bool {
	if d.err != nil {
		return false
	}
	if len(d.b) == 0 || d.b[0] > 1 {
		d.fail("bad flag")
		return false
	}
	v := d.b[0] == 1
	d.b = d.b[1:]
	return v
}

func (d *decoder) date() reconcile.Date {
	switch d.uint() {
	case 0:
		return reconcile.Date{}
	case 1:
	default:
		d.fail("bad date")
		return reconcile.Date{}
	}
	y, m, day := d.int(), d.uint(), d.uint()
	if d.err != nil {
		return reconcile.Date{}
	}
	if y < math.MinInt32 || y > math.MaxInt32 || m < 1 || m > 12 || day < 1 || day > 31 {
		d.fail("bad date")
		return reconcile.Date{}
	}
	date := reconcile.NewDate(int(y), timeMonth(m), int(day))
	if !date.Valid() {
		d.fail("bad date")
	}
	return date
}

func (d *decoder) strs() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	for range n {
		out = append(out, d.str())
	}
	return out
}

// start checks the format byte.
func (d *decoder) start() {
	if len(d.b) == 0 || d.b[0] != recordFormat {
		d.fail("unknown record format")
		return
	}
	d.b = d.b[1:]
}

// end checks that the whole record was read.
func (d *decoder) end() error {
	if d.err == nil && len(d.b) != 0 {
		d.fail("trailing bytes")
	}
	return d.err
}

func newEncoder() *encoder { return &encoder{b: []byte{recordFormat}} }

func (r *orgRec) encode() []byte {
	e := newEncoder()
	for _, s := range []string{r.ID, r.Name, r.Type, r.Parent, r.SchoolUnitCode, r.OrgCode, r.MunicipalityCode} {
		e.str(s)
	}
	e.strs(r.SchoolTypes)
	e.date(r.Start)
	e.date(r.End)
	return e.b
}

func (r *orgRec) decode(b []byte) error {
	d := newDecoder(b)
	d.start()
	for _, s := range []*string{&r.ID, &r.Name, &r.Type, &r.Parent, &r.SchoolUnitCode, &r.OrgCode, &r.MunicipalityCode} {
		*s = d.str()
	}
	r.SchoolTypes = d.strs()
	r.Start, r.End = d.date(), d.date()
	return d.end()
}

func (r *personRec) encode() []byte {
	e := newEncoder()
	for _, s := range []string{r.ID, r.Given, r.Middle, r.Family, r.CivicNo} {
		e.str(s)
	}
	e.date(r.Birth)
	e.bool(r.Protected)
	e.uint(uint64(len(r.Emails)))
	for _, m := range r.Emails {
		e.str(m.Type)
		e.str(m.Value)
	}
	e.strs(r.EPPNs)
	e.uint(uint64(len(r.Enrolments)))
	for _, x := range r.Enrolments {
		e.str(x.Unit)
		e.str(x.SchoolType)
		e.int(int64(x.Year))
		e.bool(x.Cancelled)
		e.date(x.Start)
		e.date(x.End)
	}
	e.uint(uint64(len(r.Responsibles)))
	for _, x := range r.Responsibles {
		e.str(x.Person)
		e.str(x.Relation)
	}
	return e.b
}

func (r *personRec) decode(b []byte) error {
	d := newDecoder(b)
	d.start()
	for _, s := range []*string{&r.ID, &r.Given, &r.Middle, &r.Family, &r.CivicNo} {
		*s = d.str()
	}
	r.Birth = d.date()
	r.Protected = d.bool()
	if n := d.count(); n > 0 {
		r.Emails = make([]emailRec, n)
		for i := range r.Emails {
			r.Emails[i] = emailRec{Type: d.str(), Value: d.str()}
		}
	}
	r.EPPNs = d.strs()
	if n := d.count(); n > 0 {
		r.Enrolments = make([]enrolRec, n)
		for i := range r.Enrolments {
			x := &r.Enrolments[i]
			x.Unit, x.SchoolType = d.str(), d.str()
			year := d.int()
			if year < math.MinInt32 || year > math.MaxInt32 {
				d.fail("bad school year")
			}
			x.Year = int(year)
			x.Cancelled = d.bool()
			x.Start, x.End = d.date(), d.date()
		}
	}
	if n := d.count(); n > 0 {
		r.Responsibles = make([]respRec, n)
		for i := range r.Responsibles {
			r.Responsibles[i] = respRec{Person: d.str(), Relation: d.str()}
		}
	}
	return d.end()
}

func (r *groupRec) encode() []byte {
	e := newEncoder()
	for _, s := range []string{r.ID, r.Name, r.Type, r.Org, r.SchoolType} {
		e.str(s)
	}
	e.date(r.Start)
	e.date(r.End)
	e.uint(uint64(len(r.Members)))
	for _, m := range r.Members {
		e.str(m.Person)
		e.date(m.Start)
		e.date(m.End)
	}
	return e.b
}

func (r *groupRec) decode(b []byte) error {
	d := newDecoder(b)
	d.start()
	for _, s := range []*string{&r.ID, &r.Name, &r.Type, &r.Org, &r.SchoolType} {
		*s = d.str()
	}
	r.Start, r.End = d.date(), d.date()
	if n := d.count(); n > 0 {
		r.Members = make([]memberRec, n)
		for i := range r.Members {
			r.Members[i] = memberRec{Person: d.str(), Start: d.date(), End: d.date()}
		}
	}
	return d.end()
}

func (r *dutyRec) encode() []byte {
	e := newEncoder()
	for _, s := range []string{r.ID, r.Person, r.Unit, r.Role} {
		e.str(s)
	}
	e.date(r.Start)
	e.date(r.End)
	e.uint(uint64(len(r.Assignments)))
	for _, a := range r.Assignments {
		e.str(a.Group)
		e.str(a.Role)
		e.date(a.Start)
		e.date(a.End)
	}
	return e.b
}

func (r *dutyRec) decode(b []byte) error {
	d := newDecoder(b)
	d.start()
	for _, s := range []*string{&r.ID, &r.Person, &r.Unit, &r.Role} {
		*s = d.str()
	}
	r.Start, r.End = d.date(), d.date()
	if n := d.count(); n > 0 {
		r.Assignments = make([]assignRec, n)
		for i := range r.Assignments {
			r.Assignments[i] = assignRec{Group: d.str(), Role: d.str(), Start: d.date(), End: d.date()}
		}
	}
	return d.end()
}

func (r *activityRec) encode() []byte {
	e := newEncoder()
	e.str(r.ID)
	e.strs(r.Groups)
	e.uint(uint64(len(r.Teachers)))
	for _, t := range r.Teachers {
		e.str(t.Duty)
		e.date(t.Start)
		e.date(t.End)
	}
	e.date(r.Start)
	e.date(r.End)
	return e.b
}

func (r *activityRec) decode(b []byte) error {
	d := newDecoder(b)
	d.start()
	r.ID = d.str()
	r.Groups = d.strs()
	if n := d.count(); n > 0 {
		r.Teachers = make([]teacherRec, n)
		for i := range r.Teachers {
			r.Teachers[i] = teacherRec{Duty: d.str(), Start: d.date(), End: d.date()}
		}
	}
	r.Start, r.End = d.date(), d.date()
	return d.end()
}

func timeMonth(m uint64) time.Month { return time.Month(m) }
