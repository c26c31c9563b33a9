package insperahook

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/edusync/edusync/inspera"
)

// Event is one notification from Inspera. Inspera's payloads are thin: they name what happened
// (Name) to which object (the context, usually a test, and an associated object, often a
// candidate's user) and who did it, never grades or personal data; a flow reads the rest
// through the API.
type Event struct {
	// Name is the event's name (eventName, or the older payloads' event), for example
	// inspera.EventConfirmFinalGrades.
	Name string `json:"eventName"`
	// ContextObjectID and ContextObjectType name the object the event is about; for a test,
	// its assessmentRunId and ASSESSMENT_RUN.
	ContextObjectID   string `json:"contextObjectId,omitempty"`
	ContextObjectType string `json:"contextObjectType,omitempty"`
	// AssociatedObjectID and AssociatedObjectType name a second object, such as the candidate
	// (user) an explanation or appeal concerns.
	AssociatedObjectID   string `json:"associatedObjectId,omitempty"`
	AssociatedObjectType string `json:"associatedObjectType,omitempty"`
	// TriggeringUserID and TriggeringUserName are the Inspera user who caused the event.
	TriggeringUserID   string `json:"triggeringUserId,omitempty"`
	TriggeringUserName string `json:"triggeringUserName,omitempty"`
	// Timestamp is when it happened (zero when the payload's timestamp could not be read;
	// TimestampText keeps what it said).
	Timestamp     time.Time `json:"timestamp,omitzero"`
	TimestampText string    `json:"timestampText,omitempty"`
	// Org, Instance, Env and ExamSystem say where it happened (the tenant, its environment,
	// INSPERA).
	Org        string `json:"org,omitempty"`
	Instance   string `json:"instance,omitempty"`
	Env        string `json:"env,omitempty"`
	ExamSystem string `json:"examSystem,omitempty"`

	// Subscription is the Name of the Secret that verified the delivery.
	Subscription string `json:"subscription,omitempty"`
	// Received is when the receiver accepted the delivery.
	Received time.Time `json:"received,omitzero"`
}

// TestID returns the test the event is about: the context object when it is a test
// (ASSESSMENT_RUN, or no type given, as in older payloads), else 0.
func (e *Event) TestID() inspera.ID {
	if e.ContextObjectType != "" && !strings.EqualFold(e.ContextObjectType, "ASSESSMENT_RUN") {
		return 0
	}
	return parseID(e.ContextObjectID)
}

// UserID returns the associated object's id when it is a number (a candidate's user), else 0.
func (e *Event) UserID() inspera.ID { return parseID(e.AssociatedObjectID) }

func parseID(s string) inspera.ID {
	var id inspera.ID
	if id.UnmarshalJSON([]byte(s)) != nil {
		return 0
	}
	return id
}

// Key identifies a delivery for de-duplication. Inspera signs no timestamp and sends no delivery
// id, and it repeats deliveries; two deliveries that say the same (name, objects, triggering
// user, timestamp, tenant) are the same event, whatever order or spacing their JSON has.
func (e *Event) Key() string {
	h := sha256.New()
	for _, f := range []string{e.Name, e.ContextObjectType, e.ContextObjectID, e.AssociatedObjectType,
		e.AssociatedObjectID, e.TriggeringUserID, e.timestampKey(), e.Org, e.Instance, e.Env, e.ExamSystem} {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return "inspera:" + hex.EncodeToString(h.Sum(nil)[:16])
}

func (e *Event) timestampKey() string {
	if !e.Timestamp.IsZero() {
		return e.Timestamp.UTC().Format(time.RFC3339Nano)
	}
	return e.TimestampText
}

// orderKey orders a test's events about one object: a candidate's appeal before its
// explanation.
func (e *Event) orderKey() string {
	return "inspera:" + e.ContextObjectID + "/" + e.AssociatedObjectID
}

// ErrNoEvent is a body that holds no event: empty, {} or an object without eventName or event,
// as Inspera's validation request at registration.
var ErrNoEvent = errors.New("insperahook: the body holds no event")

// errMalformed is a body that is neither JSON nor the older key=value form.
var errMalformed = errors.New("insperahook: the body is not an Inspera event")

// maxField caps one value of an event; payloads are thin, a longer one is hostile.
const maxField = 1024

// ParseEvent reads a delivery's body: a JSON object with the documented field names (ids as
// numbers or strings, unknown members ignored, eventName or the older event), or the older
// payloads' key=value form ({contextObjectId=35199862, event=confirm_final_grades,
// timestamp=2018-10-04T16:47:55Z}). A body without an event is ErrNoEvent.
func ParseEvent(body []byte) (Event, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return Event{}, ErrNoEvent
	}
	var fields map[string]string
	var err error
	if body[0] == '{' && (len(body) < 2 || body[1] == '"' || body[1] == '}' || isSpace(body[1])) {
		fields, err = jsonFields(body)
		if err != nil && bytes.Contains(body, []byte("=")) {
			fields, err = legacyFields(body)
		}
	} else {
		fields, err = legacyFields(body)
	}
	if err != nil {
		return Event{}, err
	}
	ev := Event{Name: fields["eventName"], ContextObjectID: fields["contextObjectId"],
		ContextObjectType: fields["contextObjectType"], AssociatedObjectID: fields["associatedObjectId"],
		AssociatedObjectType: fields["associatedObjectType"], TriggeringUserID: fields["triggeringUserId"],
		TriggeringUserName: fields["triggeringUserName"], Org: fields["org"], Instance: fields["instance"],
		Env: fields["env"], ExamSystem: fields["examSystem"]}
	if ev.Name == "" {
		ev.Name = fields["event"]
	}
	if ev.Name == "" {
		return Event{}, ErrNoEvent
	}
	ev.Timestamp, ev.TimestampText = parseTime(fields["timestamp"])
	return ev, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// jsonFields reads the top-level members of a JSON object as text: strings as they are, numbers
// as written, booleans as true or false; null, objects and arrays are left out.
func jsonFields(body []byte) (map[string]string, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil || dec.More() {
		return nil, errMalformed
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if len(v) == 0 {
			continue
		}
		var s string
		switch v[0] {
		case '"':
			if json.Unmarshal(v, &s) != nil {
				return nil, errMalformed
			}
		case 't', 'f':
			s = string(v)
		case 'n', '{', '[':
			continue
		default:
			s = string(v) // a number, as written
		}
		if len(s) > maxField {
			return nil, errMalformed
		}
		out[k] = s
	}
	return out, nil
}

// legacyFields reads {key=value, key=value}, the form of Inspera's older payloads.
func legacyFields(body []byte) (map[string]string, error) {
	s := string(body)
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return nil, errMalformed
	}
	s = strings.TrimSpace(s[1 : len(s)-1])
	out := map[string]string{}
	if s == "" {
		return out, nil
	}
	for part := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.ToValidUTF8(strings.TrimSpace(v), "\uFFFD")
		if !ok || k == "" || len(v) > maxField || strings.ContainsAny(k, `"{}[]`) {
			return nil, errMalformed
		}
		out[k] = v
	}
	return out, nil
}

// parseTime reads an RFC 3339 time, or a number of seconds or milliseconds since 1970.
func parseTime(s string) (time.Time, string) {
	if s == "" {
		return time.Time{}, ""
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), ""
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		if n > 1e12 {
			return time.UnixMilli(n).UTC(), ""
		}
		if n < 1e11 {
			return time.Unix(n, 0).UTC(), ""
		}
	}
	return time.Time{}, s
}

// Decode reads the payload of a queued message (a store.Delivery's Payload) back into the Event
// the receiver accepted.
func Decode(payload []byte) (Event, error) {
	var ev Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		return Event{}, errors.New("insperahook: the queued payload is not an event")
	}
	if ev.Name == "" {
		return Event{}, ErrNoEvent
	}
	return ev, nil
}
