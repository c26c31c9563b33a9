package wiseflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/edusync/edusync/internal/apiclient"
)

func submissionID(s *Submission) int64 { return s.ID }

// ListSubmissions returns the submissions of a flow with their hand-in status, page by page
// (GET /flows/{flowId}/submissions). The listing ends on the answer's total, so a service
// that ignores the page parameters still yields each submission once.
func (c *Client) ListSubmissions(ctx context.Context, flowID int64) iter.Seq2[Submission, error] {
	if err := checkID("flow id", flowID); err != nil {
		return func(yield func(Submission, error) bool) { yield(Submission{}, err) }
	}
	return list(ctx, c, &apiclient.Request{Path: "/flows/" + id(flowID) + "/submissions"}, submissionID)
}

// ListSubmissionsPage reads one page of ListSubmissions (limit at most 100).
func (c *Client) ListSubmissionsPage(ctx context.Context, flowID, offset int64, limit int) (*Page[Submission], error) {
	if err := checkID("flow id", flowID); err != nil {
		return nil, err
	}
	return page(ctx, c, &apiclient.Request{Path: "/flows/" + id(flowID) + "/submissions"}, offset, limit, submissionID)
}

// GetSubmission reads one submission with its cover sheet (the author's answers, by element
// id), similarity reports, assessors and its participants' final grades (a bare object).
func (c *Client) GetSubmission(ctx context.Context, flowID, submissionID int64) (SubmissionDetail, error) {
	var s SubmissionDetail
	if err := checkID("flow id", flowID); err != nil {
		return s, err
	}
	if err := checkID("submission id", submissionID); err != nil {
		return s, err
	}
	_, err := callBare(ctx, c, &apiclient.Request{Path: "/flows/" + id(flowID) + "/submissions/" + id(submissionID)}, &s)
	return s, err
}

func fileID(f *SubmissionFile) int64 { return f.ID }

// GetSubmissionFiles returns the files of a submission (the paper, appendices), each with a
// download link that is valid for a short while (one answer, no paging). A submission without
// files gives none.
func (c *Client) GetSubmissionFiles(ctx context.Context, flowID, submissionID int64) ([]SubmissionFile, error) {
	if err := checkID("flow id", flowID); err != nil {
		return nil, err
	}
	if err := checkID("submission id", submissionID); err != nil {
		return nil, err
	}
	return whole(ctx, c, &apiclient.Request{Path: "/flows/" + id(flowID) + "/submissions/" + id(submissionID) + "/files"}, "data", fileID)
}

// GetSubmissionFile reads one file's name, type, size and a fresh download link.
func (c *Client) GetSubmissionFile(ctx context.Context, flowID, submissionID, fileID int64) (SubmissionFile, error) {
	var f SubmissionFile
	for what, n := range map[string]int64{"flow id": flowID, "submission id": submissionID, "file id": fileID} {
		if err := checkID(what, n); err != nil {
			return f, err
		}
	}
	_, err := callEnvelope(ctx, c, &apiclient.Request{Path: "/flows/" + id(flowID) + "/submissions/" + id(submissionID) + "/files/" + id(fileID)}, &f)
	return f, err
}

// ErrQuarantined is returned by OpenFile for a file WISEflow quarantined (a virus scan found it
// infected): it is not downloaded.
var ErrQuarantined = errors.New("wiseflow: the file is quarantined")

// ErrIncomplete is matched by the error of a download that ended before the file's size, or
// went on past it, and could not be resumed.
var ErrIncomplete = errors.New("wiseflow: the download does not have the file's size")

// maxResumes is how often a broken download is resumed from where it stopped.
const maxResumes = 3

// unknownSizeCap bounds a download whose size WISEflow did not give.
const unknownSizeCap = 8 << 30

// OpenFile starts the download of a submission file and returns a reader of its bytes, which
// the caller closes. The file is streamed, never held in memory. The link comes fresh from
// GetSubmissionFile and is fetched without the client's credentials (it points to object
// storage). A download that breaks is resumed where it stopped (with a fresh link when the old
// one has expired), up to three times; the reader fails with ErrIncomplete when the bytes do
// not add up to the file's size. A quarantined file is refused with ErrQuarantined.
func (c *Client) OpenFile(ctx context.Context, flowID, submissionID, fileID int64) (*FileReader, error) {
	info, err := c.GetSubmissionFile(ctx, flowID, submissionID, fileID)
	if err != nil {
		return nil, err
	}
	r := &FileReader{c: c, ctx: ctx, flow: flowID, submission: submissionID, Info: info}
	if info.Quarantine.Reason != "" || info.Quarantine.By != "" {
		return nil, ErrQuarantined
	}
	if err := r.reopen(0); err != nil {
		return nil, err
	}
	return r, nil
}

// reopen opens the file from offset on, with a fresh link when the one it has fails (links
// expire after a while).
func (r *FileReader) reopen(offset int64) error {
	err := r.open(offset)
	if err == nil || r.ctx.Err() != nil {
		return err
	}
	fresh, ferr := r.c.GetSubmissionFile(r.ctx, r.flow, r.submission, r.Info.ID)
	if ferr != nil || fresh.Size != r.Info.Size {
		return err
	}
	r.Info.Link = fresh.Link
	return r.open(offset)
}

// FileReader reads one downloaded file (OpenFile).
type FileReader struct {
	// Info is the file as WISEflow described it (name, content type, size).
	Info SubmissionFile

	c                *Client
	ctx              context.Context
	flow, submission int64
	body             io.ReadCloser
	read             int64
	resumes          int
	err              error
}

// open requests the file from offset on.
func (r *FileReader) open(offset int64) error {
	link, err := r.c.checkLink(r.Info.Link)
	if err != nil {
		return r.c.core.DecodeError("/flows/"+id(r.flow)+"/submissions/"+id(r.submission)+"/files/"+id(r.Info.ID), err)
	}
	req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, link.String(), nil)
	if err != nil {
		return r.c.core.Errorf("downloading file %d: %w", r.Info.ID, err)
	}
	if offset > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
	}
	resp, err := r.c.download.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text repeats the link with its signature
		}
		return r.c.core.Errorf("downloading file %d: %w", r.Info.ID, err)
	}
	want := http.StatusOK
	if offset > 0 {
		want = http.StatusPartialContent
	}
	if resp.StatusCode != want {
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		_ = resp.Body.Close()
		return &APIError{Method: http.MethodGet, URL: link.Scheme + "://" + link.Host + "/…", StatusCode: resp.StatusCode,
			Message: "downloading file " + strconv.FormatInt(r.Info.ID, 10)}
	}
	r.body = resp.Body
	return nil
}

// checkLink accepts a download link: absolute, and https unless the API itself is reached
// over http (a local fake). A link that is neither is a fault of the answer that gave it.
func (c *Client) checkLink(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, errors.New("the file's download link is not an absolute http(s) URL")
	}
	if u.Scheme == "http" && !strings.HasPrefix(c.core.BaseURL(), "http://") {
		return nil, errors.New("the file's download link is plain http, refused")
	}
	return u, nil
}

// Read reads the file, resuming a broken download.
func (r *FileReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	limit := r.Info.Size
	if limit <= 0 {
		limit = unknownSizeCap
	}
	if r.read >= limit {
		// Past the size: one more byte means the answer is longer than the file.
		var one [1]byte
		if n, _ := r.body.Read(one[:]); n > 0 {
			r.err = fmt.Errorf("%w: more than %d bytes arrived", ErrIncomplete, limit)
			return 0, r.err
		}
		r.err = io.EOF
		return 0, io.EOF
	}
	if int64(len(p)) > limit-r.read {
		p = p[:limit-r.read]
	}
	n, err := r.body.Read(p)
	r.read += int64(n)
	switch {
	case err == nil:
		return n, nil
	case err == io.EOF && (r.Info.Size <= 0 || r.read == r.Info.Size):
		r.err = io.EOF
		return n, io.EOF
	case r.ctx.Err() != nil:
		r.err = r.ctx.Err()
		return n, r.err
	}
	// Cut short (EOF before the size, or a broken connection): resume from here.
	_ = r.body.Close()
	if r.Info.Size <= 0 || r.resumes >= maxResumes {
		r.err = fmt.Errorf("%w: %d of %d bytes arrived", ErrIncomplete, r.read, r.Info.Size)
		return n, r.err
	}
	r.resumes++
	if oerr := r.reopen(r.read); oerr != nil {
		r.err = fmt.Errorf("%w: %d of %d bytes arrived, resuming failed: %w", ErrIncomplete, r.read, r.Info.Size, oerr)
		return n, r.err
	}
	return n, nil
}

// Resumes is how often the download was resumed.
func (r *FileReader) Resumes() int { return r.resumes }

// Close ends the download.
func (r *FileReader) Close() error {
	if r.body == nil {
		return nil
	}
	err := r.body.Close()
	r.body = nil
	if r.err == nil {
		r.err = errors.New("wiseflow: read after Close")
	}
	return err
}
