package ladokcanvas

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/internal/idnum"
	"github.com/edusync/edusync/ladok"
)

// studentData is what a Canvas user is made from. It holds a personal number, so it is never
// logged.
type studentData struct {
	uid, given, family, pnr string
	email                   string
	emailKnown              bool // email came with the event (possibly empty)
}

func (s *studentData) name() string {
	n := strings.TrimSpace(strings.TrimSpace(s.given) + " " + strings.TrimSpace(s.family))
	if n == "" {
		return s.uid
	}
	return n
}

func (s *studentData) sortable() string {
	g, f := strings.TrimSpace(s.given), strings.TrimSpace(s.family)
	switch {
	case f == "":
		return s.name()
	case g == "":
		return f
	}
	return f + ", " + g
}

// shielded reports whether uid's data is reduced to name and Ladok UID.
func (h *students) shielded(uid string) bool {
	return h.m.isProtected(uid) && !h.cfg.WriteProtectedPersonalData
}

// loginFor returns the login id (unique_id) a student gets: the Ladok UID, or with
// UseAsLoginId "ssn" the twelve-digit personal number, except for students with protected
// personal data (unless the host opted in) and students without a valid number.
func (h *students) loginFor(uid, pnr string) string {
	if h.cfg.UseAsLoginID != LoginSSN || h.shielded(uid) || pnr == "" {
		return uid
	}
	pn, err := idnum.ParseSwedish(pnr, h.o.now())
	if err != nil {
		return uid
	}
	return pn.Digits
}

func (h *students) mayWriteEmail(uid string) bool {
	return h.cfg.UpdateEmailFromLadok && !h.shielded(uid)
}

var errNoStudentUID = errors.New("the event names no student (StudentUID is empty)")

// fetchStudent reads a student the adapter must create but has no event data for.
func (h *students) fetchStudent(ctx context.Context, uid string) (*studentData, error) {
	st, err := h.ladok.GetStudent(ctx, uid)
	if err != nil {
		if errors.Is(err, ladok.ErrNotFound) {
			return nil, permanent(fmt.Errorf("student %s is not in Ladok", uid))
		}
		return nil, err
	}
	return &studentData{uid: uid, given: st.Fornamn, family: st.Efternamn, pnr: st.Personnummer}, nil
}

// ensureUser makes sure the student has a Canvas user (sis_user_id and integration_id the
// Ladok StudentUID), creating it from src (or from Ladok when src is nil). created reports
// whether this call created it.
func (h *students) ensureUser(ctx context.Context, uid string, src *studentData) (created bool, err error) {
	if uid == "" {
		return false, permanent(errNoStudentUID)
	}
	if _, ok := h.facts.user(uid); ok {
		return false, nil
	}
	if src == nil {
		if src, err = h.fetchStudent(ctx, uid); err != nil {
			return false, err
		}
	}
	email := ""
	if h.mayWriteEmail(uid) {
		if src.emailKnown {
			email = src.email
		} else {
			k, err := h.ladok.GetKontaktuppgifter(ctx, uid)
			switch {
			case err == nil:
				email = k.Epostadress
			case errors.Is(err, ladok.ErrNotFound):
			default:
				return false, err
			}
		}
	}
	login := h.loginFor(uid, src.pnr)
	yes, no := true, false
	req := canvas.CreateUserRequest{
		User:      canvas.UserInput{Name: src.name(), ShortName: src.name(), SortableName: src.sortable(), SkipRegistration: &yes},
		Pseudonym: canvas.PseudonymInput{UniqueID: login, SisUserID: uid, IntegrationID: uid, SendConfirmation: &no},
	}
	if email != "" {
		req.CommunicationChannel = canvas.ChannelInput{Type: "email", Address: email, SkipConfirmation: &yes}
	}
	_, err = h.canvas.CreateUser(ctx, canvas.Self, req)
	if err == nil {
		f := userFact{Name: fingerprint(src.name()), Email: fingerprint(email), Login: loginOther, Fresh: true}
		if login == uid {
			f.Login = loginUID
		}
		if email != "" {
			f.Wrote = []string{f.Email}
		}
		h.facts.setUser(uid, f)
		h.log.Debug("ladokcanvas: user created", "student", uid)
		return true, nil
	}
	if !isTaken(err) {
		return false, err
	}
	// The user exists (made by an earlier run, or by someone else), or the login id belongs
	// to another user. What Canvas shows now is what the adapter knows of it.
	u, gerr := h.canvas.GetUser(ctx, canvas.SISUser(uid), nil)
	if gerr != nil {
		if errors.Is(gerr, canvas.ErrNotFound) {
			return false, permanent(fmt.Errorf("creating the Canvas user for student %s: its login id is in use by another user", uid))
		}
		return false, gerr
	}
	f := userFact{Name: fingerprint(u.Name), Email: fingerprint(u.Email)}
	if u.LoginID != "" {
		f.Login = loginOther
		if u.LoginID == uid {
			f.Login = loginUID
		}
	}
	h.facts.setUser(uid, f)
	return false, nil
}

// updateNames writes the student's names to an existing user when UpdateNameFromLadok is on
// and Canvas does not have them already.
func (h *students) updateNames(ctx context.Context, src *studentData) error {
	if !h.cfg.UpdateNameFromLadok || (strings.TrimSpace(src.given) == "" && strings.TrimSpace(src.family) == "") {
		return nil
	}
	want := fingerprint(src.name())
	if u, _ := h.facts.user(src.uid); u.Name == want {
		return nil
	}
	if _, err := h.canvas.UpdateUser(ctx, canvas.SISUser(src.uid), canvas.UserUpdate{Name: src.name(), ShortName: src.name(), SortableName: src.sortable()}); err != nil {
		return err
	}
	h.facts.changeUser(src.uid, func(u *userFact) { u.Name = want })
	return nil
}

// updateEmail writes a changed e-mail address when the configuration allows it.
func (h *students) updateEmail(ctx context.Context, uid, email string) error {
	if !h.mayWriteEmail(uid) || email == "" {
		return nil
	}
	want := fingerprint(email)
	if u, _ := h.facts.user(uid); u.Email == want {
		return nil
	}
	if _, err := h.canvas.UpdateUser(ctx, canvas.SISUser(uid), canvas.UserUpdate{Email: email}); err != nil {
		return err
	}
	h.facts.changeUser(uid, func(u *userFact) {
		u.Email = want
		if !slices.Contains(u.Wrote, want) {
			u.Wrote = append(u.Wrote, want)
		}
	})
	return nil
}

// setLogin makes want the unique id of the student's SIS login.
func (h *students) setLogin(ctx context.Context, uid, want string) error {
	kind := loginOther
	if want == uid {
		kind = loginUID
	}
	if u, ok := h.facts.user(uid); ok && kind == loginUID && u.Login == loginUID {
		return nil
	}
	var login *canvas.Login
	for l, err := range h.canvas.ListLogins(ctx, canvas.SISUser(uid)) {
		if err != nil {
			if errors.Is(err, canvas.ErrNotFound) {
				return nil // no such user: it gets the right login when it is created
			}
			return err
		}
		if l.SisUserID == uid || login == nil {
			login = &l
		}
	}
	if err := complete(ctx); err != nil {
		return err
	}
	if login == nil {
		return nil
	}
	if login.UniqueID != want {
		if _, err := h.canvas.UpdateLogin(ctx, canvas.Self, login.ID, canvas.LoginInput{UniqueID: want}); err != nil {
			return err
		}
	}
	h.facts.changeUser(uid, func(u *userFact) { u.Login = kind })
	return nil
}

// takeBackEmails deletes the e-mail channels of the student's Canvas user that the adapter
// wrote (or, when it does not know what it wrote, the one with the student's address in
// Ladok): a student whose personal data became protected keeps no address from Ladok in
// Canvas. Addresses the student added themselves are left.
func (h *students) takeBackEmails(ctx context.Context, uid string) error {
	u, known := h.facts.user(uid)
	wrote := map[string]bool{}
	for _, fp := range u.Wrote {
		wrote[fp] = true
	}
	if !known || u.Email != "" && !wrote[u.Email] {
		// Written before the adapter kept track, or by an earlier installation: the address
		// Ladok has is the one that came from there.
		k, err := h.ladok.GetKontaktuppgifter(ctx, uid)
		switch {
		case err == nil:
			wrote[fingerprint(k.Epostadress)] = true
		case errors.Is(err, ladok.ErrNotFound):
		default:
			return err
		}
	}
	if len(wrote) == 0 {
		return nil
	}
	removed := 0
	for ch, err := range h.canvas.ListCommunicationChannels(ctx, canvas.SISUser(uid)) {
		if err != nil {
			if errors.Is(err, canvas.ErrNotFound) {
				return nil // no such user: nothing to take back
			}
			return err
		}
		if !strings.EqualFold(ch.Type, "email") || !wrote[fingerprint(ch.Address)] {
			continue
		}
		if _, err := h.canvas.DeleteCommunicationChannel(ctx, canvas.SISUser(uid), ch.ID); err != nil && !errors.Is(err, canvas.ErrNotFound) {
			return err
		}
		removed++
	}
	if err := complete(ctx); err != nil {
		return err
	}
	h.facts.changeUser(uid, func(u *userFact) { u.Email, u.Wrote = "", nil })
	if removed > 0 {
		h.log.Info("ladokcanvas: e-mail addresses from Ladok removed from a student with protected personal data", "student", uid, "removed", removed)
	}
	return nil
}

func (h *students) onLokalStudent(ctx context.Context, e *ladok.LokalStudentEvent) error {
	src := &studentData{uid: e.StudentUID, given: e.Fornamn, family: e.Efternamn, pnr: e.Personnummer}
	created, err := h.ensureUser(ctx, e.StudentUID, src)
	if err != nil || created || e.Handelsetyp == ladok.HandelsetypBorttagen {
		return err
	}
	if err := h.updateNames(ctx, src); err != nil {
		return err
	}
	if h.cfg.UpdateSsnFromLadok && e.Handelsetyp == ladok.HandelsetypUppdaterad {
		if want := h.loginFor(e.StudentUID, e.Personnummer); want != e.StudentUID {
			return h.setLogin(ctx, e.StudentUID, want)
		}
	}
	return nil
}

func (h *students) onKontaktuppgifter(ctx context.Context, e *ladok.KontaktuppgifterEvent) error {
	if e.StudentUID == "" {
		return permanent(errNoStudentUID)
	}
	var src *studentData
	if _, ok := h.facts.user(e.StudentUID); !ok {
		s, err := h.fetchStudent(ctx, e.StudentUID)
		if err != nil {
			return err
		}
		s.email, s.emailKnown = e.Epostadress, e.Handelsetyp != ladok.HandelsetypBorttagen
		src = s
	}
	created, err := h.ensureUser(ctx, e.StudentUID, src)
	if err != nil || created || e.Handelsetyp == ladok.HandelsetypBorttagen {
		return err
	}
	return h.updateEmail(ctx, e.StudentUID, e.Epostadress)
}

func (h *students) onStudentTillLarosate(ctx context.Context, e *ladok.StudentTillLarosateEvent) error {
	_, err := h.ensureUser(ctx, e.StudentUID, &studentData{uid: e.StudentUID, given: e.Tilltalsnamn, family: e.Efternamn, pnr: e.Personnummer})
	return err
}

// onProtected records that a student's personal data is protected (or no longer is). From
// then on only name and Ladok UID are written for them, and what was written before that
// protected students may not have is taken back at once: a login id that is their personal
// number is replaced by the Ladok UID, and the e-mail addresses from Ladok are deleted.
func (h *students) onProtected(ctx context.Context, e *ladok.SkyddadePersonuppgifterEvent) error {
	if e.StudentUID == "" {
		return permanent(errNoStudentUID)
	}
	on := e.Handelsetyp != ladok.HandelsetypBorttagen
	if err := h.setBool(ctx, keyProtected, e.StudentUID, on, h.m.protected); err != nil {
		return err
	}
	if !on || h.cfg.WriteProtectedPersonalData {
		return nil
	}
	if u, ok := h.facts.user(e.StudentUID); !ok || u.Login != loginUID {
		if err := h.setLogin(ctx, e.StudentUID, e.StudentUID); err != nil {
			return err
		}
	}
	return h.takeBackEmails(ctx, e.StudentUID)
}
