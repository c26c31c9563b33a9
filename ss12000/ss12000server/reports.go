package ss12000server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/edusync/edusync/internal/ss12000serve"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/store"
)

// What receivers report back (POST /log/ and /statistics/, with or without the trailing slash,
// as Skolverket's client sends them) is checked, kept with the receiver's name and the time
// for Options.Retention, and given to the host by LogEntries and StatisticsEntries. Fields a
// receiver's profile adds to the standard's (Skolverket's statistics carry a description and
// an end date) are accepted and kept as posted.

// ReceivedLog is a log entry a receiver posted.
type ReceivedLog struct {
	At       time.Time        `json:"at"`
	Receiver string           `json:"receiver"`
	Entry    ss12000.LogEntry `json:"entry"`
	// Raw is the entry as posted, with the fields of the receiver's own profile.
	Raw json.RawMessage `json:"raw"`
}

// ReceivedStatistics is a statistics entry a receiver posted.
type ReceivedStatistics struct {
	At       time.Time               `json:"at"`
	Receiver string                  `json:"receiver"`
	Entry    ss12000.StatisticsEntry `json:"entry"`
	// Raw is the entry as posted, with the fields of the receiver's own profile.
	Raw json.RawMessage `json:"raw"`
}

// readBody reads the request body (bounded by the body cap) and puts it back for decoding.
func readBody(r *http.Request) ([]byte, *ss12000serve.BodyError) {
	if r.Body == nil {
		return nil, &ss12000serve.BodyError{Status: http.StatusBadRequest, Message: "a JSON request body is required"}
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, &ss12000serve.BodyError{Status: http.StatusRequestEntityTooLarge, Message: "the request body is larger than the provider accepts"}
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	return raw, nil
}

func (p *Provider) createLogEntry(w http.ResponseWriter, r *http.Request, q *request) {
	raw, e := readBody(r)
	if e == nil {
		var entry ss12000.LogEntry
		if e = ss12000serve.DecodeWrite(r, &entry, true, "message", "severityLevel"); e == nil {
			if bad := ss12000serve.ValidateLogEntry(&entry); len(bad) > 0 {
				e = ss12000serve.Invalid(bad...)
			} else {
				p.report(w, r, q, pLog, ReceivedLog{At: p.stamp(), Receiver: q.recv.cfg.Name, Entry: entry, Raw: compact(raw)})
				return
			}
		}
	}
	e.Write(w)
}

func (p *Provider) createStatisticsEntry(w http.ResponseWriter, r *http.Request, q *request) {
	raw, e := readBody(r)
	if e == nil {
		var entry ss12000.StatisticsEntry
		if e = ss12000serve.DecodeWrite(r, &entry, true, "deletedCount", "newCount", "resourceType", "updatedCount"); e == nil {
			if bad := ss12000serve.ValidateStatisticsEntry(&entry); len(bad) > 0 {
				e = ss12000serve.Invalid(bad...)
			} else {
				p.report(w, r, q, pStat, ReceivedStatistics{At: p.stamp(), Receiver: q.recv.cfg.Name, Entry: entry, Raw: compact(raw)})
				return
			}
		}
	}
	e.Write(w)
}

func compact(raw []byte) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return nil
	}
	return b.Bytes()
}

// report keeps an entry and answers 201.
func (p *Provider) report(w http.ResponseWriter, r *http.Request, q *request, prefix string, v any) {
	now := p.stamp()
	err := p.st.Update(r.Context(), p.scope, func(tx store.Tx) error {
		seq, err := readCounter(tx, keyLogSeq)
		if err != nil {
			return err
		}
		seq++
		if err := tx.SetValue(keyLogSeq, []byte(seqKey(seq))); err != nil {
			return err
		}
		if seq%100 == 0 {
			cutoff := timeKey(now.Add(-p.opts.Retention))
			if err := purgeBefore(tx, pLog, cutoff, nil); err != nil {
				return err
			}
			if err := purgeBefore(tx, pStat, cutoff, nil); err != nil {
				return err
			}
		}
		return store.Put(tx, prefix+timeKey(now)+"/"+seqKey(seq), v)
	})
	if err != nil {
		p.fail(w, r, q, err)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

// LogEntries returns up to limit (0: all) log entries receivers posted after since, oldest
// first.
func (p *Provider) LogEntries(ctx context.Context, since time.Time, limit int) ([]ReceivedLog, error) {
	return received[ReceivedLog](ctx, p, pLog, since, limit)
}

// StatisticsEntries returns up to limit (0: all) statistics entries receivers posted after
// since, oldest first.
func (p *Provider) StatisticsEntries(ctx context.Context, since time.Time, limit int) ([]ReceivedStatistics, error) {
	return received[ReceivedStatistics](ctx, p, pStat, since, limit)
}

func received[T any](ctx context.Context, p *Provider, prefix string, since time.Time, limit int) ([]T, error) {
	var out []T
	start := ""
	if !since.IsZero() {
		start = prefix + timeKey(since.Truncate(time.Millisecond)) + "/~"
	}
	err := p.st.View(ctx, p.scope, func(tx store.Tx) error {
		entries, err := store.ListFrom[T](tx, prefix, start, limit)
		for _, e := range entries {
			out = append(out, e.Value)
		}
		return err
	})
	return out, err
}
