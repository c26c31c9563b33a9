package archive

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fsrules"
	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/notify"
	"github.com/edusync/edusync/store"
)

// stepError is a failed step of one thesis: which step, and why.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

func fail(step string, err error) error { return &stepError{step, err} }

// process looks at the thesis of timer t: reads it again, checks its deadlines and, when they
// have passed, stages and delivers it; an archived thesis is checked for late appeals. A failed
// step is recorded as an attempt (and dead-lettered after MaxAttempts); only a store failure is
// returned.
func (f *Flow) process(ctx context.Context, t store.Timer, l store.Lease) error {
	var rec record
	err := f.cfg.Store.View(ctx, f.cfg.Scope, func(tx store.Tx) error {
		var err error
		rec, err = store.Get[record](tx, "thesis/"+t.ID[len("check/"):])
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return f.fire(ctx, l, t.ID)
	}
	if err != nil {
		return err
	}
	if rec.Status.State == StateDead {
		return f.fire(ctx, l, t.ID)
	}
	before := rec.Status.State + "/" + State(rec.Status.Reason)
	next, perr := f.advance(ctx, &rec)
	var se *stepError
	if perr != nil && !errors.As(perr, &se) {
		return perr
	}
	now := f.cfg.Now()
	var alert *notify.Alert
	err = store.UpdateFenced(ctx, f.cfg.Store, f.cfg.Scope, l, func(tx store.Tx) error {
		alert = nil
		// The timer may have been moved (Recheck) while this ran: then it stays for the next
		// Step, which sees the news.
		cur, err := tx.Timer(t.ID)
		moved := err == nil && !cur.Scheduled.Equal(t.Scheduled)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		rec.Status.Updated = now
		if se != nil {
			a, err := tx.RecordAttempt(store.Failure{Item: rec.Thesis.Key.String(), Err: se, Max: f.cfg.MaxAttempts,
				NextTry: now.Add(f.backoff(rec.Status.Attempts + 1)), Permanent: store.IsPermanent(se.err) || errors.Is(se.err, ErrInvalidThesis)})
			if err != nil {
				return err
			}
			rec.Status.Attempts, rec.Status.LastError = a.Count, a.LastError
			if a.Dead {
				rec.Status.State, rec.Status.Reason, rec.Status.Next = StateDead, "dead letter after "+se.step+": "+a.LastError, time.Time{}
				alert = f.alert(&rec, se.step, a)
			} else {
				if rec.Status.State != StateArchived {
					rec.Status.State = StateRetrying
				}
				rec.Status.Reason, next = "retrying "+se.step+" after: "+a.LastError, a.NextTry
			}
			if err := f.audit(tx, rec.Thesis.Key, se.step, "failed: "+a.LastError); err != nil {
				return err
			}
		} else {
			if rec.Status.Attempts > 0 {
				rec.Status.Attempts, rec.Status.LastError = 0, ""
				if err := tx.ClearAttempts(rec.Thesis.Key.String()); err != nil {
					return err
				}
			}
			if after := rec.Status.State + "/" + State(rec.Status.Reason); after != before {
				if err := f.audit(tx, rec.Thesis.Key, string(rec.Status.State), rec.Status.Reason); err != nil {
					return err
				}
			}
		}
		rec.Status.Next = next
		if moved {
			rec.Status.Next = cur.At
		}
		if err := store.Put(tx, thesisKey(rec.Thesis.Key), rec); err != nil {
			return err
		}
		if moved {
			return nil
		}
		if err := tx.Fire(t.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if !next.IsZero() {
			return tx.Schedule(t.ID, next, nil)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if alert != nil && f.cfg.Alerts != nil {
		if err := f.cfg.Alerts.Notify(ctx, *alert); err != nil {
			f.log.Warn("archive: alert not sent", "thesis", rec.Thesis.Key.String(), "err", redact.Text(err.Error()))
		}
	}
	return nil
}

func (f *Flow) fire(ctx context.Context, l store.Lease, id string) error {
	return store.UpdateFenced(ctx, f.cfg.Store, f.cfg.Scope, l, func(tx store.Tx) error {
		if err := tx.Fire(id); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	})
}

func (f *Flow) backoff(attempt int) time.Duration {
	d := f.cfg.Backoff
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// advance moves rec on as far as it can now and returns when to look again (zero: not on a
// timer). A failed step is a *stepError; rec then holds what was done before it.
func (f *Flow) advance(ctx context.Context, rec *record) (time.Time, error) {
	now := f.cfg.Now()
	src := f.cfg.Sources[rec.Thesis.Key.System]
	if src == nil {
		return time.Time{}, fail("refresh", fmt.Errorf("%w: no source for %s", ErrInvalidThesis, rec.Thesis.Key.System))
	}
	if rec.Status.State == StateArchived {
		return f.lateAppeals(ctx, rec, src)
	}
	th, err := src.Refresh(ctx, &rec.Thesis)
	if err != nil {
		return time.Time{}, fail("refresh", err)
	}
	rec.Thesis = *th
	v, err := f.evaluate(ctx, th)
	if err != nil {
		return time.Time{}, fail("deadlines", err)
	}
	rec.Status.Deadlines = v.deadlines
	if !v.due {
		rec.Status.State, rec.Status.Reason = StateWaiting, v.reason
		f.log.Debug("archive: waiting", "thesis", th.Key.String(), "reason", v.reason)
		return v.next, nil
	}
	d, err := f.decide(ctx, th, v)
	if err != nil {
		return time.Time{}, fail("decide", err)
	}
	rec.Status.Decision = &d
	records, err := f.mapThesis(th, d)
	if err != nil {
		return time.Time{}, fail("map", err)
	}
	if err := f.stage(ctx, src, rec); err != nil {
		return time.Time{}, fail("stage", err)
	}
	man := f.manifest(rec)
	if err := f.cfg.Stager.PutManifest(ctx, man); err != nil {
		return time.Time{}, fail("stage", err)
	}
	// The last guard: nothing is delivered before its deadlines, whatever came before.
	if now.Before(v.deadlines.Ends) {
		return v.deadlines.Ends, nil
	}
	receipt, err := f.cfg.Archiver.Deliver(ctx, &Delivery{Records: records, Files: rec.Status.Staged, Open: f.cfg.Stager.Open})
	if err != nil {
		return time.Time{}, fail("deliver", err)
	}
	if receipt.Archived.IsZero() {
		receipt.Archived = now
	}
	rec.Status.State, rec.Status.Reason, rec.Status.Receipt = StateArchived, "archived", &receipt
	rec.Status.KnownAppeals = v.appeals
	man.Receipt = &receipt
	if err := f.cfg.Stager.PutManifest(ctx, man); err != nil {
		f.log.Warn("archive: manifest not updated with the receipt", "thesis", th.Key.String(), "err", redact.Text(err.Error()))
	}
	f.log.Info("archive: archived", "thesis", th.Key.String(), "access", string(d.Rule), "registration", receipt.Registration)
	return now.Add(7 * f.cfg.Recheck), nil
}

func (f *Flow) decide(ctx context.Context, th *Thesis, v verdict) (Decision, error) {
	protected := th.Protected
	if f.cfg.Protected != nil {
		p, err := f.cfg.Protected(ctx, th)
		if err != nil {
			p = true // fail closed: restricted, name hidden
			f.log.Warn("archive: protected-identity lookup failed; restricting", "thesis", th.Key.String())
		}
		protected = protected || p
	}
	th.Protected = protected
	ann, _ := fsrules.ParseDate(v.deadlines.Announced)
	return f.policy.Decide(AccessInput{Cover: th.Cover, Grade: th.Grade, Protected: protected, Announced: ann}), nil
}

func (f *Flow) mapThesis(th *Thesis, d Decision) (*Records, error) {
	t := *th
	if f.cfg.ShowProtectedNames {
		t.Protected = false
		r, err := f.mapping.Map(&t, d)
		if err != nil || !th.Protected {
			return r, err
		}
		// Public titles never show a protected author.
		p, err := f.mapping.Map(th, d)
		if err != nil {
			return nil, err
		}
		r.CaseFilePublicTitle, r.RegistrationPublicTitle = p.CaseFilePublicTitle, p.RegistrationPublicTitle
		return r, nil
	}
	return f.mapping.Map(&t, d)
}

// stage stages the files not staged yet.
func (f *Flow) stage(ctx context.Context, src Source, rec *record) error {
	var staged []StagedFile
	for _, file := range rec.Thesis.Files {
		if i := slices.IndexFunc(rec.Status.Staged, func(s StagedFile) bool { return s.Name == file.Name && s.Size == file.Size }); i >= 0 {
			staged = append(staged, rec.Status.Staged[i])
			continue
		}
		r, err := src.Open(ctx, &rec.Thesis, file)
		if err != nil {
			return err
		}
		s, err := f.cfg.Stager.Stage(ctx, file, r)
		_ = r.Close()
		if err != nil {
			return err
		}
		staged = append(staged, s)
	}
	rec.Status.Staged = staged
	return nil
}

func (f *Flow) manifest(rec *record) *Manifest {
	m := &Manifest{Key: rec.Thesis.Key, Source: rec.Thesis.Source, Grade: rec.Thesis.Grade, Deadlines: rec.Status.Deadlines,
		Files: rec.Status.Staged, Receipt: rec.Status.Receipt, Appeals: rec.Status.Appeals, Updated: f.cfg.Now()}
	if rec.Status.Decision != nil {
		m.Decision = *rec.Status.Decision
	}
	return m
}

type verdict struct {
	due       bool
	reason    string
	next      time.Time
	deadlines Deadlines
	appeals   []string // the keys of the candidate's appeals FS holds
}

// evaluate decides whether th may be archived now (see the package documentation).
func (f *Flow) evaluate(ctx context.Context, th *Thesis) (verdict, error) {
	now := f.cfg.Now()
	wait := func(reason string, next time.Time, d Deadlines) (verdict, error) {
		return verdict{reason: reason, next: next, deadlines: d}, nil
	}
	later := now.Add(f.cfg.Recheck)
	if OutcomeOf(th.Grade) == Unknown && th.Grade == "" {
		return wait("no final grade yet", later, Deadlines{})
	}
	exam, err := fs.ParseVurdID(th.Key.Exam)
	if err != nil {
		return verdict{}, errors.Join(ErrInvalidThesis, err)
	}
	sys := th.Key.System.fsSystem()
	ann, err := f.cfg.FS.Announcement(ctx, fs.AnnouncementQuery{System: sys, Exam: exam, Candidate: fs.Number(th.Key.Candidate), Published: th.Graded})
	if errors.Is(err, fs.ErrNoAnnouncement) {
		return wait("the result is not announced yet", later, Deadlines{})
	}
	if err != nil {
		return verdict{}, err
	}
	reqs, err := f.cfg.FS.GetExamExplanationRequests(ctx, sys, exam)
	if err != nil {
		return verdict{}, err
	}
	apps, err := f.cfg.FS.GetExamAppeals(ctx, sys, exam)
	if err != nil {
		return verdict{}, err
	}
	if unreadable(reqs.RecordErrors, th.Key.Candidate) || unreadable(apps.RecordErrors, th.Key.Candidate) {
		return wait("FS answered records it could not read that may be the candidate's", later, Deadlines{})
	}
	var requested, given fsrules.Date
	for _, r := range reqs.Items {
		if string(r.Kandidatnr) == th.Key.Candidate && r.DatoKlageMottat.After(requested) {
			requested, given = r.DatoKlageMottat, r.DatoBegrunnelseGitt
		}
	}
	dl, err := fsrules.Compute(ann.Case(requested, given))
	if err != nil {
		return wait("FS's dates do not fit together: "+err.Error(), later, Deadlines{Announced: ann.Day.String()})
	}
	d := Deadlines{Announced: ann.Day.String(), Source: ann.Source.String(), Explanation: dl.Explanation.String(),
		Appeal: dl.Appeal.String(), Rule: dl.Rule.String()}
	var open []string
	var keys []string
	for _, a := range apps.Items {
		if string(a.Kandidatnr) != th.Key.Candidate {
			continue
		}
		keys = append(keys, appealKey(th.Key, a))
		if a.Klagestatus != fs.AppealDecided && a.Klagestatus != fs.AppealWithdrawn {
			open = append(open, a.DatoKlageMottat.String())
		}
	}
	if dl.Rule == fsrules.RulePending {
		return wait("an explanation was requested on "+requested.String()+" and is not given yet", later, d)
	}
	d.Ends = dl.ExplanationEnd()
	if e := dl.AppealEnd(); e.After(d.Ends) {
		d.Ends = e
	}
	if now.Before(d.Ends) {
		return wait("the appeal period ends with "+dl.Appeal.String(), d.Ends, d)
	}
	if len(open) > 0 {
		return wait("an appeal received "+open[0]+" is not decided", later, d)
	}
	return verdict{due: true, reason: "deadlines passed", deadlines: d, appeals: keys}, nil
}

func appealKey(k Key, a fs.Appeal) string { return k.String() + "/klage/" + a.DatoKlageMottat.String() }

// unreadable reports whether a record FS could not read may belong to candidate.
func unreadable(errs []*fs.RecordError, candidate string) bool {
	for _, e := range errs {
		if e.ID == "" || e.ID == candidate {
			return true
		}
	}
	return false
}

// lateAppeals adds the outcome of each appeal FS recorded after delivery, once decided; the
// exam system is read again (for the reassessment's grade) only then.
func (f *Flow) lateAppeals(ctx context.Context, rec *record, src Source) (time.Time, error) {
	now := f.cfg.Now()
	th := &rec.Thesis
	refreshed := false
	exam, err := fs.ParseVurdID(th.Key.Exam)
	if err != nil {
		return time.Time{}, fail("appeals", errors.Join(ErrInvalidThesis, err))
	}
	apps, err := f.cfg.FS.GetExamAppeals(ctx, th.Key.System.fsSystem(), exam)
	if err != nil {
		return time.Time{}, fail("appeals", err)
	}
	pending := false
	for _, a := range apps.Items {
		key := appealKey(th.Key, a)
		if string(a.Kandidatnr) != th.Key.Candidate || slices.Contains(rec.Status.KnownAppeals, key) ||
			slices.ContainsFunc(rec.Status.Appeals, func(x Appeal) bool { return x.Key == key && x.Receipt != nil }) {
			continue
		}
		switch a.Klagestatus {
		case fs.AppealWithdrawn:
			continue
		case fs.AppealDecided:
		default:
			pending = true
			continue
		}
		prev := rec.Thesis.Grade
		if !refreshed {
			if th, err = src.Refresh(ctx, &rec.Thesis); err != nil {
				return time.Time{}, fail("refresh", err)
			}
			refreshed = true
		}
		t := *th
		d := Decision{Restricted: true, Rule: RuleUnclear, Code: f.policy.Unclear.Code, LegalBasis: f.policy.Unclear.LegalBasis}
		if rec.Status.Decision != nil {
			d = *rec.Status.Decision
		}
		records, err := f.mapping.appealRecords(&t, d, key, prev)
		if err != nil {
			return time.Time{}, fail("appeals", err)
		}
		receipt, err := f.cfg.Archiver.Deliver(ctx, &Delivery{Records: records})
		if err != nil {
			return time.Time{}, fail("deliver-appeal", err)
		}
		rec.Status.Appeals = append(rec.Status.Appeals, Appeal{Key: key, Received: a.DatoKlageMottat.String(), Status: string(a.Klagestatus),
			PreviousGrade: prev, NewGrade: th.Grade, Receipt: &receipt})
		rec.Thesis.Grade = th.Grade
		rec.Status.Reason = "archived; a late appeal's outcome was added"
		if err := f.cfg.Stager.PutManifest(ctx, f.manifest(rec)); err != nil {
			f.log.Warn("archive: manifest not updated", "thesis", th.Key.String(), "err", redact.Text(err.Error()))
		}
	}
	if pending {
		rec.Status.Reason = "archived; a late appeal is waiting for its outcome"
		return now.Add(f.cfg.Recheck), nil
	}
	if rec.Status.Receipt != nil && now.Sub(rec.Status.Receipt.Archived) < f.cfg.Watch {
		return now.Add(7 * f.cfg.Recheck), nil
	}
	return time.Time{}, nil
}

// alert is the alert of a dead letter: the fields Sikt's integration sends (module and step,
// the institution, the exam system, the vurdId and FS's examId, the dates read from FS, the
// files to archive). The author's name and user name are listed as personal, so that notify
// masks them wherever an error text quotes them.
func (f *Flow) alert(rec *record, step string, a store.Attempt) *notify.Alert {
	k := rec.Thesis.Key
	exam, _ := fs.ParseVurdID(k.Exam)
	var files []string
	for _, file := range rec.Thesis.Files {
		files = append(files, file.Name)
	}
	d := rec.Status.Deadlines
	al := &notify.Alert{Module: "archive", Submodule: step, Kind: "archive-" + step, OrgID: f.cfg.OrgID,
		OrgShortName: f.cfg.Scope.Tenant, ExamSystem: string(k.System.fsSystem()), VurdID: k.Exam,
		Message: "gave up after " + strconv.Itoa(a.Count) + " attempts: " + a.LastError, Time: f.cfg.Now(),
		Fields: []notify.Field{{Name: "decodedFsTestId", Value: exam.ExamID()}, {Name: "kandidatnr", Value: k.Candidate},
			{Name: "filesToArchive", Value: strings.Join(files, ", ")}, {Name: "announced", Value: d.Announced},
			{Name: "explanationDeadline", Value: d.Explanation}, {Name: "appealDeadline", Value: d.Appeal}},
		Personal: slices.DeleteFunc([]string{rec.Thesis.Author, rec.Thesis.Username}, func(s string) bool { return s == "" })}
	if day, err := fsrules.ParseDate(d.Announced); err == nil {
		al.FetchDates = []time.Time{day.Start()}
	}
	return al
}
