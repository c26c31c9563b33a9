package uuidtext

import (
	"fmt"
	"testing"
)

func TestParseTakesTheCanonicalFormOnly(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"0b6f4c55-9a8e-4d3c-9f61-2f2d0f6a1b2c", true},
		{"00000000-0000-0000-0000-000000000000", true},
		{"ffffffff-ffff-ffff-ffff-ffffffffffff", true},
		{"0B6F4C55-9A8E-4D3C-9F61-2F2D0F6A1B2C", false}, // upper case would not read back as written
		{"0b6f4c55-9a8e-4d3c-9f61-2f2d0f6a1b2", false},
		{"0b6f4c55-9a8e-4d3c-9f61-2f2d0f6a1b2cc", false},
		{"0b6f4c559a8e-4d3c-9f61-2f2d0f6a1b2c-", false},
		{"0b6f4c55-9a8e-4d3c-9f61-2f2d0f6a1b2g", false},
		{"0b6f4c55-9a8e-4d3c-9f61-2f2d0f6a1b\x00c", false},
		{"", false},
	} {
		u, ok := Parse(tc.in)
		if ok != tc.ok {
			t.Errorf("Parse(%q) ok = %v, want %v", tc.in, ok, tc.ok)
			continue
		}
		if ok {
			if got := Format(u); got != tc.in {
				t.Errorf("Parse(%q) formats back as %q", tc.in, got)
			}
			if got := string(Append([]byte("x/"), u[:])); got != "x/"+tc.in {
				t.Errorf("Append after a prefix: %q", got)
			}
		}
	}
}

func TestRandomIsAVersion4UUID(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		s := Random()
		u, ok := Parse(s)
		if !ok || u[6]>>4 != 4 || u[8]>>6 != 2 {
			t.Fatalf("%q is not a version 4 UUID of the RFC 9562 variant", s)
		}
		if seen[s] {
			t.Fatalf("%q came twice", s)
		}
		seen[s] = true
	}
}

func ExampleParse() {
	u, ok := Parse("0b6f4c55-9a8e-4d3c-9f61-2f2d0f6a1b2c")
	fmt.Println(ok, u[0], Format(u))
	_, ok = Parse("0B6F4C55-9A8E-4D3C-9F61-2F2D0F6A1B2C")
	fmt.Println(ok)
	// Output:
	// true 11 0b6f4c55-9a8e-4d3c-9f61-2f2d0f6a1b2c
	// false
}
