package ladokcanvas

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/ladok"
)

// Sub-accounts under an organisation's account when UseSubaccountsForProgramAndCourses is on.
const (
	subAccountCourses    = "Kurser"
	subAccountProgrammes = "Program"
)

// fetchOffering reads an offering from Ladok: a course offering (kurstillfälle) or, for
// kindProgramme, a programme offering (kurspaketeringstillfälle); when Ladok does not know it
// as the one, the other is tried.
func (h *courses) fetchOffering(ctx context.Context, uid, kind string) (offeringRecord, error) {
	get := func(k string) (*ladok.Utbildningstillfalle, error) {
		if k == kindProgramme {
			return h.ladok.GetKurspaketeringstillfalle(ctx, uid)
		}
		return h.ladok.GetUtbildningstillfalle(ctx, uid)
	}
	if kind != kindProgramme {
		kind = kindCourse
	}
	u, err := get(kind)
	if errors.Is(err, ladok.ErrNotFound) {
		other := kindProgramme
		if kind == kindProgramme {
			other = kindCourse
		}
		if u2, err2 := get(other); err2 == nil {
			u, err, kind = u2, nil, other
		} else if !errors.Is(err2, ladok.ErrNotFound) {
			err = err2
		}
	}
	if err != nil {
		if errors.Is(err, ladok.ErrNotFound) {
			return offeringRecord{}, permanent(fmt.Errorf("offering %s is not in Ladok", uid))
		}
		return offeringRecord{}, err
	}
	r := offeringRecord{UID: uid, Kind: kind, NameSV: u.Benamning["sv"], NameEN: u.Benamning["en"], Code: u.Utbildningskod,
		OfferingCode: u.Utbildningstillfalleskod, OrgUID: u.OrganisationUID, Utbildning: u.UtbildningUID,
		Instans: u.UtbildningsinstansUID, Cancelled: u.Installt}
	if n := len(u.Tillfallesperioder); n > 0 {
		r.Start, r.End = day(u.Tillfallesperioder[0].ForstaUndervisningsdatum), day(u.Tillfallesperioder[n-1].SistaUndervisningsdatum)
	}
	if (r.NameSV == "" && r.NameEN == "" || r.Code == "") && r.Instans != "" {
		// The name and code belong to the syllabus version.
		in, err := h.ladok.GetUtbildningsinstans(ctx, r.Instans)
		switch {
		case err == nil:
			if r.NameSV == "" && r.NameEN == "" {
				r.NameSV, r.NameEN = in.Benamning["sv"], in.Benamning["en"]
			}
			if r.Code == "" {
				r.Code = in.Utbildningskod
			}
			if r.OrgUID == "" {
				r.OrgUID = in.OrganisationUID
			}
		case errors.Is(err, ladok.ErrNotFound):
		default:
			return offeringRecord{}, err
		}
	}
	if r.Term, err = h.termOf(ctx, u.StartperiodID); err != nil {
		return offeringRecord{}, err
	}
	return r, nil
}

// courseName composes a course's name as CourseNameFormat says.
func (h *courses) courseName(r *offeringRecord) string {
	name := firstOf(r.NameSV, r.NameEN, r.Code, r.UID)
	parts := []string{name}
	switch h.cfg.CourseNameFormat {
	case NameTerm:
		parts = append(parts, r.Term)
	case NameCodeTerm:
		parts = append(parts, r.Code, r.Term)
	case NameCodeOfferingCodeTerm:
		parts = append(parts, r.Code, r.OfferingCode, r.Term)
	}
	n := joinNonEmpty(parts...)
	if r.Cancelled {
		n = CancelledPrefix + " " + n
	}
	return n
}

// sectionName names an offering's section: course code, term and offering code, so co-read
// offerings can be told apart in their shared course.
func (h *courses) sectionName(r *offeringRecord) string {
	n := joinNonEmpty(r.Code, r.Term)
	if r.OfferingCode != "" {
		n = joinNonEmpty(n, "("+r.OfferingCode+")")
	}
	if n == "" {
		n = firstOf(r.NameSV, r.NameEN, r.UID)
	}
	if r.Cancelled && r.Course != "" && r.Course != r.UID {
		n = CancelledPrefix + " " + n
	}
	return n
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func joinNonEmpty(vs ...string) string {
	var b strings.Builder
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(v)
		}
	}
	return b.String()
}

// newOrgsAccount is where accounts for new organisations are created.
func (h *courses) newOrgsAccount() canvas.Ref {
	if h.cfg.SubAccountNewOrganisations <= 1 {
		return canvas.Self
	}
	return canvas.ID(h.cfg.SubAccountNewOrganisations)
}

// ensureAccount returns the account a course of kind belongs in: the organisation's account
// (SIS id the Ladok organisation UID), or with UseSubaccountsForProgramAndCourses its course
// or programme sub-account, creating what is missing.
func (h *courses) ensureAccount(ctx context.Context, orgUID, kind string) (canvas.Ref, error) {
	if orgUID == "" {
		return h.newOrgsAccount(), nil
	}
	if err := h.createAccount(ctx, h.newOrgsAccount(), orgUID, func() (string, error) {
		o, err := h.ladok.GetOrganisation(ctx, orgUID)
		switch {
		case err == nil:
			return firstOf(o.Benamning["sv"], o.Benamning["en"], o.Organisationskod, orgUID), nil
		case errors.Is(err, ladok.ErrNotFound):
			return orgUID, nil
		}
		return "", err
	}); err != nil {
		return "", err
	}
	if !h.cfg.UseSubaccountsForProgramAndCourses {
		return canvas.SISAccount(orgUID), nil
	}
	name, suffix := subAccountCourses, "/kurser"
	if kind == kindProgramme {
		name, suffix = subAccountProgrammes, "/program"
	}
	sub := orgUID + suffix
	if err := h.createAccount(ctx, canvas.SISAccount(orgUID), sub, func() (string, error) { return name, nil }); err != nil {
		return "", err
	}
	return canvas.SISAccount(sub), nil
}

func (h *courses) createAccount(ctx context.Context, parent canvas.Ref, sis string, name func() (string, error)) error {
	if h.facts.account(sis) {
		return nil
	}
	unlock, err := h.flight.lock(ctx, "a:"+sis)
	if err != nil {
		return err
	}
	defer unlock()
	if h.facts.account(sis) {
		return nil
	}
	n, err := name()
	if err != nil {
		return err
	}
	if _, err := h.canvas.CreateSubAccount(ctx, parent, canvas.AccountInput{Name: n, SisAccountID: sis}); err != nil && !isTaken(err) {
		return err
	}
	h.facts.setAccount(sis)
	return nil
}

// ensureOffering makes sure an offering's section exists in Canvas, in its own course or, when
// it is co-read, in its primary offering's course, creating course and section from Ladok's
// data when they are missing. kind says what the offering is when Ladok has to be asked.
func (h *courses) ensureOffering(ctx context.Context, uid, kind string) (offeringRecord, error) {
	if uid == "" {
		return offeringRecord{}, permanent(fmt.Errorf("the event names no offering"))
	}
	primary := h.m.primary(uid)
	if r, ok := h.m.offering(uid); ok && r.InCanvas && r.Course == primary {
		return r, nil
	}
	unlock, err := h.flight.lock(ctx, "o:"+uid)
	if err != nil {
		return offeringRecord{}, err
	}
	defer unlock()
	primary = h.m.primary(uid)
	r, ok := h.m.offering(uid)
	if ok && r.InCanvas && r.Course == primary {
		return r, nil
	}
	if !ok || r.Kind == "" {
		fresh, err := h.fetchOffering(ctx, uid, kind)
		if err != nil {
			return offeringRecord{}, err
		}
		fresh.Cancelled = fresh.Cancelled || r.Cancelled
		fresh.InCanvas, fresh.Course, fresh.Written = r.InCanvas, r.Course, r.Written
		r = fresh
	}
	if primary != uid {
		if _, err := h.ensureOffering(ctx, primary, r.Kind); err != nil {
			return offeringRecord{}, err
		}
	} else if !r.InCanvas || r.Course != uid {
		if err := h.ensureCourse(ctx, &r); err != nil {
			return offeringRecord{}, err
		}
	}
	if err := h.ensureSection(ctx, &r, primary); err != nil {
		return offeringRecord{}, err
	}
	r.InCanvas, r.Course = true, primary
	if err := h.saveOffering(ctx, r); err != nil {
		return offeringRecord{}, err
	}
	return r, nil
}

// ensureCourse creates the Canvas course of a primary offering (SIS id the offering UID).
func (h *courses) ensureCourse(ctx context.Context, r *offeringRecord) error {
	acct, err := h.ensureAccount(ctx, r.OrgUID, r.Kind)
	if err != nil {
		return err
	}
	want := written{Name: h.courseName(r), Code: r.Code, Start: r.Start, End: r.End}
	in := canvas.CourseInput{Name: want.Name, CourseCode: want.Code, SisCourseID: r.UID, StartAt: startOf(r.Start), EndAt: endOf(r.End)}
	// Say that the course is being created before asking Canvas, so that a run that stops in
	// between knows, when Canvas then answers "already in use", that the course is its own.
	creating := h.cfg.EarlyAccessOnCreateCourse && !r.Creating
	if creating {
		r.Creating = true
		if err := h.saveOffering(ctx, *r); err != nil {
			return err
		}
	}
	_, err = h.canvas.CreateCourse(ctx, acct, canvas.CreateCourseRequest{Course: in})
	switch {
	case err == nil:
		r.Creating = true // made by this adapter
	case isTaken(err):
	default:
		return err
	}
	if r.Creating && h.cfg.EarlyAccessOnCreateCourse {
		if err := h.setBool(ctx, keyEarlyAccess, r.UID, true, h.m.earlyAccess); err != nil {
			return err
		}
	}
	r.Creating = false
	r.Written.Name, r.Written.Code, r.Written.Start, r.Written.End = want.Name, want.Code, want.Start, want.End
	h.log.Debug("ladokcanvas: course ensured", "course", r.UID)
	return nil
}

// ensureSection creates the offering's section (SIS id the offering UID) in course, or moves
// it there (cross-listing) when it exists in another course.
func (h *courses) ensureSection(ctx context.Context, r *offeringRecord, course string) error {
	placed := *r
	placed.Course = course
	name := h.sectionName(&placed)
	_, err := h.canvas.CreateSection(ctx, canvas.SISCourse(course), canvas.SectionRequest{CourseSection: canvas.SectionInput{Name: name, SisSectionID: r.UID}})
	if err == nil {
		r.Written.Section = name
		return nil
	}
	if !isTaken(err) {
		return err
	}
	sec, err := h.canvas.GetSection(ctx, canvas.SISSection(r.UID), nil)
	if err != nil {
		return err
	}
	if sec.SisCourseID != course {
		if _, err := h.canvas.CrossListSection(ctx, canvas.SISSection(r.UID), canvas.SISCourse(course)); err != nil {
			return err
		}
		h.facts.dropSection(r.UID)
	}
	r.Written.Section = sec.Name
	return nil
}

// writeCourse carries an offering's data to Canvas where it differs from what was last
// written: name, code and dates of its own course, the name of its section.
func (h *courses) writeCourse(ctx context.Context, r *offeringRecord) error {
	if !r.InCanvas {
		return nil
	}
	if r.Course == r.UID {
		var in canvas.CourseInput
		changed := false
		name := h.courseName(r)
		if name != r.Written.Name {
			in.Name, changed = name, true
		}
		if r.Code != "" && r.Code != r.Written.Code {
			in.CourseCode, changed = r.Code, true
		}
		if r.Start != "" && r.Start != r.Written.Start {
			in.StartAt, changed = startOf(r.Start), true
		}
		if r.End != "" && r.End != r.Written.End {
			in.EndAt, changed = endOf(r.End), true
		}
		if changed {
			if _, err := h.canvas.UpdateCourse(ctx, canvas.SISCourse(r.UID), canvas.UpdateCourseRequest{Course: in}); err != nil {
				return err
			}
			r.Written.Name = name
			if r.Code != "" {
				r.Written.Code = r.Code
			}
			if r.Start != "" {
				r.Written.Start = r.Start
			}
			if r.End != "" {
				r.Written.End = r.End
			}
		}
	}
	if n := h.sectionName(r); n != r.Written.Section {
		if _, err := h.canvas.UpdateSection(ctx, canvas.SISSection(r.UID), canvas.SectionInput{Name: n}); err != nil {
			return err
		}
		r.Written.Section = n
	}
	return nil
}

// refresh applies new Ladok data to an offering: the record always, Canvas when
// UpdateCourseFromLadok is on.
func (h *courses) refresh(ctx context.Context, r offeringRecord, change func(r *offeringRecord)) error {
	change(&r)
	if h.cfg.UpdateCourseFromLadok {
		if err := h.writeCourse(ctx, &r); err != nil {
			return err
		}
	}
	return h.saveOffering(ctx, r)
}

// onOfferingStatus handles KurstillfalleTillStatus and KurspaketeringstillfalleTillStatus:
// create the course, or update it from Ladok's current data.
func (h *courses) onOfferingStatus(ctx context.Context, uid, kind string) error {
	r, ok := h.m.offering(uid)
	if !ok || !r.InCanvas {
		_, err := h.ensureOffering(ctx, uid, kind)
		return err
	}
	fresh, err := h.fetchOffering(ctx, uid, r.Kind)
	if err != nil {
		return err
	}
	return h.refresh(ctx, r, func(r *offeringRecord) {
		r.Kind, r.NameSV, r.NameEN, r.Code, r.OfferingCode = fresh.Kind, fresh.NameSV, fresh.NameEN, fresh.Code, fresh.OfferingCode
		r.Term, r.Start, r.End, r.OrgUID = fresh.Term, fresh.Start, fresh.End, fresh.OrgUID
		r.Utbildning, r.Instans = fresh.Utbildning, fresh.Instans
		r.Cancelled = r.Cancelled || fresh.Cancelled
	})
}

// onOfferingUpdated handles KurstillfalleUppdaterat and KurspaketeringstillfalleUppdaterat:
// new dates and offering code (the course is created when missing).
func (h *courses) onOfferingUpdated(ctx context.Context, uid, kind, code string, periods []ladok.TillfallesperiodEventPart) error {
	r, ok := h.m.offering(uid)
	if !ok || !r.InCanvas {
		_, err := h.ensureOffering(ctx, uid, kind) // from Ladok's current data, which includes the change
		return err
	}
	return h.refresh(ctx, r, func(r *offeringRecord) {
		if code != "" {
			r.OfferingCode = code
		}
		if n := len(periods); n > 0 {
			if s := day(string(periods[0].ForstaUndervisningsdatum)); s != "" {
				r.Start = s
			}
			if e := day(string(periods[n-1].SistaUndervisningsdatum)); e != "" {
				r.End = e
			}
		}
	})
}

// onCancelled prefixes a cancelled offering's course name (or, for a co-read offering, its
// section's name) with CancelledPrefix. The current name is read from Canvas, since teachers
// may have changed it; an offering not in Canvas is remembered as cancelled, so the course
// carries the mark if it is ever created.
func (h *courses) onCancelled(ctx context.Context, uid string) error {
	if uid == "" {
		return permanent(fmt.Errorf("the event names no offering"))
	}
	r, ok := h.m.offering(uid)
	if !ok {
		r = offeringRecord{UID: uid}
	}
	if !r.InCanvas {
		r.Cancelled = true
		return h.saveOffering(ctx, r)
	}
	own := r.Course == r.UID
	if r.Cancelled && ((own && strings.HasPrefix(r.Written.Name, CancelledPrefix)) || (!own && strings.HasPrefix(r.Written.Section, CancelledPrefix))) {
		return nil
	}
	r.Cancelled = true
	if own {
		c, err := h.canvas.GetCourse(ctx, canvas.SISCourse(uid), nil)
		if err != nil {
			return err
		}
		name := c.Name
		if !strings.HasPrefix(name, CancelledPrefix) {
			name = CancelledPrefix + " " + name
			if _, err := h.canvas.UpdateCourse(ctx, canvas.SISCourse(uid), canvas.UpdateCourseRequest{Course: canvas.CourseInput{Name: name}}); err != nil {
				return err
			}
		}
		r.Written.Name = name
	} else {
		s, err := h.canvas.GetSection(ctx, canvas.SISSection(uid), nil)
		if err != nil {
			return err
		}
		name := s.Name
		if !strings.HasPrefix(name, CancelledPrefix) {
			name = CancelledPrefix + " " + name
			if _, err := h.canvas.UpdateSection(ctx, canvas.SISSection(uid), canvas.SectionInput{Name: name}); err != nil {
				return err
			}
		}
		r.Written.Section = name
	}
	return h.saveOffering(ctx, r)
}

// onSyllabusChanged handles KursUppdaterad and KurspaketeringUppdaterad: new names and code
// for every offering of the syllabus version (or, when the event names none, the education).
func (h *courses) onSyllabusChanged(ctx context.Context, kind string, b *ladok.Utbildningsinstansbas, code string) error {
	instans, utb := b.UtbildningsinstansUID, b.UtbildningUID
	if instans == "" && utb == "" {
		return permanent(fmt.Errorf("the event names no syllabus"))
	}
	code = firstOf(code, b.Utbildningskod)
	recs := h.m.offeringsWhere(func(r *offeringRecord) bool {
		if r.Kind != kind {
			return false
		}
		if instans != "" {
			return r.Instans == instans
		}
		return r.Utbildning == utb
	})
	sv, en := b.Benamningar["sv"], b.Benamningar["en"]
	for _, r := range recs {
		if err := h.refresh(ctx, r, func(r *offeringRecord) {
			if sv != "" || en != "" {
				r.NameSV, r.NameEN = sv, en
			}
			if code != "" {
				r.Code = code
			}
		}); err != nil {
			return err
		}
	}
	return nil
}

// onSyllabusMoved handles UtbildningsinstansPaUtbildningstillfalleAndrad: the offering now
// follows another syllabus version, whose name and code it takes.
func (h *courses) onSyllabusMoved(ctx context.Context, e *ladok.UtbildningsinstansPaUtbildningstillfalleAndradEvent) error {
	r, ok := h.m.offering(e.UtbildningstillfalleUID)
	if !ok || e.UtbildningsinstansUID == "" || r.Instans == e.UtbildningsinstansUID {
		return nil // not known yet: it is read from Ladok with its new syllabus when needed
	}
	in, err := h.ladok.GetUtbildningsinstans(ctx, e.UtbildningsinstansUID)
	if err != nil {
		if errors.Is(err, ladok.ErrNotFound) {
			return permanent(fmt.Errorf("syllabus version %s is not in Ladok", e.UtbildningsinstansUID))
		}
		return err
	}
	return h.refresh(ctx, r, func(r *offeringRecord) {
		r.Instans = e.UtbildningsinstansUID
		if n := firstOf(in.Benamning["sv"], in.Benamning["en"]); n != "" {
			r.NameSV, r.NameEN = in.Benamning["sv"], in.Benamning["en"]
		}
		if in.Utbildningskod != "" {
			r.Code = in.Utbildningskod
		}
	})
}
