package spool

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

func TestFileCopiesAndHashes(t *testing.T) {
	dir := t.TempDir()
	tmp, n, sum, err := File(context.Background(), dir, "t-*", strings.NewReader("thesis"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tmp.Close() }()
	want := sha256.Sum256([]byte("thesis"))
	if n != 6 || string(sum) != string(want[:]) {
		t.Errorf("n=%d sum=%x, want 6 %x", n, sum, want)
	}
	b, err := os.ReadFile(tmp.Name())
	if err != nil || string(b) != "thesis" {
		t.Errorf("spooled %q, %v", b, err)
	}
}

// endless never ends; only the context stops a copy from it.
type endless struct{}

func (endless) Read(p []byte) (int, error) { return len(p), nil }

func TestFileStopsWhenTheContextEndsAndLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	r := io.MultiReader(io.LimitReader(endless{}, 1<<20), readerFunc(func([]byte) (int, error) { cancel(); return 0, nil }), endless{})
	_, _, _, err := File(ctx, dir, "t-*", r)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
