package schulconnexsync

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/schulconnex"
)

// The names of the attributes the reconcile adapters put in reconcile.Person.Attributes and
// reconcile.Group.Attributes for Schulconnex fields the canonical model has no field for.
const (
	// AttrGeschlecht is person.geschlecht (m, w, d, x).
	AttrGeschlecht = "geschlecht"
	// AttrJahrgangsstufe is the grade of the person's learner context ("07").
	AttrJahrgangsstufe = "jahrgangsstufe"
	// AttrJahrgangsstufen is gruppe.jahrgangsstufen, comma-separated ("07,08").
	AttrJahrgangsstufen = "jahrgangsstufen"
	// AttrFaecher is gruppe.faecher, comma-separated: codes where the group has one, names
	// otherwise ("MA,Religion").
	AttrFaecher = "faecher"
)

// ErrDeletionScheduled is returned by Target.Apply for a person deletion that had to give
// contexts a deletion time (services had used them, 400/13): the service deletes them at that
// time, and the next synchronisation after it deletes the person.
var ErrDeletionScheduled = errors.New("schulconnex: contexts got a deletion time; the person is deleted after it")

// ErrForeignOrganisation is returned by Target.Apply for a context or group at an organisation
// other than the caller's: a source system writes only its own organisation's records (the
// service takes the organisation from the access token).
var ErrForeignOrganisation = errors.New("schulconnex: a source system can only write its own organisation's contexts and groups")

// TargetOptions configure a Target.
type TargetOptions struct {
	// Grace is how long a deactivated person stays: deactivation gives its contexts the
	// deletion time now + Grace, so the service itself deletes them then and tells the services
	// that used them. Use the same period as reconcile's Removals.GraceDays. Zero means now.
	Grace time.Duration
	// Now is the clock for deletion times and group end dates (default: the client's clock).
	Now func() time.Time
	// NoContextReferrers leaves the referrer of created contexts empty; by default it is the
	// person's referrer, "/" and the role ("4711/Lern").
	NoContextReferrers bool
	// Vertrauensstufe is how well the source system verified the persons it writes, which
	// Schulconnex requires of every person. It is written on persons that have none; persons
	// that have one keep theirs. The default, Voll, fits a school administration system, which
	// records pupils and staff from official documents.
	Vertrauensstufe schulconnex.Vertrauensstufe
}

// Target is a reconcile.Target over a Schulconnex service, for a source system's organisation:
// persons with their contexts at that organisation, its groups and their memberships.
//
// The canonical records it yields: persons keyed by id and referrer, with names, birth date and
// place, the e-mail addresses of their contexts, auskunftssperre as Protected, one Context per
// context at the organisation (organisation kennung, rolle), and the attributes geschlecht and
// jahrgangsstufe; groups with bezeichnung, typ, organisation kennung, laufzeit von/bis and the
// attributes jahrgangsstufen and faecher; memberships by person and group with rollen
// (comma-separated) and von/bis.
//
// Writes follow the specification's flows and write the least they can: a new person is one
// POST for the person and one per context; a changed name one PUT of the person; a changed
// grade or e-mail address one PUT of the context; a role change a new context, then the old
// one deleted; deactivation gives the contexts a deletion time (one PUT each); restoring takes
// it away; deletion deletes the contexts (or gives them a deletion time, 400/13) and then the
// person. Groups end by laufzeit.bis on deactivation and are deleted after the grace period.
// Updates send back every property the models do not know. Revisions are checked: a record
// another writer changed is refused with reconcile.ErrStale and never overwritten.
//
// Persons and contexts another organisation released to this one (sichtfreigabe Ja) are left
// out and never written; so are contexts at other organisations.
type Target struct {
	c    *schulconnex.Client
	opts TargetOptions

	mu        sync.Mutex
	own       *schulconnex.Organisation
	ownKey    string
	persons   map[string]*schulconnex.Personendatensatz // person id -> own view (own contexts only)
	kontext   map[string]string                         // own context id -> person id
	groups    map[string]*schulconnex.Gruppendatensatz
	fresh     bool              // groups were read since Memberships last used them
	zugByID   map[string]string // membership id -> group id
	personIDs []string
	groupIDs  []string
}

// Capabilities declares what a Schulconnex service keeps for a source system: persons with
// names, birth date and place, e-mail addresses, auskunftssperre and contexts (no EPPNs, no
// relations: guardians are contexts of their own), the attributes geschlecht and jahrgangsstufe;
// groups with all their fields and the attributes jahrgangsstufen and faecher; memberships with
// roles and period; no organisations (the caller's own organisation is given). Referrers and
// revisions are kept. Codes are stored in their canonical spelling (roles, group types, sex),
// grades as two digits ("08"), subject codes in upper case.
func (t *Target) Capabilities() reconcile.Capabilities {
	return reconcile.Capabilities{
		Persons: &reconcile.Stored{Fields: []string{reconcile.FieldFamilyName, reconcile.FieldGivenNames, reconcile.FieldBirthDate,
			reconcile.FieldBirthPlace, reconcile.FieldEmails, reconcile.FieldProtected, reconcile.FieldContexts},
			Attributes: []string{AttrGeschlecht, AttrJahrgangsstufe}},
		Groups:      &reconcile.Stored{Fields: reconcile.FieldsOf(reconcile.KindGroup), Attributes: []string{AttrJahrgangsstufen, AttrFaecher}},
		Memberships: reconcile.StoresAll(reconcile.KindMembership),
		Referrers:   true,
		Revisions:   true,
		Normalise:   normalise,
		NormaliseID: "schulconnexsync/1",
	}
}

// normalise returns a value as the service stores it (see Capabilities).
func normalise(kind reconcile.Kind, field, v string) string {
	switch {
	case kind == reconcile.KindPerson && field == reconcile.FieldContexts:
		var r schulconnex.Rolle
		_ = r.UnmarshalText([]byte(v))
		return string(r)
	case kind == reconcile.KindMembership && field == reconcile.FieldRole:
		var r schulconnex.Gruppenrolle
		_ = r.UnmarshalText([]byte(v))
		return string(r)
	case kind == reconcile.KindGroup && field == reconcile.FieldType:
		var g schulconnex.Gruppentyp
		_ = g.UnmarshalText([]byte(v))
		return string(g)
	case field == reconcile.AttributePrefix+AttrGeschlecht:
		return parseGeschlecht(v)
	case field == reconcile.AttributePrefix+AttrJahrgangsstufe:
		var j schulconnex.Jahrgangsstufe
		_ = j.UnmarshalText([]byte(v))
		return string(j)
	case field == reconcile.AttributePrefix+AttrJahrgangsstufen:
		return grades(v)
	case field == reconcile.AttributePrefix+AttrFaecher:
		return faecher(v)
	}
	return v
}

// NewTarget returns a Target over c. It reads the caller's organisation lazily.
func NewTarget(c *schulconnex.Client, opts TargetOptions) *Target {
	if opts.Now == nil {
		opts.Now = c.Now
	}
	if opts.Vertrauensstufe == "" {
		opts.Vertrauensstufe = schulconnex.VertrauensstufeVoll
	}
	return &Target{c: c, opts: opts}
}

// Organisation returns the source system's own organisation (the one its token stands for).
func (t *Target) Organisation(ctx context.Context) (*schulconnex.Organisation, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.loadOwn(ctx); err != nil {
		return nil, err
	}
	o := *t.own
	return &o, nil
}

func (t *Target) loadOwn(ctx context.Context) error {
	if t.own != nil {
		return nil
	}
	o, err := t.c.GetOrganisationInfo(ctx)
	if err != nil {
		return fmt.Errorf("schulconnex: reading the own organisation: %w", err)
	}
	t.own = o
	t.ownKey = OrganisationKey(o)
	return nil
}

// OrganisationKey is the key the adapters use for an organisation in canonical records: its
// kennung (the school number), or its id when it has none.
func OrganisationKey(o *schulconnex.Organisation) string {
	if o.Kennung != "" {
		return o.Kennung
	}
	return o.ID
}

// isOwn reports whether a context belongs to the caller's organisation and is not merely
// released to it.
func (t *Target) isOwn(k *schulconnex.Personenkontext) bool {
	return !k.Sichtfreigabe.Bool() && (k.Organisation.ID == "" || k.Organisation.ID == t.own.ID)
}

// loadPersons reads every person and keeps the own view of each.
func (t *Target) loadPersons(ctx context.Context) error {
	if err := t.loadOwn(ctx); err != nil {
		return err
	}
	page, err := t.c.ListPersonenPage(ctx, nil)
	if err != nil {
		return err
	}
	if len(page.RecordErrors) > 0 {
		// A record the plan cannot see could be duplicated by it: fail closed.
		return fmt.Errorf("schulconnex: %d person records could not be read (the first: %w)", len(page.RecordErrors), page.RecordErrors[0])
	}
	t.persons = make(map[string]*schulconnex.Personendatensatz, len(page.Items))
	t.kontext = make(map[string]string, len(page.Items))
	t.personIDs = t.personIDs[:0]
	for i := range page.Items {
		d := &page.Items[i]
		if schulconnex.IsShared(d) {
			continue
		}
		t.setPerson(d)
		t.personIDs = append(t.personIDs, d.Person.ID)
	}
	return nil
}

// setPerson caches a person with only its own contexts.
func (t *Target) setPerson(d *schulconnex.Personendatensatz) {
	own := d.Personenkontexte[:0:0]
	for _, k := range d.Personenkontexte {
		if t.isOwn(&k) {
			own = append(own, k)
			t.kontext[k.ID] = d.Person.ID
		}
	}
	t.persons[d.Person.ID] = &schulconnex.Personendatensatz{Person: d.Person, Personenkontexte: own}
}

// Persons yields the organisation's persons (reading them afresh).
func (t *Target) Persons(ctx context.Context) iter.Seq2[reconcile.Person, error] {
	return func(yield func(reconcile.Person, error) bool) {
		t.mu.Lock()
		err := t.loadPersons(ctx)
		var out []reconcile.Person
		if err == nil {
			out = make([]reconcile.Person, 0, len(t.personIDs))
			for _, id := range t.personIDs {
				out = append(out, t.canonicalPerson(t.persons[id]))
			}
		}
		t.mu.Unlock()
		if err != nil {
			yield(reconcile.Person{}, err)
			return
		}
		for _, p := range out {
			if !yield(p, nil) {
				return
			}
		}
	}
}

// personRevision combines the revisions of a person and its own contexts, so that a change to
// any of them makes a planned action stale.
func personRevision(d *schulconnex.Personendatensatz) string {
	parts := []string{d.Person.Revision}
	ks := slices.Clone(d.Personenkontexte)
	slices.SortFunc(ks, func(a, b schulconnex.Personenkontext) int { return strings.Compare(a.ID, b.ID) })
	for _, k := range ks {
		parts = append(parts, k.Revision)
	}
	return strings.Join(parts, ":")
}

func civilDate(d openapi_types.Date) reconcile.Date {
	if d.IsZero() {
		return reconcile.Date{}
	}
	return reconcile.DateOf(d.Time)
}

func apiDate(d reconcile.Date) openapi_types.Date {
	if d.IsZero() {
		return openapi_types.Date{}
	}
	return openapi_types.Date{Time: d.Time()}
}

// canonicalPerson converts a person (own contexts only) to the canonical model.
func (t *Target) canonicalPerson(d *schulconnex.Personendatensatz) reconcile.Person {
	p := &d.Person
	x := reconcile.Person{
		Keys:       reconcile.Keys{TargetID: p.ID, Referrer: p.Referrer},
		Revision:   personRevision(d),
		FamilyName: p.Name.Familienname,
		GivenNames: p.Name.Vorname,
		BirthDate:  civilDate(p.Geburt.Datum),
		BirthPlace: p.Geburt.Geburtsort,
		Protected:  p.Auskunftssperre.Bool(),
	}
	attrs := map[string]string{}
	if p.Geschlecht != "" {
		attrs[AttrGeschlecht] = string(p.Geschlecht)
	}
	for _, k := range d.Personenkontexte {
		x.Contexts = append(x.Contexts, reconcile.Context{Organisation: t.ownKey, Role: string(k.Rolle)})
		for _, e := range k.Erreichbarkeiten {
			if schulconnex.Same(e.Typ, schulconnex.ErreichbarkeitstypEMail) && !slices.Contains(x.Emails, e.Kennung) {
				x.Emails = append(x.Emails, e.Kennung)
			}
		}
		if schulconnex.Same(k.Rolle, schulconnex.RolleLern) && k.Jahrgangsstufe != "" && attrs[AttrJahrgangsstufe] == "" {
			attrs[AttrJahrgangsstufe] = string(k.Jahrgangsstufe)
		}
	}
	if len(attrs) > 0 {
		x.Attributes = attrs
	}
	return x
}

// GruppeAttributes returns the attributes the adapters give a group: jahrgangsstufen and faecher
// (comma-separated), when the group has them.
func GruppeAttributes(g *schulconnex.Gruppe) map[string]string {
	var attrs map[string]string
	set := func(k, v string) {
		if v == "" {
			return
		}
		if attrs == nil {
			attrs = map[string]string{}
		}
		attrs[k] = v
	}
	js := make([]string, len(g.Jahrgangsstufen))
	for i, j := range g.Jahrgangsstufen {
		js[i] = string(j)
	}
	set(AttrJahrgangsstufen, strings.Join(js, ","))
	fs := make([]string, 0, len(g.Faecher))
	for _, f := range g.Faecher {
		if f.Kennung != "" {
			fs = append(fs, string(f.Kennung))
		} else if f.Bezeichnung != "" {
			fs = append(fs, f.Bezeichnung)
		}
	}
	set(AttrFaecher, strings.Join(fs, ","))
	return attrs
}

// applyGruppeAttributes writes the attributes back into a group's fields.
func applyGruppeAttributes(g *schulconnex.Gruppe, attrs map[string]string) {
	if v, ok := attrs[AttrJahrgangsstufen]; ok {
		g.Jahrgangsstufen = nil
		for _, j := range splitList(v) {
			g.Jahrgangsstufen = append(g.Jahrgangsstufen, schulconnex.Jahrgangsstufe(j))
		}
	}
	if v, ok := attrs[AttrFaecher]; ok {
		g.Faecher = nil
		for _, f := range splitSubjects(v) {
			if k := schulconnex.Fachkennung(strings.ToUpper(f)); k.Valid() {
				g.Faecher = append(g.Faecher, schulconnex.Fach{Kennung: k})
			} else {
				g.Faecher = append(g.Faecher, schulconnex.Fach{Bezeichnung: f})
			}
		}
	}
}

// splitSubjects splits a subject list at commas only: subject names have spaces
// ("Darstellendes Spiel").
func splitSubjects(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// splitList splits a list of codes at commas, spaces and bars.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '|' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// loadGroups reads every group of the organisation with its memberships.
func (t *Target) loadGroups(ctx context.Context) error {
	if err := t.loadOwn(ctx); err != nil {
		return err
	}
	page, err := t.c.ListGruppenPage(ctx, nil)
	if err != nil {
		return err
	}
	if len(page.RecordErrors) > 0 {
		return fmt.Errorf("schulconnex: %d group records could not be read (the first: %w)", len(page.RecordErrors), page.RecordErrors[0])
	}
	t.groups = make(map[string]*schulconnex.Gruppendatensatz, len(page.Items))
	t.zugByID = map[string]string{}
	t.groupIDs = t.groupIDs[:0]
	for i := range page.Items {
		g := &page.Items[i]
		if g.Gruppe.Orgid != "" && g.Gruppe.Orgid != t.own.ID {
			continue
		}
		t.groups[g.Gruppe.ID] = g
		t.groupIDs = append(t.groupIDs, g.Gruppe.ID)
		for _, m := range g.Gruppenzugehoerigkeiten {
			t.zugByID[m.ID] = g.Gruppe.ID
		}
	}
	t.fresh = true
	return nil
}

func (t *Target) canonicalGroup(g *schulconnex.Gruppe) reconcile.Group {
	return reconcile.Group{
		Keys:         reconcile.Keys{TargetID: g.ID, Referrer: g.Referrer},
		Revision:     g.Revision,
		Name:         g.Bezeichnung,
		Type:         string(g.Typ),
		Organisation: t.ownKey,
		Valid:        reconcile.Period{From: civilDate(g.Laufzeit.Von), To: civilDate(g.Laufzeit.Bis)},
		Attributes:   GruppeAttributes(g),
	}
}

// Groups yields the organisation's groups (reading them, with their memberships, afresh).
func (t *Target) Groups(ctx context.Context) iter.Seq2[reconcile.Group, error] {
	return func(yield func(reconcile.Group, error) bool) {
		t.mu.Lock()
		err := t.loadGroups(ctx)
		var out []reconcile.Group
		if err == nil {
			out = make([]reconcile.Group, 0, len(t.groupIDs))
			for _, id := range t.groupIDs {
				out = append(out, t.canonicalGroup(&t.groups[id].Gruppe))
			}
		}
		t.mu.Unlock()
		if err != nil {
			yield(reconcile.Group{}, err)
			return
		}
		for _, g := range out {
			if !yield(g, nil) {
				return
			}
		}
	}
}

// Memberships yields the memberships of the organisation's groups whose context belongs to one
// of its persons. It uses the groups Groups just read (as reconcile.Load calls them in that
// order) or reads them itself.
func (t *Target) Memberships(ctx context.Context) iter.Seq2[reconcile.Membership, error] {
	return func(yield func(reconcile.Membership, error) bool) {
		t.mu.Lock()
		var err error
		if !t.fresh {
			err = t.loadGroups(ctx)
		}
		if err == nil && t.persons == nil {
			err = t.loadPersons(ctx)
		}
		t.fresh = false
		var out []reconcile.Membership
		if err == nil {
			for _, gid := range t.groupIDs {
				for _, m := range t.groups[gid].Gruppenzugehoerigkeiten {
					pid, ok := t.kontext[m.Ktid]
					if !ok {
						continue // another organisation's or a released context: not ours to manage
					}
					out = append(out, canonicalMembership(&m, pid, gid))
				}
			}
		}
		t.mu.Unlock()
		if err != nil {
			yield(reconcile.Membership{}, err)
			return
		}
		for _, m := range out {
			if !yield(m, nil) {
				return
			}
		}
	}
}

func canonicalMembership(m *schulconnex.Gruppenzugehoerigkeit, person, group string) reconcile.Membership {
	roles := make([]string, len(m.Rollen))
	for i, r := range m.Rollen {
		roles[i] = string(r)
	}
	return reconcile.Membership{ID: m.ID, Revision: m.Revision, Person: person, Group: group,
		Role: strings.Join(roles, ","), Period: reconcile.Period{From: civilDate(m.Von), To: civilDate(m.Bis)}}
}

// stale turns a revision conflict into reconcile.ErrStale.
func stale(err error) error {
	if errors.Is(err, schulconnex.ErrRevisionConflict) {
		return fmt.Errorf("%w: %w", reconcile.ErrStale, err)
	}
	return err
}

// Apply carries out one action of a reconcile plan.
func (t *Target) Apply(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.loadOwn(ctx); err != nil {
		return reconcile.Written{}, err
	}
	switch a.Kind {
	case reconcile.KindPerson:
		return t.applyPerson(ctx, a)
	case reconcile.KindGroup:
		return t.applyGroup(ctx, a)
	case reconcile.KindMembership:
		return t.applyMembership(ctx, a)
	}
	return reconcile.Written{}, fmt.Errorf("schulconnex: source systems cannot write %ss", a.Kind)
}

// person returns the cached own view of a person, reading it when it is not cached.
func (t *Target) person(ctx context.Context, id string) (*schulconnex.Personendatensatz, error) {
	if t.persons == nil {
		t.persons, t.kontext = map[string]*schulconnex.Personendatensatz{}, map[string]string{}
	}
	if d, ok := t.persons[id]; ok {
		return d, nil
	}
	d, err := t.c.GetPerson(ctx, id)
	if err != nil {
		return nil, err
	}
	if schulconnex.IsShared(d) {
		return nil, fmt.Errorf("schulconnex: person %s: %w", id, schulconnex.ErrReadOnly)
	}
	t.setPerson(d)
	return t.persons[id], nil
}

func (t *Target) now() time.Time { return t.opts.Now() }

// wantContexts returns the roles a canonical person should have at the organisation.
func (t *Target) wantContexts(x *reconcile.Person) ([]schulconnex.Rolle, error) {
	var roles []schulconnex.Rolle
	for _, c := range x.Contexts {
		if c.Organisation != t.ownKey && c.Organisation != t.own.ID {
			return nil, fmt.Errorf("%w (context at %q)", ErrForeignOrganisation, c.Organisation)
		}
		var r schulconnex.Rolle
		_ = r.UnmarshalText([]byte(c.Role))
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	return roles, nil
}

// overlayPerson writes the canonical person's values over p, and trust, the source system's
// vertrauensstufe, where p has none.
func overlayPerson(p *schulconnex.Person, x *reconcile.Person, trust schulconnex.Vertrauensstufe) {
	if p.Vertrauensstufe == "" {
		p.Vertrauensstufe = trust
	}
	if x.Keys.Referrer != "" {
		p.Referrer = x.Keys.Referrer
	}
	if x.FamilyName != "" {
		p.Name.Familienname = x.FamilyName
	}
	if x.GivenNames != "" {
		p.Name.Vorname = x.GivenNames
	}
	if !x.BirthDate.IsZero() {
		p.Geburt.Datum = apiDate(x.BirthDate)
	}
	if x.BirthPlace != "" {
		p.Geburt.Geburtsort = x.BirthPlace
	}
	p.Auskunftssperre = schulconnex.JaNeinOf(x.Protected)
	if g, ok := x.Attributes[AttrGeschlecht]; ok {
		_ = p.Geschlecht.UnmarshalText([]byte(g))
	}
}

// kontextFor builds the wanted state of a context with role r, starting from k.
func (t *Target) kontextFor(k schulconnex.Personenkontext, r schulconnex.Rolle, x *reconcile.Person) schulconnex.Personenkontext {
	if len(x.Emails) > 0 {
		var keep []schulconnex.Erreichbarkeit
		for _, e := range k.Erreichbarkeiten {
			if !schulconnex.Same(e.Typ, schulconnex.ErreichbarkeitstypEMail) {
				keep = append(keep, e)
			}
		}
		cur := emailsOf(&k)
		if !sameStrings(cur, x.Emails) {
			for _, m := range x.Emails {
				keep = append(keep, schulconnex.Erreichbarkeit{Typ: schulconnex.ErreichbarkeitstypEMail, Kennung: m})
			}
			k.Erreichbarkeiten = keep
		}
	}
	if schulconnex.Same(r, schulconnex.RolleLern) {
		if g, ok := x.Attributes[AttrJahrgangsstufe]; ok && g != "" {
			_ = k.Jahrgangsstufe.UnmarshalText([]byte(g))
		}
	}
	return k
}

func emailsOf(k *schulconnex.Personenkontext) []string {
	var out []string
	for _, e := range k.Erreichbarkeiten {
		if schulconnex.Same(e.Typ, schulconnex.ErreichbarkeitstypEMail) {
			out = append(out, e.Kennung)
		}
	}
	return out
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func (t *Target) kontextReferrer(personReferrer string, r schulconnex.Rolle) string {
	if t.opts.NoContextReferrers || personReferrer == "" {
		return ""
	}
	return personReferrer + "/" + string(r)
}

func (t *Target) applyPerson(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	switch a.Op {
	case reconcile.OpCreate:
		return t.createPerson(ctx, a)
	case reconcile.OpUpdate, reconcile.OpRestore:
		return t.updatePerson(ctx, a)
	case reconcile.OpDeactivate:
		return t.deactivatePerson(ctx, a)
	case reconcile.OpDelete:
		return t.deletePerson(ctx, a)
	}
	return reconcile.Written{}, fmt.Errorf("schulconnex: person %s is not applied", a.Op)
}

func (t *Target) createPerson(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	if a.Person == nil || a.Person.After == nil {
		return reconcile.Written{}, errors.New("schulconnex: create action without a person")
	}
	x := a.Person.After
	roles, err := t.wantContexts(x)
	if err != nil {
		return reconcile.Written{}, err
	}
	var p schulconnex.Person
	overlayPerson(&p, x, t.opts.Vertrauensstufe)
	created, err := t.c.CreatePerson(ctx, p)
	if err != nil {
		var apiErr *schulconnex.APIError
		if errors.As(err, &apiErr) || x.Keys.Referrer == "" {
			return reconcile.Written{}, err
		}
		// The answer was lost; the person may exist. Look for it by its referrer before giving up.
		d, ferr := t.c.FindPersonByReferrer(ctx, x.Keys.Referrer)
		if ferr != nil {
			return reconcile.Written{}, err
		}
		created = &d.Person
		t.setPerson(d)
	}
	if _, ok := t.persons[created.ID]; !ok {
		t.setPerson(&schulconnex.Personendatensatz{Person: *created})
	}
	d := t.persons[created.ID]
	if err := t.syncContexts(ctx, d, roles, x, false); err != nil {
		return reconcile.Written{TargetID: created.ID, Revision: personRevision(d)}, err
	}
	return reconcile.Written{TargetID: created.ID, Revision: personRevision(d)}, nil
}

// syncContexts creates the contexts of roles d lacks, updates the others (e-mail, grade and,
// when restoring, the deletion time) and then deletes those whose role x no longer has.
func (t *Target) syncContexts(ctx context.Context, d *schulconnex.Personendatensatz, roles []schulconnex.Rolle, x *reconcile.Person, restore bool) error {
	pid := d.Person.ID
	for _, r := range roles {
		i := slices.IndexFunc(d.Personenkontexte, func(k schulconnex.Personenkontext) bool { return schulconnex.Same(k.Rolle, r) })
		if i >= 0 {
			continue
		}
		k := t.kontextFor(schulconnex.Personenkontext{Rolle: r, Personenstatus: schulconnex.PersonenstatusAktiv, Referrer: t.kontextReferrer(d.Person.Referrer, r)}, r, x)
		nk, err := t.c.CreatePersonenkontext(ctx, pid, k)
		if err != nil {
			var apiErr *schulconnex.APIError
			if errors.As(err, &apiErr) {
				return err
			}
			// Lost answer: re-read the person and see whether the context exists.
			cur, gerr := t.c.GetPerson(ctx, pid)
			if gerr != nil {
				return err
			}
			t.setPerson(cur)
			d = t.persons[pid]
			if !slices.ContainsFunc(d.Personenkontexte, func(k schulconnex.Personenkontext) bool { return schulconnex.Same(k.Rolle, r) }) {
				return err
			}
			continue
		}
		d.Personenkontexte = append(d.Personenkontexte, *nk)
		t.kontext[nk.ID] = pid
	}
	for i := range d.Personenkontexte {
		k := d.Personenkontexte[i]
		if !slices.ContainsFunc(roles, func(r schulconnex.Rolle) bool { return schulconnex.Same(r, k.Rolle) }) {
			continue
		}
		want := t.kontextFor(k, k.Rolle, x)
		if restore {
			want.Loeschung = schulconnex.Loeschung{}
		}
		if schulconnex.SameKontext(&k, &want) {
			continue
		}
		nk, err := t.c.UpdatePersonenkontext(ctx, want)
		if err != nil {
			return stale(err)
		}
		d.Personenkontexte[i] = *nk
	}
	var keep []schulconnex.Personenkontext
	for _, k := range d.Personenkontexte {
		if slices.ContainsFunc(roles, func(r schulconnex.Rolle) bool { return schulconnex.Same(r, k.Rolle) }) || len(roles) == 0 {
			keep = append(keep, k)
			continue
		}
		err := t.c.DeletePersonenkontext(ctx, k.ID, k.Revision)
		switch {
		case err == nil, errors.Is(err, schulconnex.ErrNotFound):
			delete(t.kontext, k.ID)
		case errors.Is(err, schulconnex.ErrContextInUse):
			nk := k
			nk.Loeschung = schulconnex.Loeschung{Zeitpunkt: schulconnex.NewLoeschzeitpunkt(t.now())}
			updated, err := t.c.UpdatePersonenkontext(ctx, nk)
			if err != nil {
				return stale(err)
			}
			keep = append(keep, *updated)
		default:
			return stale(err)
		}
	}
	d.Personenkontexte = keep
	return nil
}

func (t *Target) checkRevision(a *reconcile.Action, d *schulconnex.Personendatensatz) error {
	if a.Revision != "" && a.Revision != personRevision(d) {
		return fmt.Errorf("%w: person %s changed since planning", reconcile.ErrStale, d.Person.ID)
	}
	return nil
}

func (t *Target) updatePerson(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	if a.Person == nil || a.Person.After == nil {
		return reconcile.Written{}, errors.New("schulconnex: update action without a person")
	}
	d, err := t.person(ctx, a.TargetID)
	if err != nil {
		return reconcile.Written{}, err
	}
	if err := t.checkRevision(&a, d); err != nil {
		return reconcile.Written{}, err
	}
	x := a.Person.After
	roles, err := t.wantContexts(x)
	if err != nil {
		return reconcile.Written{}, err
	}
	p := d.Person
	overlayPerson(&p, x, t.opts.Vertrauensstufe)
	if !schulconnex.SamePerson(&d.Person, &p) {
		np, err := t.c.UpdatePerson(ctx, p)
		if err != nil {
			return reconcile.Written{}, stale(err)
		}
		d.Person = *np
	}
	if len(x.Contexts) == 0 {
		roles = nil
		for _, k := range d.Personenkontexte {
			roles = append(roles, k.Rolle)
		}
	}
	if err := t.syncContexts(ctx, d, roles, x, a.Op == reconcile.OpRestore); err != nil {
		return reconcile.Written{TargetID: d.Person.ID, Revision: personRevision(d)}, err
	}
	return reconcile.Written{TargetID: d.Person.ID, Revision: personRevision(d)}, nil
}

func (t *Target) deactivatePerson(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	d, err := t.person(ctx, a.TargetID)
	if err != nil {
		return reconcile.Written{}, err
	}
	if err := t.checkRevision(&a, d); err != nil {
		return reconcile.Written{}, err
	}
	when := schulconnex.NewLoeschzeitpunkt(t.now().Add(t.opts.Grace))
	for i, k := range d.Personenkontexte {
		if !k.Loeschung.IsZero() && !k.Loeschung.Zeitpunkt.Time().After(when.Time()) {
			continue // already goes no later
		}
		nk := k
		nk.Loeschung = schulconnex.Loeschung{Zeitpunkt: when}
		updated, err := t.c.UpdatePersonenkontext(ctx, nk)
		if err != nil {
			return reconcile.Written{}, stale(err)
		}
		d.Personenkontexte[i] = *updated
	}
	return reconcile.Written{TargetID: d.Person.ID, Revision: personRevision(d)}, nil
}

func (t *Target) deletePerson(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	r, err := t.c.RemovePerson(ctx, a.TargetID, schulconnex.RemoveOptions{At: t.now()})
	if err != nil {
		return reconcile.Written{}, stale(err)
	}
	if len(r.Scheduled) > 0 {
		return reconcile.Written{TargetID: a.TargetID}, fmt.Errorf("%w (%s)", ErrDeletionScheduled, r.At)
	}
	if d, ok := t.persons[a.TargetID]; ok {
		for _, k := range d.Personenkontexte {
			delete(t.kontext, k.ID)
		}
		delete(t.persons, a.TargetID)
	}
	return reconcile.Written{TargetID: a.TargetID}, nil
}

// group returns the cached group, reading it when it is not cached.
func (t *Target) group(ctx context.Context, id string) (*schulconnex.Gruppendatensatz, error) {
	if t.groups == nil {
		t.groups, t.zugByID = map[string]*schulconnex.Gruppendatensatz{}, map[string]string{}
	}
	if g, ok := t.groups[id]; ok {
		return g, nil
	}
	g, err := t.c.GetGruppe(ctx, id)
	if err != nil {
		return nil, err
	}
	t.groups[id] = g
	for _, m := range g.Gruppenzugehoerigkeiten {
		t.zugByID[m.ID] = id
	}
	return g, nil
}

func (t *Target) overlayGroup(g *schulconnex.Gruppe, x *reconcile.Group) error {
	if x.Organisation != "" && x.Organisation != t.ownKey && x.Organisation != t.own.ID {
		return fmt.Errorf("%w (group at %q)", ErrForeignOrganisation, x.Organisation)
	}
	if x.Keys.Referrer != "" {
		g.Referrer = x.Keys.Referrer
	}
	if x.Name != "" {
		g.Bezeichnung = x.Name
	}
	if x.Type != "" {
		_ = g.Typ.UnmarshalText([]byte(x.Type))
	}
	if !x.Valid.From.IsZero() {
		g.Laufzeit.Von, g.Laufzeit.Vonlernperiode = apiDate(x.Valid.From), ""
	}
	if !x.Valid.To.IsZero() {
		g.Laufzeit.Bis, g.Laufzeit.Bislernperiode = apiDate(x.Valid.To), ""
	}
	applyGruppeAttributes(g, x.Attributes)
	return nil
}

func (t *Target) applyGroup(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	switch a.Op {
	case reconcile.OpCreate:
		if a.Group == nil || a.Group.After == nil {
			return reconcile.Written{}, errors.New("schulconnex: create action without a group")
		}
		var g schulconnex.Gruppe
		if err := t.overlayGroup(&g, a.Group.After); err != nil {
			return reconcile.Written{}, err
		}
		created, err := t.c.CreateGruppe(ctx, g)
		if err != nil {
			var apiErr *schulconnex.APIError
			if errors.As(err, &apiErr) || g.Referrer == "" {
				return reconcile.Written{}, err
			}
			found, ferr := t.c.FindGruppeByReferrer(ctx, g.Referrer)
			if ferr != nil {
				return reconcile.Written{}, err
			}
			created = &found.Gruppe
		}
		if t.groups == nil {
			t.groups, t.zugByID = map[string]*schulconnex.Gruppendatensatz{}, map[string]string{}
		}
		t.groups[created.ID] = &schulconnex.Gruppendatensatz{Gruppe: *created}
		return reconcile.Written{TargetID: created.ID, Revision: created.Revision}, nil
	case reconcile.OpUpdate, reconcile.OpRestore, reconcile.OpDeactivate:
		d, err := t.group(ctx, a.TargetID)
		if err != nil {
			return reconcile.Written{}, err
		}
		if a.Revision != "" && a.Revision != d.Gruppe.Revision {
			return reconcile.Written{}, fmt.Errorf("%w: group %s changed since planning", reconcile.ErrStale, a.TargetID)
		}
		g := d.Gruppe
		if a.Op == reconcile.OpDeactivate {
			today := openapi_types.Date{Time: reconcile.DateOf(t.now().UTC()).Time()}
			if g.Laufzeit.Bis.IsZero() || today.Before(g.Laufzeit.Bis.Time) {
				g.Laufzeit.Bis, g.Laufzeit.Bislernperiode = today, ""
			}
		} else {
			if a.Group == nil || a.Group.After == nil {
				return reconcile.Written{}, errors.New("schulconnex: update action without a group")
			}
			if err := t.overlayGroup(&g, a.Group.After); err != nil {
				return reconcile.Written{}, err
			}
		}
		if schulconnex.SameGruppe(&d.Gruppe, &g) {
			return reconcile.Written{TargetID: g.ID, Revision: g.Revision}, nil
		}
		ng, err := t.c.UpdateGruppe(ctx, g)
		if err != nil {
			return reconcile.Written{}, stale(err)
		}
		d.Gruppe = *ng
		return reconcile.Written{TargetID: ng.ID, Revision: ng.Revision}, nil
	case reconcile.OpDelete:
		rev := a.Revision
		if d, ok := t.groups[a.TargetID]; ok && rev == "" {
			rev = d.Gruppe.Revision
		}
		if err := t.c.DeleteGruppe(ctx, a.TargetID, rev); err != nil && !errors.Is(err, schulconnex.ErrNotFound) {
			return reconcile.Written{}, stale(err)
		}
		delete(t.groups, a.TargetID)
		return reconcile.Written{TargetID: a.TargetID}, nil
	}
	return reconcile.Written{}, fmt.Errorf("schulconnex: group %s is not applied", a.Op)
}

// memberContext picks the context of a person that a membership with these roles belongs to:
// the learner context for learners, a teaching context for teachers and class teachers, and
// any staff context otherwise.
func memberContext(ks []schulconnex.Personenkontext, roles []schulconnex.Gruppenrolle) (string, bool) {
	has := func(r schulconnex.Gruppenrolle) bool {
		return slices.ContainsFunc(roles, func(x schulconnex.Gruppenrolle) bool { return schulconnex.Same(x, r) })
	}
	pick := func(ok func(schulconnex.Rolle) bool) (string, bool) {
		for _, k := range ks {
			if ok(k.Rolle) {
				return k.ID, true
			}
		}
		return "", false
	}
	if has(schulconnex.GruppenrolleLern) {
		return pick(func(r schulconnex.Rolle) bool { return schulconnex.Same(r, schulconnex.RolleLern) })
	}
	if has(schulconnex.GruppenrolleLehr) || has(schulconnex.GruppenrolleKlLeit) || has(schulconnex.GruppenrolleVLehr) || has(schulconnex.GruppenrolleFoerd) {
		if id, ok := pick(func(r schulconnex.Rolle) bool { return schulconnex.Same(r, schulconnex.RolleLehr) }); ok {
			return id, true
		}
	}
	if id, ok := pick(func(r schulconnex.Rolle) bool {
		return !schulconnex.Same(r, schulconnex.RolleLern) && !schulconnex.Same(r, schulconnex.RolleSorgBer)
	}); ok {
		return id, true
	}
	return pick(func(schulconnex.Rolle) bool { return true })
}

func parseRollen(s string) []schulconnex.Gruppenrolle {
	var out []schulconnex.Gruppenrolle
	for _, r := range splitList(s) {
		var g schulconnex.Gruppenrolle
		_ = g.UnmarshalText([]byte(r))
		out = append(out, g)
	}
	return out
}

func (t *Target) applyMembership(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	switch a.Op {
	case reconcile.OpCreate:
		if a.Membership == nil || a.Membership.After == nil {
			return reconcile.Written{}, errors.New("schulconnex: create action without a membership")
		}
		x := a.Membership.After
		d, err := t.person(ctx, x.Person)
		if err != nil {
			return reconcile.Written{}, err
		}
		roles := parseRollen(x.Role)
		ktid, ok := memberContext(d.Personenkontexte, roles)
		if !ok {
			return reconcile.Written{}, fmt.Errorf("schulconnex: person %s has no context at the organisation for the membership", x.Person)
		}
		m := schulconnex.Gruppenzugehoerigkeit{Ktid: ktid, Rollen: roles, Von: apiDate(x.Period.From), Bis: apiDate(x.Period.To)}
		created, err := t.c.CreateGruppenzugehoerigkeit(ctx, x.Group, m)
		if err != nil {
			var apiErr *schulconnex.APIError
			if errors.As(err, &apiErr) {
				return reconcile.Written{}, err
			}
			g, gerr := t.c.GetGruppe(ctx, x.Group)
			if gerr != nil {
				return reconcile.Written{}, err
			}
			i := slices.IndexFunc(g.Gruppenzugehoerigkeiten, func(z schulconnex.Gruppenzugehoerigkeit) bool { return z.Ktid == ktid })
			if i < 0 {
				return reconcile.Written{}, err
			}
			created = &g.Gruppenzugehoerigkeiten[i]
		}
		if g, ok := t.groups[x.Group]; ok {
			g.Gruppenzugehoerigkeiten = append(g.Gruppenzugehoerigkeiten, *created)
		}
		if t.zugByID != nil {
			t.zugByID[created.ID] = x.Group
		}
		return reconcile.Written{TargetID: created.ID, Revision: created.Revision}, nil
	case reconcile.OpUpdate:
		if a.Membership == nil || a.Membership.After == nil {
			return reconcile.Written{}, errors.New("schulconnex: update action without a membership")
		}
		m, _, err := t.zugehoerigkeit(ctx, a.TargetID)
		if err != nil {
			return reconcile.Written{}, err
		}
		if a.Revision != "" && a.Revision != m.Revision {
			return reconcile.Written{}, fmt.Errorf("%w: membership %s changed since planning", reconcile.ErrStale, a.TargetID)
		}
		x := a.Membership.After
		nm := *m
		if x.Role != "" {
			nm.Rollen = parseRollen(x.Role)
		}
		if !x.Period.From.IsZero() {
			nm.Von = apiDate(x.Period.From)
		}
		if !x.Period.To.IsZero() {
			nm.Bis = apiDate(x.Period.To)
		}
		updated, err := t.c.UpdateGruppenzugehoerigkeit(ctx, nm)
		if err != nil {
			return reconcile.Written{}, stale(err)
		}
		*m = *updated
		return reconcile.Written{TargetID: updated.ID, Revision: updated.Revision}, nil
	case reconcile.OpDelete:
		rev := a.Revision
		if m, _, err := t.zugehoerigkeit(ctx, a.TargetID); err == nil && rev == "" {
			rev = m.Revision
		}
		if err := t.c.DeleteGruppenzugehoerigkeit(ctx, a.TargetID, rev); err != nil && !errors.Is(err, schulconnex.ErrNotFound) {
			return reconcile.Written{}, stale(err)
		}
		if gid, ok := t.zugByID[a.TargetID]; ok {
			if g, ok := t.groups[gid]; ok {
				g.Gruppenzugehoerigkeiten = slices.DeleteFunc(g.Gruppenzugehoerigkeiten, func(z schulconnex.Gruppenzugehoerigkeit) bool { return z.ID == a.TargetID })
			}
			delete(t.zugByID, a.TargetID)
		}
		return reconcile.Written{TargetID: a.TargetID}, nil
	}
	return reconcile.Written{}, fmt.Errorf("schulconnex: membership %s is not applied", a.Op)
}

// zugehoerigkeit returns the cached membership and its group, reading it when not cached.
func (t *Target) zugehoerigkeit(ctx context.Context, id string) (*schulconnex.Gruppenzugehoerigkeit, *schulconnex.Gruppendatensatz, error) {
	if gid, ok := t.zugByID[id]; ok {
		if g, ok := t.groups[gid]; ok {
			for i := range g.Gruppenzugehoerigkeiten {
				if g.Gruppenzugehoerigkeiten[i].ID == id {
					return &g.Gruppenzugehoerigkeiten[i], g, nil
				}
			}
		}
	}
	g, err := t.c.GetGruppenzugehoerigkeit(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if len(g.Gruppenzugehoerigkeiten) != 1 {
		return nil, nil, &schulconnex.DecodeError{Path: "/gruppenzugehoerigkeiten/" + url.PathEscape(id), Err: errors.New("answer lacks the membership")}
	}
	return &g.Gruppenzugehoerigkeiten[0], g, nil
}

// SetReferrer writes referrer into a person or group that has none, so the next
// synchronisation finds it by key (used after importing it into the source). Records that
// already carry a referrer belong to a source system and are left alone.
func (t *Target) SetReferrer(ctx context.Context, kind reconcile.Kind, id, referrer string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.loadOwn(ctx); err != nil {
		return err
	}
	switch kind {
	case reconcile.KindPerson:
		d, err := t.person(ctx, id)
		if err != nil {
			return err
		}
		if d.Person.Referrer != "" {
			return nil
		}
		p := d.Person
		p.Referrer = referrer
		np, err := t.c.UpdatePerson(ctx, p)
		if err != nil {
			return stale(err)
		}
		d.Person = *np
		return nil
	case reconcile.KindGroup:
		g, err := t.group(ctx, id)
		if err != nil {
			return err
		}
		if g.Gruppe.Referrer != "" {
			return nil
		}
		ng := g.Gruppe
		ng.Referrer = referrer
		updated, err := t.c.UpdateGruppe(ctx, ng)
		if err != nil {
			return stale(err)
		}
		g.Gruppe = *updated
		return nil
	}
	return fmt.Errorf("schulconnex: SetReferrer: %s has no referrer", kind)
}

// MembershipsOf returns the canonical memberships of a person (by target id) from the groups
// read last, for importers that take a person's groups along.
func (t *Target) MembershipsOf(personID string) []reconcile.Membership {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []reconcile.Membership
	for _, gid := range t.groupIDs {
		g, ok := t.groups[gid]
		if !ok {
			continue
		}
		for _, m := range g.Gruppenzugehoerigkeiten {
			if t.kontext[m.Ktid] == personID {
				out = append(out, canonicalMembership(&m, personID, gid))
			}
		}
	}
	return out
}

// MembersOf returns the canonical memberships of a group (by target id) whose contexts belong
// to the organisation's persons, from the data read last.
func (t *Target) MembersOf(groupID string) []reconcile.Membership {
	t.mu.Lock()
	defer t.mu.Unlock()
	g, ok := t.groups[groupID]
	if !ok {
		return nil
	}
	var out []reconcile.Membership
	for _, m := range g.Gruppenzugehoerigkeiten {
		if pid, ok := t.kontext[m.Ktid]; ok {
			out = append(out, canonicalMembership(&m, pid, groupID))
		}
	}
	return out
}

// referrers returns the referrers of the cached persons or groups by target id.
func (t *Target) referrers(kind reconcile.Kind) map[string]string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[string]string{}
	if kind == reconcile.KindPerson {
		for id, d := range t.persons {
			if d.Person.Referrer != "" {
				out[id] = d.Person.Referrer
			}
		}
		return out
	}
	for id, g := range t.groups {
		if g.Gruppe.Referrer != "" {
			out[id] = g.Gruppe.Referrer
		}
	}
	return out
}
