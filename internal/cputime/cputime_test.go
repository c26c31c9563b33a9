package cputime_test

import (
	"fmt"
	"testing"

	"github.com/edusync/edusync/internal/cputime"
)

func TestSecondsGrowWithWork(t *testing.T) {
	before := cputime.Seconds()
	x := 0
	for i := range 200_000_000 {
		x ^= i * i
	}
	if after := cputime.Seconds(); after <= before {
		t.Errorf("CPU time went from %v to %v s over a busy loop (%d)", before, after, x)
	}
}

func Example() {
	start := cputime.Seconds()
	// ... the work measured ...
	fmt.Println(cputime.Seconds() >= start)
	// Output: true
}
