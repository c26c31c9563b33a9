package stream_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/inspera/insperahook"
	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladokfeed"
	"github.com/edusync/edusync/ladok/ladoktest"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/stream"
)

// TestLadokFeedThroughKafkaKeepsEachStudentsOrder: the feed reader publishes the Ladok fake's
// feed keyed by student; two consumer instances share it, and every event is handed to the
// adapter's side once, each student's in the feed's order.
func TestLadokFeedThroughKafkaKeepsEachStudentsOrder(t *testing.T) {
	brokers := clusterOf(t, 4, "ladok-events")

	lad := ladoktest.NewServer(ladoktest.WithEntriesPerPage(50))
	defer lad.Close()
	events := ladoktest.Mix(11, 400)
	lad.Append(events...)
	lc, err := lad.Client()
	if err != nil {
		t.Fatal(err)
	}
	p, err := stream.NewProducer(stream.ProducerConfig{Brokers: brokers, Topic: "ladok-events"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	st := store.NewMemory()
	defer st.Close()
	reader, err := ladokfeed.NewReader(lc, ladokfeed.NewStoreState(st), ladokfeed.PublishHandler(p))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reader.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}

	// What the feed says each student's order is.
	want := map[string][]string{}
	for _, ev := range events {
		e := &ladok.Entry{Event: ev}
		want[ladokfeed.StudentUID(e)] = append(want[ladokfeed.StudentUID(e)], ev.EventHeader().HandelseUID)
	}
	var mu sync.Mutex
	got := map[string][]string{}
	handle := ladokfeed.EventHandler(func(_ context.Context, ev ladok.Event) error {
		mu.Lock()
		defer mu.Unlock()
		s := ladokfeed.StudentUID(&ladok.Entry{Event: ev})
		got[s] = append(got[s], ev.EventHeader().HandelseUID)
		return nil
	})
	stop := run(t, brokers, stream.ConsumerConfig{Brokers: brokers, Topics: []string{"ladok-events"}, Group: "ladokcanvas",
		Store: st, Scope: store.Scope{Flow: "ladokcanvas", Tenant: "uu"}, Handle: handle, Options: quick()}, 2)
	cs := stop()
	if len(want) < 5 {
		t.Fatalf("the feed names %d students; the test needs several", len(want))
	}
	if diff := cmp.Diff(want[""], got[""]); diff != "" {
		t.Errorf("events about no student (-feed +handled):\n%s", diff)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("handled events per student differ from the feed's (-feed +handled):\n%s", diff)
	}
	for i, c := range cs {
		if c.Stats().Dead != 0 {
			t.Errorf("instance %d dead-lettered %d", i, c.Stats().Dead)
		}
	}
}

// TestInsperaReceiverPublishesToKafka: Inspera's deliveries go through the receiver into a
// topic, and a consumer with the receiver's EventHandler gets each event once, the repeated
// delivery kept out by its key.
func TestInsperaReceiverPublishesToKafka(t *testing.T) {
	brokers := clusterOf(t, 2, "inspera-events")
	p, err := stream.NewProducer(stream.ProducerConfig{Brokers: brokers, Topic: "inspera-events"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const secret = "s3cret"
	h, err := insperahook.NewHandler(insperahook.Config{Publisher: p, Secrets: []insperahook.Secret{{Value: secret}}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	body := func(event string, candidate int) string {
		return fmt.Sprintf(`{"eventName":%q,"contextObjectId":351,"contextObjectType":"ASSESSMENT_RUN","associatedObjectId":%d,"associatedObjectType":"USER","timestamp":"2026-06-20T10:15:00Z"}`, event, candidate)
	}
	for _, b := range []string{body("submission_delivered", 7), body("submission_delivered", 8), body("submission_delivered", 7)} {
		r := httptest.NewRequest(http.MethodPost, "/inspera", strings.NewReader(b))
		r.Header.Set(insperahook.SignatureHeader, insperahook.Sign(secret, []byte(b)))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("delivery answered %d", w.Code)
		}
	}
	st := store.NewMemory()
	defer st.Close()
	var mu sync.Mutex
	var got []string
	stop := run(t, brokers, stream.ConsumerConfig{Brokers: brokers, Topics: []string{"inspera-events"}, Group: "archive",
		Store: st, Scope: store.Scope{Flow: "archive", Tenant: "uib"}, Options: quick(),
		Handle: insperahook.EventHandler(func(_ context.Context, ev insperahook.Event) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, ev.Name+" "+ev.AssociatedObjectID)
			return nil
		})}, 1)
	cs := stop()
	if len(got) != 2 || cs[0].Stats().Duplicates != 1 {
		t.Errorf("handled %v with %d duplicates, want the two events once and one duplicate", got, cs[0].Stats().Duplicates)
	}
}
