package reconcile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"
)

// TestSectionHash compares sectionHash, with its bucketed sort, with the plain definition: sha256
// over the name, the count and the record digests sorted with bytes.Compare. Sizes cover the
// small path, buckets sorted by insertion and buckets with a counting pass; records repeat.
func TestSectionHash(t *testing.T) {
	for _, n := range []int{0, 1, 100, 5000, 70000} {
		ms := make([]Membership, n)
		for i := range ms {
			ms[i] = Membership{Person: fmt.Sprint(i % (n/3 + 1)), Group: "g"}
		}
		want := make([][sha256.Size]byte, n)
		for i := range ms {
			c := &canon{uuids: true}
			c.membership(&ms[i])
			want[i] = sha256.Sum256(c.buf)
		}
		slices.SortFunc(want, func(a, b [sha256.Size]byte) int { return bytes.Compare(a[:], b[:]) })
		b := binary.AppendUvarint(nil, 1)
		b = append(b, 'x')
		b = binary.BigEndian.AppendUint64(b, uint64(n))
		for _, d := range want {
			b = append(b, d[:]...)
		}
		if got := sectionHash("x", ms, (*canon).membership); got != sha256.Sum256(b) {
			t.Errorf("%d records: sectionHash differs from its definition", n)
		}
		slices.Reverse(ms)
		if got := sectionHash("x", ms, (*canon).membership); got != sha256.Sum256(b) {
			t.Errorf("%d records: sectionHash depends on record order", n)
		}
	}
}

// decodeStr reads back one string written by canon.str, to show that the encoding is injective.
func decodeStr(b []byte) (string, []byte, bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return "", nil, false
	}
	b = b[k:]
	size := int(n >> 1)
	if size > len(b) {
		return "", nil, false
	}
	if n&1 == 0 {
		return string(b[:size]), b[size:], true
	}
	if size+16 > len(b) {
		return "", nil, false
	}
	h := hex.EncodeToString(b[size : size+16])
	return string(b[:size]) + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], b[size+16:], true
}

// FuzzCanonStr checks that any two strings written one after the other read back as the same
// two strings, UUID-suffixed or not: different values never share a canonical form.
func FuzzCanonStr(f *testing.F) {
	f.Add("T-0d7c4bde-1f0b-4f6e-9d35-3a1b2c3d4e5f", "")
	f.Add("0d7c4bde-1f0b-4f6e-9d35-3a1b2c3d4e5f", "x")
	f.Add("0D7C4BDE-1F0B-4F6E-9D35-3A1B2C3D4E5F", "0d7c4bde-1f0b-4f6e-9d35-3a1b2c3d4e5")
	f.Add("0d7c4bde-1f0b-4f6e-9d35-3a1b2c3d4e5g", "\x01")
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, uuids := range []bool{false, true} {
			c := canon{uuids: uuids}
			c.str(a)
			c.str(b)
			gotA, rest, ok := decodeStr(c.buf)
			if !ok {
				t.Fatalf("cannot read back %q", a)
			}
			gotB, rest, ok := decodeStr(rest)
			if !ok || gotA != a || gotB != b || len(rest) != 0 {
				t.Fatalf("uuids %v: wrote %q, %q; read %q, %q (rest %d bytes)", uuids, a, b, gotA, gotB, len(rest))
			}
		}
	})
}

func TestCanonDate(t *testing.T) {
	seen := map[string]Date{}
	for _, d := range []Date{{}, NewDate(2010, 5, 1), NewDate(2010, 1, 5), NewDate(-1, 1, 1), NewDate(1, 255, 255), {year: 0, month: 255, day: 255}, NewDate(2010, 5, 2)} {
		var c canon
		c.date(d)
		if prev, dup := seen[string(c.buf)]; dup && prev != d {
			t.Errorf("%v and %v share the canonical form %x", prev, d, c.buf)
		}
		seen[string(c.buf)] = d
	}
}
