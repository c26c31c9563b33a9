package inspera

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"time"

	"github.com/edusync/edusync/internal/apiclient"
	"github.com/edusync/edusync/internal/backoff"
)

// OrderFileExport orders an export of candidates' submitted files (all of the test's when
// order.CandidateIds is empty) and returns the job; Inspera builds it in the background. The
// order creates a job, so it is not repeated after a lost answer (a second job would only cost
// time): call it again if it fails.
func (c *Client) OrderFileExport(ctx context.Context, order FileExportOrder) (*FileExportJob, error) {
	if order.TestID == 0 {
		return nil, c.core.Errorf("OrderFileExport: %w", errNoTest)
	}
	var out FileExportJob
	err := c.core.Call(ctx, &apiclient.Request{Method: http.MethodPost, Path: "/v1/fileExport/order", Body: order}, &out)
	if err != nil {
		return nil, err
	}
	if out.JobID == "" {
		return nil, c.core.DecodeError("/v1/fileExport/order", errorString("the answer names no jobId"))
	}
	return &out, nil
}

// GetFileExportStatus returns an export job as it stands; once FINISHED, its files carry
// pre-signed download URLs that live as long as the token that asked (about an hour).
func (c *Client) GetFileExportStatus(ctx context.Context, jobID string) (*FileExportJob, error) {
	if jobID == "" {
		return nil, c.core.Errorf("GetFileExportStatus: %w", errorString("no job id given"))
	}
	var out FileExportJob
	if err := c.core.Call(ctx, &apiclient.Request{Path: "/v1/fileExport/status/" + url.PathEscape(jobID)}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// WaitFileExport polls an export job, every poll at first and less often while it runs (at most
// every minute), until it is FINISHED (returned) or FAILED (ErrExportFailed), or ctx ends.
func (c *Client) WaitFileExport(ctx context.Context, jobID string, poll time.Duration) (*FileExportJob, error) {
	if poll <= 0 {
		poll = 2 * time.Second
	}
	for n := 1; ; n++ {
		job, err := c.GetFileExportStatus(ctx, jobID)
		if err != nil {
			return nil, err
		}
		switch job.Status {
		case ExportFinished:
			return job, nil
		case ExportFailed:
			return job, c.core.Errorf("file export %s: %w", jobID, ErrExportFailed)
		}
		if err := backoff.Sleep(ctx, backoff.Delay(poll, time.Minute, n)); err != nil {
			return nil, err
		}
	}
}

// ExportFiles orders an export and waits for it (OrderFileExport, WaitFileExport).
func (c *Client) ExportFiles(ctx context.Context, order FileExportOrder, poll time.Duration) (*FileExportJob, error) {
	job, err := c.OrderFileExport(ctx, order)
	if err != nil {
		return nil, err
	}
	return c.WaitFileExport(ctx, job.JobID, poll)
}

// File is a download in progress: read it to the end (io.Copy into a file, an S3 upload) and
// Close it. It is never held in memory.
type File struct {
	io.ReadCloser
	// Name is the file's name from Content-Disposition, or the last segment of the URL's path.
	Name string
	// ContentType as the storage sent it.
	ContentType string
	// Size is the length in bytes, or -1 when the storage did not say. A body that ends
	// before Size fails with io.ErrUnexpectedEOF.
	Size int64
}

// OpenFile starts the download of a candidate's file or an exported file: the url of an Asset
// or ExportedFile. The link is pre-signed, so it is sent without the API key or token,
// whatever its host, and it lives as long as the token that fetched it: a storage that refuses
// it answers with ErrLinkRefused, and a fresh link comes from reading the test or the export
// status again. The download is retried while nothing of it has arrived, streams, and stops
// with a *BodyTooLargeError past WithMaxDownload.
func (c *Client) OpenFile(ctx context.Context, link string) (*File, error) {
	resp, err := c.core.Fetch(ctx, link, "*/*", c.maxDownload)
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) && (ae.StatusCode == http.StatusForbidden || ae.StatusCode == http.StatusUnauthorized) {
			return nil, &linkError{APIError: ae}
		}
		return nil, err
	}
	f := &File{ReadCloser: resp.Body, ContentType: resp.Header.Get("Content-Type"), Size: resp.ContentLength}
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil && params["filename"] != "" {
		f.Name = path.Base(params["filename"])
	} else if resp.Request != nil {
		f.Name = path.Base(resp.Request.URL.Path)
	}
	return f, nil
}

// DownloadFile streams the file at link into w and returns how many bytes it wrote; see
// OpenFile.
func (c *Client) DownloadFile(ctx context.Context, link string, w io.Writer) (int64, error) {
	f, err := c.OpenFile(ctx, link)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n, err := io.Copy(w, f)
	if err != nil {
		var tl *BodyTooLargeError
		if errors.As(err, &tl) {
			return n, c.core.Errorf("downloading %s: the file is larger than WithMaxDownload allows: %w", c.core.Where(link), err)
		}
		return n, c.core.Errorf("downloading %s: %w", c.core.Where(link), err)
	}
	return n, nil
}

// linkError is a download link's refusal: it matches ErrLinkRefused and what the APIError
// matches.
type linkError struct{ *APIError }

func (e *linkError) Is(target error) bool { return target == ErrLinkRefused || e.APIError.Is(target) }
func (e *linkError) Unwrap() error        { return e.APIError }
