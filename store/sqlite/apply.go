package sqlite

import (
	"strings"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/internal/kit"
)

// maxRun is the most rows one multi-row statement carries. Runs are powers of two, so that a
// handful of statement sizes, each prepared once, serve any number of rows.
const maxRun = 64

// runs calls fn for consecutive runs of n rows: start and length.
func runs(n int, fn func(start, size int) error) error {
	for start := 0; start < n; {
		size := maxRun
		for size > n-start {
			size /= 2
		}
		if err := fn(start, size); err != nil {
			return err
		}
		start += size
	}
	return nil
}

// repeat is size copies of tuple joined by sep.
func repeat(tuple, sep string, size int) string {
	return strings.TrimSuffix(strings.Repeat(tuple+sep, size), sep)
}

func (t *sqlTx) Apply(b store.Batch) error {
	if err := t.Check("apply", true); err != nil {
		return err
	}
	if err := b.Validate(); err != nil {
		return t.Invalid("apply", err)
	}
	err := runs(len(b.Deletes), func(start, size int) error {
		args := make([]any, size)
		for i, k := range b.Deletes[start : start+size] {
			args[i] = k
		}
		_, err := t.exec("apply", `DELETE FROM kv WHERE flow = ?1 AND tenant = ?2 AND k IN (`+repeat("?", ", ", size)+`)`, args...)
		return err
	})
	if err != nil {
		return err
	}
	now := kit.Micros(t.now())
	err = runs(len(b.Values), func(start, size int) error {
		args := make([]any, 0, 1+2*size)
		args = append(args, now)
		for _, e := range b.Values[start : start+size] {
			v := e.Value
			if v == nil {
				v = []byte{}
			}
			args = append(args, e.Key, v)
		}
		_, err := t.exec("apply", `INSERT INTO kv (flow, tenant, updated, k, v) VALUES `+repeat("(?1, ?2, ?3, ?, ?)", ", ", size)+`
			ON CONFLICT (flow, tenant, k) DO UPDATE SET v = excluded.v, updated = excluded.updated`, args...)
		return err
	})
	if err != nil {
		return err
	}
	if err := t.markProcessed("apply", b.Processed, b.Expires); err != nil {
		return err
	}
	if b.Position != nil {
		return t.setPosition("apply", *b.Position)
	}
	return nil
}
