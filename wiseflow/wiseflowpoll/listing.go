package wiseflowpoll

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/edusync/edusync/wiseflow"
)

// ErrNoConvergence is matched by the error of a round whose flow search never settles (its
// pages keep shifting, or it points on without end), or whose listing of a thesis flow's
// submissions points on past wiseflow.MaxListRecords.
var ErrNoConvergence = errors.New("wiseflowpoll: the flow search does not settle")

// window is the flows of the poller's query as one round read them.
type window struct {
	flows []wiseflow.FlowSummary // in the search's order, each once
	// unknown are flows whose record could not be read this round: neither changed nor gone.
	unknown map[int64]bool
	pages   int
}

// listWindow reads every flow of q page by page so that flows entering or leaving the search
// while it runs make it neither skip nor repeat a flow. WISEflow pages by offset: a flow that
// leaves the result before the current offset shifts the rest left (the next page would begin
// one flow late), and one that enters shifts them right (the next page would begin with a flow
// read already). So each page after the first starts one flow early, at the previous page's
// last flow, the anchor: found at its place, the page goes on from it; found further on, the
// flows before it were read already; not found, flows before it left, and the reading steps
// back a page and looks again (from the first page, it reads on without an anchor, and the
// flows seen already are dropped). How far it steps back follows the fall of the search's
// total, doubling while the anchor is not found. maxPages bounds the work of a search that
// never settles.
func listWindow(ctx context.Context, c *wiseflow.Client, q wiseflow.FlowQuery, limit, maxPages int) (*window, error) {
	w := &window{unknown: map[int64]bool{}}
	seen := map[int64]bool{}
	var offset int64
	var anchor int64 // the previous page's last flow; 0 before the first page
	var stepBack int64
	prevTotal := int64(-1)
	for {
		if w.pages >= maxPages {
			return nil, fmt.Errorf("%w: %d pages read", ErrNoConvergence, w.pages)
		}
		page, err := c.SearchFlowsPage(ctx, q, offset, limit)
		if err != nil {
			return nil, err
		}
		w.pages++
		ids := pageIDs(page)
		start := 0
		if anchor != 0 {
			j := indexOf(ids, anchor)
			switch {
			case j >= 0:
				start, stepBack = j+1, 0
			case offset > 0:
				// Flows before the anchor left: as many as the total fell, if the total says,
				// else one; look that far back, then twice as far each time.
				if stepBack == 0 {
					stepBack = 1
					if prevTotal >= 0 && page.Total >= 0 && prevTotal > page.Total {
						stepBack = prevTotal - page.Total
					}
					stepBack++
				} else {
					stepBack *= 2
				}
				prevTotal = page.Total
				offset = max(0, offset-stepBack)
				continue
			default:
				anchor = 0 // the anchor itself left: read on from the start, dropping what was seen
			}
		}
		for i := start; i < len(ids); i++ {
			id := ids[i]
			if id <= 0 || seen[id] {
				continue
			}
			seen[id] = true
			if f, ok := item(page, id); ok {
				w.flows = append(w.flows, f)
			} else {
				w.unknown[id] = true
			}
		}
		prevTotal = page.Total
		if !page.More() {
			return w, nil
		}
		anchor = 0
		for i := len(ids) - 1; i >= 0 && anchor == 0; i-- {
			anchor = ids[i]
		}
		next := page.NextOffset()
		if anchor != 0 {
			next-- // start one flow early, at the anchor
		}
		if next <= offset && anchor != 0 {
			next = offset + 1 // a page of one flow: move on regardless
		}
		offset = next
	}
}

// pageIDs returns the flow id at each position of a page, good records and bad ones (0 for a
// bad record whose id could not be read).
func pageIDs(p *wiseflow.Page[wiseflow.FlowSummary]) []int64 {
	ids := make([]int64, p.Records)
	bad := make(map[int]bool, len(p.RecordErrors))
	for _, re := range p.RecordErrors {
		if re.Index >= 0 && re.Index < len(ids) {
			bad[re.Index] = true
			ids[re.Index], _ = strconv.ParseInt(re.ID, 10, 64)
		}
	}
	k := 0
	for i := range ids {
		if bad[i] {
			continue
		}
		if k < len(p.Items) {
			ids[i] = p.Items[k].FlowID
			k++
		}
	}
	return ids
}

func indexOf(ids []int64, id int64) int {
	for i, x := range ids {
		if x == id {
			return i
		}
	}
	return -1
}

// item finds a page's good record of a flow.
func item(p *wiseflow.Page[wiseflow.FlowSummary], id int64) (wiseflow.FlowSummary, bool) {
	for _, f := range p.Items {
		if f.FlowID == id {
			return f, true
		}
	}
	return wiseflow.FlowSummary{}, false
}
