package postgres

import (
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/internal/kit"
)

// Apply makes b's writes in at most four statements, whatever their number: the keys and
// values go to the server as arrays (unnest), so a feed page of a hundred entries costs what
// one entry does.
func (t *pgTx) Apply(bt store.Batch) error {
	if err := t.start("apply", true); err != nil {
		return err
	}
	if err := bt.Validate(); err != nil {
		return t.Invalid("apply", err)
	}
	if len(bt.Deletes) > 0 {
		if _, err := t.exec("apply", `DELETE FROM {s}.kv WHERE flow = $1 AND tenant = $2 AND k_ix IN (SELECT {s}.ik(x) FROM unnest($3::bytea[]) AS x)`, keyArray(bt.Deletes)); err != nil {
			return err
		}
	}
	if len(bt.Values) > 0 {
		// One row per key, the last value given winning: an upsert may touch a row only once.
		last := make(map[string]int, len(bt.Values))
		for i, e := range bt.Values {
			last[e.Key] = i
		}
		keys := make([][]byte, 0, len(last))
		values := make([][]byte, 0, len(last))
		for i, e := range bt.Values {
			if last[e.Key] != i {
				continue
			}
			v := e.Value
			if v == nil {
				v = []byte{}
			}
			keys, values = append(keys, b(e.Key)), append(values, v)
		}
		if _, err := t.exec("apply", `INSERT INTO {s}.kv (flow, tenant, k, v, updated)
			SELECT $1, $2, k, v, $3 FROM unnest($4::bytea[], $5::bytea[]) AS u (k, v)
			ON CONFLICT (flow, tenant, k_ix) DO UPDATE SET v = excluded.v, updated = excluded.updated`,
			kit.Micros(t.now()), keys, values); err != nil {
			return err
		}
	}
	if err := t.markProcessed("apply", bt.Processed, bt.Expires); err != nil {
		return err
	}
	if bt.Position != nil {
		return t.setPosition("apply", *bt.Position)
	}
	return nil
}
