package insperahook_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperahook"
	"github.com/edusync/edusync/inspera/insperatest"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/synth"
)

// tenant is a fake Inspera with one graded exam, a writing integration user (the default key)
// and a listening user.
func tenant(t *testing.T, opts ...insperatest.Option) (*insperatest.Server, *inspera.Client, *inspera.Client) {
	t.Helper()
	srv := insperatest.NewServer(append([]insperatest.Option{insperatest.WithWebhookRetries(time.Millisecond, time.Millisecond, time.Millisecond)}, opts...)...)
	t.Cleanup(srv.Close)
	graded := time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	srv.AddTest(insperatest.TestData{ID: 1001, Title: "INF1000", ExternalID: "999_INF1000_1_SKR_2026_VÅR",
		Committees: []insperatest.CommitteeData{{ID: 11, Name: "Kommisjon 1", Examiners: []inspera.ID{500}},
			{ID: 12, Name: "Klagekommisjon", Type: inspera.Reassessment, Examiners: []inspera.ID{501}}},
		Candidates: []insperatest.CandidateData{{UserID: 201, CandidateID: "101", Grade: "C", Graded: graded},
			{UserID: 202, CandidateID: "102", Grade: "D", Graded: graded}},
		ExplanationAdministration: true})
	writer, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	srv.AddAPIUser("listener", "listener-key")
	listener, err := srv.ClientAs("listener-key")
	if err != nil {
		t.Fatal(err)
	}
	return srv, writer, listener
}

// The fake's events reach the queue through Subscribe and the Handler, each once although the
// fake delivers every one of them twice.
func TestEventsFromInsperaReachTheQueueOnce(t *testing.T) {
	srv, writer, listener := tenant(t, insperatest.WithRepeatedDeliveries(1, 3))
	st := store.NewMemory()
	h, err := insperahook.NewHandler(insperahook.Config{Store: st, Scope: scope, Secrets: []insperahook.Secret{{Name: "flows", Value: secret}}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	recv := httptest.NewServer(h)
	defer recv.Close()
	ctx := context.Background()
	res, err := insperahook.Subscribe(ctx, insperahook.SubscribeConfig{Client: listener, Writer: writer,
		URL: recv.URL + "/inspera", Secret: insperahook.Secret{Name: "flows", Value: secret}})
	if err != nil || res.Created != len(insperahook.FlowEvents) || len(res.Warnings) != 0 {
		t.Fatalf("subscribe: %+v %v", res, err)
	}
	again, err := insperahook.Subscribe(ctx, insperahook.SubscribeConfig{Client: listener, URL: recv.URL + "/inspera",
		Secret: insperahook.Secret{Value: secret}})
	if err != nil || again.Created != 0 || len(again.Subscriptions) != len(insperahook.FlowEvents) {
		t.Errorf("subscribing again: %+v %v", again, err)
	}

	// The tenant moves on: grades confirmed, an explanation published, an appeal graded.
	if err := srv.ConfirmFinalGrades(1001); err != nil {
		t.Fatal(err)
	}
	if _, err := writer.RequestExplanations(ctx, inspera.TestID(1001), "101"); err != nil {
		t.Fatal(err)
	}
	srv.GiveExplanation(1001, "101", "Begrunnelse.", synth.File{})
	srv.PublishExplanation(1001, "101")
	if _, err := writer.RegisterAppeals(ctx, inspera.TestID(1001), "102"); err != nil {
		t.Fatal(err)
	}
	if err := srv.ConcludeAppeal(1001, "102", "C"); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitDeliveries(ctx); err != nil {
		t.Fatal(err)
	}
	var got []string
	w := store.Worker{Store: st, Scope: scope, Handle: insperahook.EventHandler(func(ctx context.Context, ev insperahook.Event) error {
		got = append(got, ev.Name+" "+ev.TestID().String()+" "+ev.UserID().String())
		return nil
	})}
	if _, err := w.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	// Each once; the fake, like Inspera, delivers concurrently, so the order across events is
	// not Inspera's to keep.
	slices.Sort(got)
	want := "appeal_graded 1001 202|confirm_final_grades 1001 0|explanation_published 1001 201"
	if strings.Join(got, "|") != want {
		t.Errorf("handled %q, want %q", strings.Join(got, "|"), want)
	}
	if s := h.Stats(); s.Accepted != 3 || s.Duplicates != 3 || s.Validations != int64(len(insperahook.FlowEvents)) {
		t.Errorf("stats %+v", s)
	}
}

func TestSubscribeWarnsWhenTheSubscriberWrites(t *testing.T) {
	_, writer, _ := tenant(t)
	h, _ := insperahook.NewHandler(insperahook.Config{Store: store.NewMemory(), Scope: scope, Secrets: []insperahook.Secret{{Value: secret}}})
	defer h.Close()
	recv := httptest.NewServer(h)
	defer recv.Close()
	var logs bytes.Buffer
	res, err := insperahook.Subscribe(context.Background(), insperahook.SubscribeConfig{Client: writer, Writer: writer,
		URL: recv.URL, Events: []string{inspera.EventAppealGraded}, Secret: insperahook.Secret{Value: secret},
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil || len(res.Warnings) != 1 || !strings.Contains(logs.String(), "no events about a user's own actions") {
		t.Errorf("%+v %v; log %s", res, err, logs.String())
	}
	if strings.Contains(logs.String(), secret) {
		t.Error("the secret is in the log")
	}
}
