package ss12000server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/edusync/edusync/internal/apiquery"
	"github.com/edusync/edusync/internal/ss12000serve"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/store"
)

// listDeletedEntities answers GET /deletedEntities: the ids of the records removed after
// `after` (exclusive; removals are kept for Options.Retention) of the types in `entities`
// (all when absent), oldest removal first, paged like the lists (limit counts ids). A removal
// of a record the receiver could not have seen is not listed.
func (p *Provider) listDeletedEntities(w http.ResponseWriter, r *http.Request, q *request) {
	c, limit, first, ok := p.paging(w, r, q, "deletedEntities")
	if !ok {
		return
	}
	filters, _ := url.ParseQuery(c.Query)
	var params ss12000.ListDeletedEntitiesParams
	if err := apiquery.Decode(filters, &params, true); err != nil {
		badParam(w, ss12000serve.Trim(err.Error()))
		return
	}
	want := map[ss12000.EndPointsEnum]bool{}
	for _, e := range params.Entities {
		if !e.Valid() {
			badParam(w, "entities has a value outside the code list")
			return
		}
		want[e] = true
	}
	start := c.After
	if first && !params.After.IsZero() {
		// Removal times have millisecond precision; "~" sorts after the sequence numbers, so
		// every removal of that millisecond is left out, as `after` is exclusive.
		start = pDeleted + timeKey(params.After.Truncate(time.Millisecond)) + "/~"
	}
	var data ss12000.DeletedEntitiesData
	var more bool
	next := *c
	err := p.viewTx(r, q, func(tx store.Tx, gen uint64) error {
		if first {
			next.Gen = gen
		}
		n := 0
		last := start
		for {
			batch, err := tx.ValuesFrom(pDeleted, last, readChunk)
			if err != nil {
				return err
			}
			for _, e := range batch {
				var d deletion
				if err := json.Unmarshal(e.Value, &d); err != nil {
					return errEnvelope
				}
				if d.Gen > next.Gen || (len(want) > 0 && !want[d.Type]) || (d.Prot && !q.recv.cfg.Protected) || !q.inScope(d.Orgs) {
					last = e.Key
					continue
				}
				if n == limit {
					more = true
					next.After = last
					return nil
				}
				if f := ss12000serve.DeletedField(&data, d.Type); f != nil {
					*f = append(*f, d.ID)
				}
				n++
				last = e.Key
			}
			if len(batch) < readChunk {
				return nil
			}
		}
	})
	if err != nil {
		p.fail(w, r, q, err)
		return
	}
	ss12000serve.SpellActivities(&data, q.recv.cfg.Spelling)
	b, err := json.Marshal(data)
	if err != nil {
		p.fail(w, r, q, err)
		return
	}
	writeListing(w, p.nextToken(&next, more), func(buf *bytes.Buffer) { buf.Write(b) })
}
