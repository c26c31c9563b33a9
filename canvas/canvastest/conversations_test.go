package canvastest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/canvas"
)

// post sends a conversation request to s and returns the status and the body.
func post(t *testing.T, s *Server, contentType, body string) (int, []byte) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "http://x"+BasePath+"/conversations", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.Token())
	req.Header.Set("Content-Type", contentType)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

func postJSON(t *testing.T, s *Server, v any) (int, []canvas.Conversation, []byte) {
	t.Helper()
	b, _ := json.Marshal(v)
	code, body := post(t, s, "application/json", string(b))
	var out []canvas.Conversation
	if code == http.StatusCreated {
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatalf("201 with %q: %v", body, err)
		}
	}
	return code, out, body
}

func ids(v ...int64) []string {
	var out []string
	for _, id := range v {
		out = append(out, strconv.FormatInt(id, 10))
	}
	return out
}

// Private conversations are one per recipient and reused for the next message to the same
// person; force_new starts new ones; a group conversation holds everybody. Every message is
// kept, in order, and answered as Canvas answers it.
func TestConversationsSemantics(t *testing.T) {
	s := NewHandler()
	defer s.Close()
	u := s.SeedUsers("u", 3)
	admin := s.st.admin

	code, got, body := postJSON(t, s, canvas.ConversationRequest{Recipients: ids(u[0]), Subject: "Första", Body: "Hej!"})
	if code != http.StatusCreated || len(got) != 1 {
		t.Fatalf("%d %s", code, body)
	}
	first := got[0]
	if !first.Private || first.Subject != "Första" || first.MessageCount != 1 || !slices.Equal(first.Audience, []int64{u[0]}) ||
		len(first.Participants) != 2 || len(first.Messages) != 1 || first.Messages[0].Body != "Hej!" || first.Messages[0].AuthorID != admin {
		t.Fatalf("first conversation %+v", first)
	}
	// The same person again: the private conversation is reused and keeps its subject.
	_, got, _ = postJSON(t, s, canvas.ConversationRequest{Recipients: ids(u[0]), Subject: "Andra", Body: "Igen"})
	if len(got) != 1 || got[0].ID != first.ID || got[0].Subject != "Första" || got[0].MessageCount != 2 || got[0].LastMessage != "Igen" {
		t.Fatalf("reused %+v", got)
	}
	// force_new: a new conversation, with its own subject.
	_, got, _ = postJSON(t, s, canvas.ConversationRequest{Recipients: ids(u[0]), Subject: "Tredje", Body: "Ny", ForceNew: true})
	if len(got) != 1 || got[0].ID == first.ID || got[0].Subject != "Tredje" || got[0].MessageCount != 1 {
		t.Fatalf("forced %+v", got)
	}
	// Several recipients, no group: one private conversation each (u0's is reused), newest first.
	_, got, _ = postJSON(t, s, canvas.ConversationRequest{Recipients: ids(u[0], u[1], u[2]), Body: "Till alla"})
	if len(got) != 3 || got[0].ID < got[1].ID || got[1].ID < got[2].ID {
		t.Fatalf("batch %+v", got)
	}
	// A group conversation: one, with everybody.
	_, got, _ = postJSON(t, s, canvas.ConversationRequest{Recipients: ids(u[1], u[2]), Body: "Grupp", GroupConversation: true})
	if len(got) != 1 || got[0].Private || !slices.Equal(got[0].Audience, []int64{u[1], u[2]}) {
		t.Fatalf("group %+v", got)
	}

	convs := s.Conversations()
	type row struct {
		Private    bool
		Recipients []int64
		Bodies     []string
	}
	var rows []row
	for _, c := range convs {
		r := row{Private: c.Private, Recipients: c.Recipients()}
		for _, m := range c.Messages {
			r.Bodies = append(r.Bodies, m.Body)
			if m.Author != admin {
				t.Errorf("message by %d", m.Author)
			}
		}
		rows = append(rows, r)
	}
	want := []row{
		{true, []int64{u[0]}, []string{"Hej!", "Igen", "Till alla"}},
		{false, []int64{u[0]}, []string{"Ny"}},
		{true, []int64{u[1]}, []string{"Till alla"}},
		{true, []int64{u[2]}, []string{"Till alla"}},
		{false, []int64{u[1], u[2]}, []string{"Grupp"}},
	}
	if d := cmp.Diff(want, rows); d != "" {
		t.Fatalf("conversations (-want +got):\n%s", d)
	}
	n := 0
	for _, w := range s.Writes() {
		if w.Operation == "createConversation" && w.Kind == "message" {
			n++
		}
	}
	if n != 7 {
		t.Errorf("%d message writes, want 7", n)
	}
}

// Recipients are resolved as Canvas does: unknown users are left out, courses expand to their
// members (or those of one type), the sender is never a recipient. The context files the
// conversation under a course.
func TestConversationRecipientsAndContext(t *testing.T) {
	s := NewHandler()
	defer s.Close()
	course := s.SeedEnrollments(EnrollmentSeed{CourseSISID: "K", Students: 3, Teachers: 2})
	var teachers, everyone []int64
	s.mu.RLock()
	for _, eid := range s.st.courses[course].enrollments {
		e := s.st.enrollments[eid].e
		everyone = append(everyone, e.UserID)
		if e.Type == canvas.EnrollmentTypeTeacher {
			teachers = append(teachers, e.UserID)
		}
	}
	admin := s.st.admin
	s.mu.RUnlock()

	code, got, body := postJSON(t, s, canvas.ConversationRequest{Recipients: []string{"999999", canvas.CourseRecipient(course) + "_teachers", strconv.FormatInt(admin, 10)},
		Body: "Till lärarna", ContextCode: canvas.CourseContext(course), GroupConversation: true})
	if code != http.StatusCreated || len(got) != 1 {
		t.Fatalf("%d %s", code, body)
	}
	if !slices.Equal(got[0].Audience, teachers) || got[0].ContextName != "Benchmark course K" {
		t.Fatalf("teachers' conversation %+v, want audience %v", got[0], teachers)
	}
	_, got, _ = postJSON(t, s, canvas.ConversationRequest{Recipients: []string{canvas.CourseRecipient(course)}, Body: "Alla", GroupConversation: true})
	if len(got) != 1 || !slices.Equal(got[0].Audience, everyone) {
		t.Fatalf("course conversation %+v, want %v", got, everyone)
	}
	c := s.Conversations()[0]
	if c.ContextCode != canvas.CourseContext(course) || c.Participants[0] != admin {
		t.Fatalf("recorded %+v", c)
	}
	// Form bodies with recipients[] work as well.
	code, b := post(t, s, "application/x-www-form-urlencoded", "recipients[]="+strconv.FormatInt(teachers[0], 10)+"&body=Formul%C3%A4r&subject=Hej")
	if code != http.StatusCreated || !strings.Contains(string(b), `"last_message":"Formulär"`) {
		t.Fatalf("form: %d %s", code, b)
	}
}

// Refusals: 400 with the conversations API's error array, and nothing sent.
func TestConversationRefusals(t *testing.T) {
	s := NewHandler()
	defer s.Close()
	u := s.SeedUsers("u", 1)
	many := make([]string, 0, 101)
	for _, id := range s.SeedUsers("m", 101) {
		many = append(many, strconv.FormatInt(id, 10))
	}
	cases := []struct {
		name string
		req  canvas.ConversationRequest
		want string
	}{
		{"no recipients", canvas.ConversationRequest{Body: "x"}, `[{"attribute":"recipients","message":"blank"}]`},
		{"unknown recipients", canvas.ConversationRequest{Recipients: []string{"424242", "group_1", "nonsense"}, Body: "x"}, `[{"attribute":"recipients","message":"invalid"}]`},
		{"empty body", canvas.ConversationRequest{Recipients: ids(u[0]), Body: "  \n"}, `[{"attribute":"body","message":"blank"}]`},
		{"unknown context", canvas.ConversationRequest{Recipients: ids(u[0]), Body: "x", ContextCode: "course_1"}, `[{"attribute":"context_code","message":"invalid"}]`},
		{"long subject", canvas.ConversationRequest{Recipients: ids(u[0]), Body: "x", Subject: strings.Repeat("å", 256)}, `"too_long"`},
		{"too many", canvas.ConversationRequest{Recipients: many, Body: "x", GroupConversation: true}, `too many for group conversation`},
	}
	for _, c := range cases {
		code, _, body := postJSON(t, s, c.req)
		if code != http.StatusBadRequest || !strings.Contains(string(body), c.want) {
			t.Errorf("%s: %d %s", c.name, code, body)
		}
	}
	if n := len(s.Conversations()); n != 0 {
		t.Fatalf("%d conversations after refusals", n)
	}
	// force_new lifts the limit: each gets their own.
	if code, got, body := postJSON(t, s, canvas.ConversationRequest{Recipients: many, Body: "x", ForceNew: true}); code != http.StatusCreated || len(got) != 101 {
		t.Fatalf("force_new to 101: %d %d %.200s", code, len(got), body)
	}
}

// The throttle counts conversation requests like any other, and faults apply to them: a drop
// after the write leaves the message sent.
func TestConversationThrottleAndFaults(t *testing.T) {
	s := NewHandler(WithThrottle(Throttle{HighWater: 100, UpFront: 60, Cost: 200}))
	defer s.Close()
	u := s.SeedUsers("u", 1)
	req, _ := json.Marshal(canvas.ConversationRequest{Recipients: ids(u[0]), Body: "x"})
	if code, _ := post(t, s, "application/json", string(req)); code != http.StatusCreated {
		t.Fatalf("first: %d", code)
	}
	code, _ := post(t, s, "application/json", string(req))
	if code != http.StatusForbidden || s.Stats().Throttled["createConversation"] != 1 || s.Stats().Requests["createConversation"] != 2 {
		t.Fatalf("second: %d, stats %+v", code, s.Stats())
	}
	if n := len(s.Conversations()[0].Messages); n != 1 {
		t.Fatalf("%d messages after a throttled request", n)
	}

	f := NewServer(WithoutThrottle(), WithFaults(Faults{DropAfterWriteRate: 1, Operations: []string{"createConversation"}}))
	defer f.Close()
	v := f.SeedUsers("v", 1)
	b, _ := json.Marshal(canvas.ConversationRequest{Recipients: ids(v[0]), Body: "y"})
	hreq, _ := http.NewRequest(http.MethodPost, f.URL()+"/conversations", strings.NewReader(string(b)))
	hreq.Header.Set("Authorization", "Bearer "+f.Token())
	hreq.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(hreq); err == nil {
		resp.Body.Close()
		t.Fatalf("answered %d despite the drop", resp.StatusCode)
	}
	if got := f.Conversations(); len(got) != 1 || f.Stats().Faults["createConversation"] != 1 {
		t.Fatalf("after a drop after the write: %+v, %+v", got, f.Stats())
	}
}
