package ss12000test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"

	"github.com/edusync/edusync/internal/apiquery"
	"github.com/edusync/edusync/internal/ss12000serve"
	"github.com/edusync/edusync/ss12000"
)

// listDeletedEntities answers GET /deletedEntities: the ids of removed records per type,
// removed after `after` (exclusive) and of the types in `entities` (all when absent), oldest
// removal first, paged like every list (limit counts ids).
func (s *Server) listDeletedEntities(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if _, ok := q["pageToken"]; ok {
		s.continuePage(w, r)
		return
	}
	var p ss12000.ListDeletedEntitiesParams
	if err := apiquery.Decode(q, &p, true); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_parameter", trimMsg(err.Error()))
		return
	}
	limit, ok := s.pageLimit(q["limit"], s.opts.defaultLimit)
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid_parameter", ss12000serve.MsgLimit)
		return
	}
	want := map[*kind]bool{}
	for _, e := range p.Entities {
		k := kindByEndpoint(e)
		if !e.Valid() || k == nil {
			writeError(w, http.StatusBadRequest, "invalid_parameter", "entities has a value outside the code list")
			return
		}
		want[k] = true
	}
	s.mu.RLock()
	var sel []deletion
	for _, d := range s.st.deleted {
		if (p.After.IsZero() || d.at.After(p.After)) && (len(want) == 0 || want[d.kind]) {
			sel = append(sel, d)
		}
	}
	s.mu.RUnlock()
	slices.SortStableFunc(sel, func(a, b deletion) int { return a.at.Compare(b.at) })
	spelling := s.opts.deletedSpelling
	snap := &snapshot{n: len(sel), limit: limit, write: func(buf *bytes.Buffer, lo, hi int) {
		var data ss12000.DeletedEntitiesData
		for _, d := range sel[lo:hi] {
			f := d.kind.deleted(&data)
			*f = append(*f, d.id)
		}
		ss12000serve.SpellActivities(&data, spelling)
		b, _ := json.Marshal(data)
		buf.Write(b)
	}}
	s.startListing(w, r, snap)
}
