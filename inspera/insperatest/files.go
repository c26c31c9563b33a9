package insperatest

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/internal/fakekit"
	"github.com/edusync/edusync/synth"
)

// link is what a pre-signed download link stands for.
type link struct{ file synth.File }

// newLink makes a pre-signed link to f that works until expires (the reading token's expiry),
// the way Inspera's storage links do.
func (s *Server) newLink(f synth.File, expires time.Time) string {
	ttl := expires.Sub(s.opts.now())
	if ttl <= 0 {
		ttl = time.Second
	}
	key := s.links.Add(link{file: f}, ttl)
	q := url.Values{"X-Amz-Expires": {strconv.Itoa(int(ttl / time.Second))}, "X-Amz-Signature": {key}}
	return s.kit.Root() + "/storage/" + url.PathEscape(f.Name) + "-" + strconv.FormatUint(f.Seed%1e6, 10) + "?" + q.Encode()
}

// download serves a pre-signed link: the file's bytes (ranges too), or S3's 403 once the link
// has expired or when its signature is unknown.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	l, ok := s.links.Get(r.URL.Query().Get("X-Amz-Signature"))
	if !ok {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		_, _ = fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>`)
		return
	}
	w.Header().Set("Content-Type", l.file.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": l.file.Name}))
	http.ServeContent(w, r, "", time.Time{}, l.file.Open())
}

// job is a file export job.
type job struct {
	id         string
	test       inspera.ID
	candidates []string
	owner      inspera.ID
	polls      int
	status     string
}

func (s *Server) orderExport(w http.ResponseWriter, r *http.Request) {
	var body inspera.FileExportOrder
	if !decode(w, r, &body) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := Write{Operation: "orderFileExport", User: sessionOf(r).user, Test: body.TestID, CandidateIDs: body.CandidateIds}
	t := s.st.tests[body.TestID]
	if t == nil {
		rec.Status, rec.Code = http.StatusNotFound, "TEST_NOT_FOUND"
		s.st.record(rec)
		writeError(w, r, http.StatusNotFound, "TEST_NOT_FOUND", "no such test")
		return
	}
	if _, missing := t.lookup(body.CandidateIds); len(missing) > 0 {
		rec.Status, rec.Code = http.StatusNotFound, "CANDIDATE_NOT_FOUND"
		s.st.record(rec)
		writeRefusal(w, r, http.StatusNotFound, "CANDIDATE_NOT_FOUND", "no such candidate on the test", missing)
		return
	}
	s.st.nextJob++
	j := &job{id: "export-" + strconv.Itoa(s.st.nextJob), test: t.id, candidates: dedupe(body.CandidateIds),
		owner: sessionOf(r).user, status: inspera.ExportQueued}
	s.st.jobs[j.id] = j
	rec.Status = http.StatusOK
	s.st.record(rec)
	fakekit.WriteJSON(w, http.StatusOK, inspera.FileExportJob{JobID: j.id, TestID: t.id, Status: j.status})
}

func (s *Server) exportStatus(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	j := s.st.jobs[r.PathValue("jobId")]
	if j == nil {
		s.mu.Unlock()
		writeError(w, r, http.StatusNotFound, "JOB_NOT_FOUND", "no such export job")
		return
	}
	sess := sessionOf(r)
	out := inspera.FileExportJob{JobID: j.id, TestID: j.test}
	if j.status != inspera.ExportFinished && j.status != inspera.ExportFailed {
		if j.polls < s.opts.exportPolls {
			j.polls++
			j.status = inspera.ExportInProgress
		} else {
			j.status = inspera.ExportFinished
			s.emitLocked(event{name: inspera.EventSubmissionsExportFinished, contextID: j.test.String(),
				contextType: "ASSESSMENT_RUN", assocID: j.id, assocType: "EXPORT_JOB", by: j.owner})
		}
	}
	out.Status = j.status
	switch j.status {
	case inspera.ExportInProgress:
		out.Progress = 100 * j.polls / (s.opts.exportPolls + 1)
	case inspera.ExportFinished:
		out.Progress, out.Expires = 100, sess.expires
		out.Files = []inspera.ExportedFile{}
		t := s.st.tests[j.test]
		for _, c := range t.candidates {
			if len(j.candidates) > 0 && !contains(j.candidates, c.no) {
				continue
			}
			for _, f := range c.files {
				out.Files = append(out.Files, inspera.ExportedFile{UserID: c.user, CandidateID: c.no, FileName: f.Name,
					ContentType: f.ContentType, Size: f.Size, URL: s.newLink(f, sess.expires)})
			}
		}
	}
	s.mu.Unlock()
	fakekit.WriteJSON(w, http.StatusOK, out)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// FailExport makes an export job end as FAILED (a fault of Inspera's export service).
func (s *Server) FailExport(jobID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.st.jobs[jobID]
	if j == nil {
		return false
	}
	j.status = inspera.ExportFailed
	return true
}
