package ss12000server

import (
	"encoding/json"
	"sync"

	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/store"
)

// view is what serving needs of the committed state beyond single records: which
// organisations each receiver limited to some may see (those it names and those below them).
// It is built once per committed generation.
type view struct {
	gen     uint64
	allowed map[string]map[string]bool // by receiver name; absent: no limit
}

type viewCache struct {
	mu sync.Mutex
	v  *view
}

func (c *viewCache) reset() {
	c.mu.Lock()
	c.v = nil
	c.mu.Unlock()
}

// viewOf returns the view of generation gen, building it in tx when needed.
func (p *Provider) viewOf(tx store.Tx, gen uint64) (*view, error) {
	p.views.mu.Lock()
	defer p.views.mu.Unlock()
	if v := p.views.v; v != nil && v.gen == gen {
		return v, nil
	}
	v := &view{gen: gen, allowed: map[string]map[string]bool{}}
	limited := false
	for _, r := range p.recvs {
		limited = limited || len(r.cfg.Organisations) > 0
	}
	if limited {
		children := map[string][]string{}
		byName := map[string]string{}
		if err := each(tx, docPrefix(resOrganisations), func(key string, value []byte) error {
			env, err := decodeEnvelope(value)
			if err != nil {
				return err
			}
			var o ss12000.Organisation
			if err := json.Unmarshal(env.doc, &o); err != nil {
				return errEnvelope
			}
			byName[o.ID] = o.ID
			if o.SchoolUnitCode != "" {
				byName[o.SchoolUnitCode] = o.ID
			}
			if o.ParentOrganisation.ID != "" {
				children[o.ParentOrganisation.ID] = append(children[o.ParentOrganisation.ID], o.ID)
			}
			return nil
		}); err != nil {
			return nil, err
		}
		if err := each(tx, pReferrer, func(key string, value []byte) error {
			if _, ok := byName[string(value)]; ok {
				byName[key[len(pReferrer):]] = string(value)
			}
			return nil
		}); err != nil {
			return nil, err
		}
		for _, r := range p.recvs {
			if len(r.cfg.Organisations) == 0 {
				continue
			}
			set := map[string]bool{}
			var walk func(id string)
			walk = func(id string) {
				if set[id] {
					return
				}
				set[id] = true
				for _, c := range children[id] {
					walk(c)
				}
			}
			for _, name := range r.cfg.Organisations {
				if id, ok := byName[name]; ok {
					walk(id)
				}
			}
			v.allowed[r.cfg.Name] = set
		}
	}
	p.views.v = v
	return v, nil
}

// sees reports whether the receiver may see a served record.
func (q *request) sees(env *envelope) bool {
	if env.prot && !q.recv.cfg.Protected {
		return false
	}
	return q.inScope(env.orgs)
}

// inScope reports whether one of the organisations is among those the receiver may see.
func (q *request) inScope(orgs []string) bool {
	allowed, limited := q.view.allowed[q.recv.cfg.Name]
	if !limited {
		return true
	}
	for _, o := range orgs {
		if allowed[o] {
			return true
		}
	}
	return false
}
