package review

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"net/http"
)

// The page protects its forms in two layers. First, net/http's CrossOriginProtection refuses a
// post that the browser says came from another origin (Sec-Fetch-Site, Origin). Second, every
// form carries a token the page signed with its secret: with WithSession, the signature of the
// host's session id, so a token works only in the session it was made for; otherwise the
// signature of a random value the page keeps in a cookie of its own (a signed double-submit
// cookie: another site can neither read the cookie nor forge the signature).

const csrfCookie = "edusync_review_csrf"

// csrfToken returns the token for the forms of the page answering r, setting the cookie it
// rests on when r has none.
func (h *Handler) csrfToken(w http.ResponseWriter, r *http.Request, base string) string {
	if h.cfg.session != nil {
		if s := h.cfg.session(r); s != "" {
			return h.sign("session", s)
		}
	}
	nonce := cookieNonce(r)
	if nonce == "" {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		nonce = base64.RawURLEncoding.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: nonce, Path: base + "/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: h.secure(r)})
	}
	return h.sign("cookie", nonce)
}

// checkCSRF reports whether the post r carries the token of its session or cookie and did not
// come from another origin.
func (h *Handler) checkCSRF(r *http.Request) bool {
	if h.cop.Check(r) != nil {
		return false
	}
	got := r.PostFormValue("csrf")
	if got == "" {
		return false
	}
	var want string
	if h.cfg.session != nil {
		if s := h.cfg.session(r); s != "" {
			want = h.sign("session", s)
		}
	}
	if want == "" {
		nonce := cookieNonce(r)
		if nonce == "" {
			return false
		}
		want = h.sign("cookie", nonce)
	}
	return hmac.Equal([]byte(got), []byte(want))
}

// cookieNonce is the value of the form-token cookie, if it has the form the page gives it.
func cookieNonce(r *http.Request) string {
	c, err := r.Cookie(csrfCookie)
	if err != nil {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) != 32 {
		return ""
	}
	return c.Value
}

func (h *Handler) secure(r *http.Request) bool { return h.cfg.secure || r.TLS != nil }

// sign is the page's signature of value for one purpose.
func (h *Handler) sign(purpose, value string) string {
	m := hmac.New(sha256.New, h.cfg.secret)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

var idEncoding = base32.NewEncoding("abcdefghijkmnpqrstuvwxyz23456789").WithPadding(base32.NoPadding)

// opaque returns a short id for a record or action of a pipeline that says nothing about it:
// used in forms and for persons with protected identity, where the page must name a record
// without showing its keys (which may be personal numbers; a plain hash of one could be
// reversed by trying every date of birth).
func (h *Handler) opaque(pipeline, id string) string {
	m := hmac.New(sha256.New, h.cfg.secret)
	m.Write([]byte("id"))
	m.Write([]byte{0})
	m.Write([]byte(pipeline))
	m.Write([]byte{0})
	m.Write([]byte(id))
	return idEncoding.EncodeToString(m.Sum(nil)[:10])
}
