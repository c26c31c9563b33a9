package noark5

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/edusync/edusync/internal/apiclient"
)

// Upload sends the file of document object o, read from r. o must declare the file's size
// (Filstoerrelse), its SHA-256 (Sjekksum, hex, with SjekksumAlgoritme SHA256) and its MimeType,
// as CreateDokumentobjekt sent them: the archive checks the bytes against them, and so does
// Upload while it reads, so a file that changed on its way is never archived under a checksum
// it does not have (ErrChecksum).
//
// A file of at most the chunking threshold is sent in one POST to the object's fil link. A
// larger one is sent in chunks: a POST with X-Upload-Content-Type and X-Upload-Content-Length
// opens an upload session (the answer's Location), then each chunk is PUT there with its
// Content-Range; the archive answers 308 until the last chunk, then the updated object. Only
// one chunk is held in memory at a time. On success o is replaced by the archive's answer
// (ReferanseDokumentfil set). A failed upload leaves no file on the object; the caller deletes
// the object (Delete) when it gives up.
func (c *Client) Upload(ctx context.Context, o *Dokumentobjekt, r io.Reader) error {
	href, ok := o.Links.Href(RelFil)
	if !ok {
		return c.missingLink(RelFil, "dokumentobjekt", o.SystemID)
	}
	want, err := hex.DecodeString(o.Sjekksum)
	if err != nil || len(want) != sha256.Size || o.SjekksumAlgoritme != SHA256 {
		return errors.New("noark5: Upload needs the object's SHA-256 (Sjekksum, SjekksumAlgoritme SHA-256)")
	}
	size := o.Filstoerrelse
	if size < 0 {
		return errors.New("noark5: Upload needs the object's size (Filstoerrelse)")
	}
	ct := o.MimeType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h := sha256.New()
	if size <= c.threshold {
		buf := make([]byte, size)
		if _, err := io.ReadFull(r, buf); err != nil {
			return fmt.Errorf("noark5: reading the file: %w", err)
		}
		h.Write(buf)
		if err := checkEnd(r, h.Sum(nil), want); err != nil {
			return err
		}
		resp, err := c.core.Do(ctx, &apiclient.Request{Method: http.MethodPost, Path: href, Body: buf, ContentType: ct, Accept: MediaType, Idempotent: true})
		if err != nil {
			return c.uploaded(ctx, o, err)
		}
		return c.decodeObject(resp, o)
	}
	hdr := http.Header{"X-Upload-Content-Type": {ct}, "X-Upload-Content-Length": {strconv.FormatInt(size, 10)}}
	resp, err := c.core.Do(ctx, &apiclient.Request{Method: http.MethodPost, Path: href, Accept: MediaType, Header: hdr})
	if err != nil {
		return err
	}
	loc := resp.Header.Get("Location")
	drain(resp)
	session, err := resolve(href, loc)
	if err != nil {
		return c.core.Errorf("upload session: the archive answered no usable Location")
	}
	buf := make([]byte, c.chunk)
	for start := int64(0); start < size; {
		n := min(c.chunk, size-start)
		if _, err := io.ReadFull(r, buf[:n]); err != nil {
			c.cancel(session)
			return fmt.Errorf("noark5: reading the file: %w", err)
		}
		h.Write(buf[:n])
		last := start+n == size
		if last {
			if err := checkEnd(r, h.Sum(nil), want); err != nil {
				c.cancel(session)
				return err
			}
		}
		cr := http.Header{"Content-Range": {fmt.Sprintf("bytes %d-%d/%d", start, start+n-1, size)}}
		resp, err := c.core.Do(ctx, &apiclient.Request{Method: http.MethodPut, Path: session, Body: buf[:n], ContentType: ct, Accept: MediaType, Header: cr, Idempotent: true})
		var ae *APIError
		switch {
		case err == nil && last:
			return c.decodeObject(resp, o)
		case err == nil:
			drain(resp) // an archive may answer 200 to a middle chunk
		case errors.As(err, &ae) && ae.StatusCode == http.StatusPermanentRedirect && !last:
		default:
			c.cancel(session)
			if last {
				return c.uploaded(ctx, o, err)
			}
			return err
		}
		start += n
	}
	return c.core.Errorf("upload session: the archive accepted every chunk but never the file")
}

// uploaded settles a file request that failed: when the answer was lost after the archive
// took the file (a retry is then refused as a conflict), the object read back has its file,
// which the archive kept only after checking it against the declared size and checksum.
func (c *Client) uploaded(ctx context.Context, o *Dokumentobjekt, cause error) error {
	var now Dokumentobjekt
	if err := c.get(ctx, o.Self(), nil, &now); err != nil || now.ReferanseDokumentfil == "" || !strings.EqualFold(now.Sjekksum, o.Sjekksum) {
		return cause
	}
	*o = now
	return nil
}

// checkEnd checks that r has nothing more and that the digest read matches the declared one.
func checkEnd(r io.Reader, got, want []byte) error {
	var one [1]byte
	if n, _ := io.ReadFull(r, one[:]); n > 0 {
		return fmt.Errorf("%w: the file is longer than declared", ErrChecksum)
	}
	if hex.EncodeToString(got) != hex.EncodeToString(want) {
		return fmt.Errorf("%w: SHA-256 differs", ErrChecksum)
	}
	return nil
}

// cancel ends an upload session the client gives up on, so the archive keeps no partial file.
func (c *Client) cancel(session string) {
	ctx, stop := context.WithTimeout(context.Background(), cancelTimeout)
	defer stop()
	if resp, err := c.core.Do(ctx, &apiclient.Request{Method: http.MethodDelete, Path: session, Idempotent: true}); err == nil {
		drain(resp)
	}
}

func (c *Client) decodeObject(resp *http.Response, o *Dokumentobjekt) error {
	var out Dokumentobjekt
	etag := resp.Header.Get("ETag")
	if err := c.core.Decode(resp, "upload", &out); err != nil {
		return err
	}
	if out.SystemID == "" { // an archive that answers without the object: keep ours
		o.ReferanseDokumentfil = "uploaded"
		return nil
	}
	*o = out
	o.ETag = etag
	return nil
}

func resolve(base, ref string) (string, error) {
	if ref == "" {
		return "", errors.New("no Location")
	}
	b, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", err
	}
	return b.ResolveReference(r).String(), nil
}
