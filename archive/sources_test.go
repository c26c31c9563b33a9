package archive_test

import (
	"context"
	"testing"

	"github.com/edusync/edusync/archive"
	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperahook"
	"github.com/edusync/edusync/synth"
	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowpoll"
)

func TestSourcesTakeOnlyMastersTheses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	var ordinaryTest, ordinaryFlow, masterTest int64
	for i := range e.pop.ExamUnits {
		u := &e.pop.ExamUnits[i]
		switch {
		case u.System == synth.Inspera && u.Purpose == synth.PurposeMaster:
			masterTest = u.SystemID
		case u.System == synth.Inspera && ordinaryTest == 0:
			ordinaryTest = u.SystemID
		case u.System != synth.Inspera && u.Purpose != synth.PurposeMaster && ordinaryFlow == 0:
			ordinaryFlow = u.SystemID
		}
	}
	if ordinaryTest == 0 || ordinaryFlow == 0 || masterTest == 0 {
		t.Fatal("the population lacks an ordinary test, an ordinary flow or a thesis test")
	}
	ev := func(name string, test int64) insperahook.Event {
		return insperahook.Event{Name: name, ContextObjectID: inspera.ID(test).String(), ContextObjectType: "ASSESSMENT_RUN"}
	}
	for _, c := range []struct {
		name string
		ev   insperahook.Event
		want bool
	}{
		{"an ordinary exam", ev(inspera.EventSubmissionDelivered, ordinaryTest), false},
		{"an event that is not a delivery or grade", ev(inspera.EventExplanationPublished, masterTest), false},
		{"a thesis delivered", ev(inspera.EventSubmissionDelivered, masterTest), true},
		{"grades confirmed", ev(inspera.EventConfirmFinalGrades, masterTest), true},
	} {
		got, err := e.inspSrc.Theses(ctx, c.ev)
		if err != nil || (len(got) > 0) != c.want {
			t.Errorf("%s: %d theses, %v", c.name, len(got), err)
		}
		for _, th := range got {
			if th.Key.System != archive.Inspera || len(th.Files) == 0 || th.Source.TestID != masterTest {
				t.Errorf("%s: %+v", c.name, th)
			}
		}
	}
	got, _, err := e.wfSrc.Theses(ctx, wiseflowpoll.Change{Kind: wiseflowpoll.KindThesisConcluded, FlowID: ordinaryFlow,
		Flow: wiseflowpoll.FlowInfo{Purpose: wiseflow.FlowPurposeExamination}, Submissions: []wiseflowpoll.Submission{{ID: 1, HandedIn: true}}})
	if err != nil || len(got) != 0 {
		t.Errorf("an ordinary flow gave %d theses, %v", len(got), err)
	}
}
