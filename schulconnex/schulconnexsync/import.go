package schulconnexsync

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/edusync/edusync/reconcile"
)

// Importer carries out the imports a person approved (Schulconnex steps 6 and 10: persons of
// cases 4 and 5, groups of cases 2 and 3, records the service holds that the source does not)
// into a CSV source: it appends the record, and its memberships in groups (or of persons) the
// source knows, to the CSV files. The new source key is the record's referrer where it carries
// this pipeline's (case 4 and 2: the source lost it, for example by restoring a backup), and
// NewKey otherwise. A record without any referrer then gets the new key written as its referrer,
// so the next synchronisation finds it by key and writes nothing. Records carrying another
// system's referrer are imported but never written.
type Importer struct {
	// Source is the export the imports are appended to.
	Source *CSVSource
	// Target is the Schulconnex side the imported records come from.
	Target *Target
	// ReferrerPrefix is the pipeline's (reconcile.Options.ReferrerPrefix).
	ReferrerPrefix string
	// NewKey returns the source key for an imported record without a referrer; nil uses
	// "sc-" and the record's Schulconnex id.
	NewKey func(kind reconcile.Kind, targetID string) string
}

func (im *Importer) key(kind reconcile.Kind, k reconcile.Keys) (key string, link bool) {
	if k.Referrer != "" {
		if strings.HasPrefix(k.Referrer, im.ReferrerPrefix) {
			return strings.TrimPrefix(k.Referrer, im.ReferrerPrefix), false
		}
	}
	if im.NewKey != nil {
		key = im.NewKey(kind, k.TargetID)
	} else {
		key = "sc-" + k.TargetID
	}
	return key, k.Referrer == ""
}

// Import implements reconcile.Importer.
func (im *Importer) Import(ctx context.Context, a reconcile.Action) (string, error) {
	if im.Source == nil || im.Target == nil {
		return "", errors.New("schulconnex: Importer needs a Source and a Target")
	}
	snap, err := im.Source.Snapshot(ctx)
	if err != nil {
		return "", err
	}
	switch a.Kind {
	case reconcile.KindPerson:
		if a.Person == nil || a.Person.Before == nil {
			return "", errors.New("schulconnex: import action without the person")
		}
		p := *a.Person.Before
		key, link := im.key(reconcile.KindPerson, p.Keys)
		p.Keys, p.Revision = reconcile.Keys{SourceKey: key, TargetID: p.Keys.TargetID}, ""
		if err := im.Source.AppendPerson(p); err != nil {
			return "", err
		}
		groups := im.sourceKeys(reconcile.KindGroup, snap)
		for _, m := range im.Target.MembershipsOf(a.TargetID) {
			if g, ok := groups[m.Group]; ok {
				if err := im.Source.AppendMembership(reconcile.Membership{Person: key, Group: g, Role: m.Role, Period: m.Period}); err != nil {
					return key, err
				}
			}
		}
		if link {
			if err := im.Target.SetReferrer(ctx, reconcile.KindPerson, a.TargetID, im.ReferrerPrefix+key); err != nil {
				return key, fmt.Errorf("schulconnex: imported, but writing the referrer failed: %w", err)
			}
		}
		return key, nil
	case reconcile.KindGroup:
		if a.Group == nil || a.Group.Before == nil {
			return "", errors.New("schulconnex: import action without the group")
		}
		g := *a.Group.Before
		key, link := im.key(reconcile.KindGroup, g.Keys)
		g.Keys, g.Revision = reconcile.Keys{SourceKey: key, TargetID: g.Keys.TargetID}, ""
		if err := im.Source.AppendGroup(g); err != nil {
			return "", err
		}
		persons := im.sourceKeys(reconcile.KindPerson, snap)
		for _, m := range im.Target.MembersOf(a.TargetID) {
			if p, ok := persons[m.Person]; ok {
				if err := im.Source.AppendMembership(reconcile.Membership{Person: p, Group: key, Role: m.Role, Period: m.Period}); err != nil {
					return key, err
				}
			}
		}
		if link {
			if err := im.Target.SetReferrer(ctx, reconcile.KindGroup, a.TargetID, im.ReferrerPrefix+key); err != nil {
				return key, fmt.Errorf("schulconnex: imported, but writing the referrer failed: %w", err)
			}
		}
		return key, nil
	}
	return "", fmt.Errorf("schulconnex: %ss are not imported", a.Kind)
}

// sourceKeys maps target ids to the source keys of the source's records of a kind: through the
// Schulconnex id the source stores, or through the target record's referrer.
func (im *Importer) sourceKeys(kind reconcile.Kind, snap *reconcile.Snapshot) map[string]string {
	known := map[string]bool{}
	out := map[string]string{}
	add := func(k reconcile.Keys) {
		known[k.SourceKey] = true
		if k.TargetID != "" {
			out[k.TargetID] = k.SourceKey
		}
	}
	if kind == reconcile.KindPerson {
		for _, p := range snap.Persons {
			add(p.Keys)
		}
	} else {
		for _, g := range snap.Groups {
			add(g.Keys)
		}
	}
	for id, ref := range im.Target.referrers(kind) {
		if _, ok := out[id]; ok || !strings.HasPrefix(ref, im.ReferrerPrefix) {
			continue
		}
		if key := strings.TrimPrefix(ref, im.ReferrerPrefix); known[key] {
			out[id] = key
		}
	}
	return out
}
