// Command thesis-archive runs the thesis archive (package archive) through a term against
// fakes: FS, Inspera and WISEflow loaded with synth's Norwegian university (preset
// "university-no", scaled down), and a Noark 5 archive. It needs no flags and no credentials:
//
//	go run ./examples/thesis-archive
//
// The theses are collected as the receivers would hand them over (an Inspera
// submission_delivered event per test, a WISEflow thesis_concluded change per flow), the
// committees grade the rest on 1 July, and a fake clock moves a day at a time from 22 June to
// the end of September. It prints each thesis as it is archived (when, with which access code
// and why), and at the end what is still waiting and why. State is kept in an SQLite file and
// files are staged in a directory (both temporary unless -dir is given); -theses sets how many
// theses the term has.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/edusync/edusync/archive"
	"github.com/edusync/edusync/archive/noark5test"
	"github.com/edusync/edusync/fs/fstest"
	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperahook"
	"github.com/edusync/edusync/inspera/insperatest"
	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
	"github.com/edusync/edusync/synth"
	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowpoll"
	"github.com/edusync/edusync/wiseflow/wiseflowtest"
)

func main() {
	dir := flag.String("dir", "", "where to keep the SQLite file and the staged files (default: a temporary directory)")
	theses := flag.Int("theses", 40, "how many master's theses the term has")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *dir, *theses); err != nil {
		fmt.Fprintln(os.Stderr, "thesis-archive:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, dir string, theses int) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "thesis-archive-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	opts, err := synth.PresetOptions(synth.PresetUniversityNO)
	if err != nil {
		return err
	}
	opts.UniversityStudents, opts.UniversityStaff, opts.Departments = 600, 80, 6
	opts.CourseOfferings, opts.Programmes, opts.ProgrammeOfferings, opts.Registrations = 60, 4, 8, 3_000
	opts.ExamCandidates, opts.Theses, opts.FileScale = 800, theses, 0.02
	pop, err := synth.Generate(opts)
	if err != nil {
		return err
	}
	ix := synth.NewIndex(pop)
	clock := testclock.New(time.Date(2026, 6, 22, 9, 0, 0, 0, time.UTC))

	// The fakes.
	fsSrv := fstest.NewServer(fstest.WithClock(clock.Now))
	defer fsSrv.Close()
	fsSrv.LoadPopulation(pop, fstest.LoadOptions{RegisterGiven: true})
	insp := insperatest.NewServer(insperatest.WithClock(clock.Now))
	defer insp.Close()
	insp.LoadPopulation(pop, insperatest.LoadOptions{})
	// WISEflow's rate windows run on the fake's clock, which stands still within a day here:
	// the limits are lifted rather than wait for a minute that never passes.
	wf := wiseflowtest.NewServer(wiseflowtest.WithClock(clock.Now), wiseflowtest.WithRateLimits(1_000_000, 10_000_000))
	defer wf.Close()
	wf.LoadPopulation(pop, wiseflowtest.LoadOptions{})
	noark := noark5test.NewServer()
	defer noark.Close()

	// The clients, the sources and the flow, as a host would set them up.
	fc, err := fsSrv.Client()
	if err != nil {
		return err
	}
	ic, err := insp.Client()
	if err != nil {
		return err
	}
	wc, err := wf.Client()
	if err != nil {
		return err
	}
	nc, err := noark.Client()
	if err != nil {
		return err
	}
	inspSrc := &archive.InsperaSource{Client: ic, Covers: coverLookup(pop, ix)}
	wfSrc := &archive.WISEflowSource{Client: wc, Cover: archive.CoverElements{Title: wiseflowtest.CoverTitle,
		Publish: wiseflowtest.CoverPublish, Delay: wiseflowtest.CoverDelay, Confidential: wiseflowtest.CoverConfidential}}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "archive.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	flow, err := archive.New(archive.Config{Store: st, Scope: store.Scope{Flow: "thesis-archive", Tenant: "uit"}, FS: fc,
		Sources:  map[archive.System]archive.Source{archive.Inspera: inspSrc, archive.WISEflow: wfSrc},
		Stager:   archive.DirStager{Dir: filepath.Join(dir, "staging")},
		Archiver: &archive.NoarkArchiver{Client: nc, Series: noark5test.DefaultSeries, Now: clock.Now},
		Now:      clock.Now})
	if err != nil {
		return err
	}

	n, err := collect(ctx, pop, ix, flow, inspSrc, wfSrc)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: %d master's theses collected from Inspera and WISEflow\n", clock.Now().Format("2006-01-02"), n)

	graded := false
	seen := map[archive.Key]bool{}
	for end := time.Date(2026, 9, 30, 9, 0, 0, 0, time.UTC); !clock.Now().After(end); clock.Set(clock.Now().Add(24 * time.Hour)) {
		if !graded && !clock.Now().Before(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) {
			if err := gradeRest(pop, ix, insp, wf); err != nil {
				return err
			}
			graded = true
			fmt.Fprintf(out, "%s: the committees grade the theses still without a grade\n", clock.Now().Format("2006-01-02"))
		}
		for {
			k, err := flow.Step(ctx, 0)
			if err != nil {
				return err
			}
			if k == 0 {
				break
			}
		}
		sts, err := flow.Statuses(ctx)
		if err != nil {
			return err
		}
		for _, s := range sts {
			if s.State == archive.StateArchived && !seen[s.Key] {
				seen[s.Key] = true
				fmt.Fprintf(out, "%s: archived %-46s access %-4s %-12s (appeal deadline %s)\n", clock.Now().Format("2006-01-02"),
					s.Key, cmp.Or(s.Decision.Code, "-"), s.Decision.Rule, s.Deadlines.Appeal)
			}
		}
	}
	sts, err := flow.Statuses(ctx)
	if err != nil {
		return err
	}
	count := map[archive.Rule]int{}
	var waiting []archive.Status
	for _, s := range sts {
		if s.State == archive.StateArchived {
			count[s.Decision.Rule]++
		} else {
			waiting = append(waiting, s)
		}
	}
	fmt.Fprintf(out, "\n%d archived:", len(seen))
	for _, r := range []archive.Rule{archive.RuleOpen, archive.RuleConfidential, archive.RuleDelayed, archive.RuleFailed, archive.RuleUnclear, archive.RuleProtected} {
		fmt.Fprintf(out, " %d %s", count[r], r)
	}
	fmt.Fprintf(out, "\n%d not archived:\n", len(waiting))
	slices.SortFunc(waiting, func(a, b archive.Status) int { return strings.Compare(a.Reason, b.Reason) })
	for _, s := range waiting {
		fmt.Fprintf(out, "  %-46s %s: %s\n", s.Key, s.State, s.Reason)
	}
	var regs int
	for _, cf := range noark.Archive() {
		regs += len(cf.Registrations)
	}
	fmt.Fprintf(out, "the archive holds %d case files with %d registrations\n", len(noark.Archive()), regs)
	return nil
}

// coverLookup is the host's cover-sheet lookup for Inspera, which holds none in its API: here
// synth's answers, where an institution would read its own form system.
func coverLookup(pop *synth.Population, ix *synth.Index) func(context.Context, archive.Key) (archive.CoverSheet, error) {
	return func(_ context.Context, k archive.Key) (archive.CoverSheet, error) {
		for i := range pop.Theses {
			th := &pop.Theses[i]
			c, _ := ix.Candidate(th.Candidate)
			u, _ := ix.ExamUnit(c.ExamUnit)
			if u.VurdID == k.Exam && c.CandidateNo == k.Candidate {
				cv := th.Cover
				return archive.CoverSheet{Present: true, Title: cv.Title, Publish: archive.ParseAnswer(cv.Publish.String()),
					Delay: archive.Delay(cv.Delay.String()), Confidential: archive.ParseAnswer(cv.Confidential.String())}, nil
			}
		}
		return archive.CoverSheet{}, nil
	}
}

// collect hands the term's theses to the flow as insperahook's and wiseflowpoll's consumers
// would.
func collect(ctx context.Context, pop *synth.Population, ix *synth.Index, flow *archive.Flow, inspSrc *archive.InsperaSource, wfSrc *archive.WISEflowSource) (int, error) {
	n := 0
	seen := map[int64]bool{}
	for i := range pop.Theses {
		c, _ := ix.Candidate(pop.Theses[i].Candidate)
		u, _ := ix.ExamUnit(c.ExamUnit)
		if seen[u.SystemID] {
			continue
		}
		seen[u.SystemID] = true
		var theses []archive.Thesis
		var err error
		if u.System == synth.Inspera {
			theses, err = inspSrc.Theses(ctx, insperahook.Event{Name: inspera.EventSubmissionDelivered,
				ContextObjectID: inspera.ID(u.SystemID).String(), ContextObjectType: "ASSESSMENT_RUN"})
		} else {
			ch := wiseflowpoll.Change{Kind: wiseflowpoll.KindThesisConcluded, FlowID: u.SystemID,
				Flow: wiseflowpoll.FlowInfo{Purpose: wiseflow.FlowPurposeMaster}}
			for s, err := range wfSrc.Client.ListSubmissions(ctx, u.SystemID) {
				if err != nil {
					return n, err
				}
				ch.Submissions = append(ch.Submissions, wiseflowpoll.Submission{ID: s.ID, HandedIn: s.Status.HandedIn})
			}
			theses, _, err = wfSrc.Theses(ctx, ch)
		}
		if err != nil {
			return n, err
		}
		for _, th := range theses {
			if err := flow.Collect(ctx, th); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// gradeRest has the committees grade every thesis still without a grade.
func gradeRest(pop *synth.Population, ix *synth.Index, insp *insperatest.Server, wf *wiseflowtest.Server) error {
	confirm := map[inspera.ID]bool{}
	for i := range pop.Theses {
		c, _ := ix.Candidate(pop.Theses[i].Candidate)
		if c.Grade != synth.NoGrade {
			continue
		}
		u, _ := ix.ExamUnit(c.ExamUnit)
		var err error
		if u.System == synth.Inspera {
			err = insp.GradeCandidate(inspera.ID(u.SystemID), c.CandidateNo, "C")
			confirm[inspera.ID(u.SystemID)] = true
		} else {
			err = wf.GradeParticipant(u.SystemID, c.SystemID, "C")
		}
		if err != nil {
			return err
		}
	}
	for id := range confirm {
		if err := insp.ConfirmFinalGrades(id); err != nil {
			return err
		}
	}
	return nil
}
