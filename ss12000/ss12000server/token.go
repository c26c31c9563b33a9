package ss12000server

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
)

// A pageToken carries its listing in itself, sealed (AES-256-GCM with a key kept in the
// store): which operation and receiver it belongs to, the generation the listing started at,
// the first request's query (its filters, applied again to each page), where the last page
// ended, and until when it is good. No listing state is kept in the process, so any provider
// on the store can answer the next page, and a token reveals nothing (a civicNo filter) to
// whoever sees the URL. Sorted listings keep their order in the store and the token names it.

// cursor is what a pageToken stands for.
type cursor struct {
	Path    string `json:"p"`
	Recv    string `json:"r"`
	Gen     uint64 `json:"g"`
	Query   string `json:"q,omitempty"`
	After   string `json:"a,omitempty"`
	Listing string `json:"l,omitempty"`
	Off     int    `json:"o,omitempty"`
	N       int    `json:"n,omitempty"`
	Limit   int    `json:"m"`
	Expires int64  `json:"x"`
}

// maxToken bounds the pageTokens the provider opens; it issues none longer (the query kept in
// a token is bounded by maxTokenQuery).
const (
	maxToken      = 8192
	maxTokenQuery = 4096
)

var (
	errTokenMalformed = errors.New("the pageToken is not one the provider issued")
	errTokenExpired   = errors.New("the pageToken is unknown or has expired; start the listing again")
)

type sealer struct{ aead cipher.AEAD }

func newSealer(secret []byte) *sealer {
	key := sha256.Sum256(append([]byte("edusync ss12000server page tokens\x00"), secret...))
	block, _ := aes.NewCipher(key[:])
	aead, _ := cipher.NewGCM(block)
	return &sealer{aead: aead}
}

func (s *sealer) seal(c *cursor) string {
	plain, _ := json.Marshal(c)
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, nil))
}

// open reads a pageToken: errTokenMalformed for one that cannot be ours, errTokenExpired for
// one that does not open (another key, changed) or has expired.
func (s *sealer) open(tok string, now time.Time) (*cursor, error) {
	if len(tok) > maxToken {
		return nil, errTokenMalformed
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return nil, errTokenMalformed
	}
	ns := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:ns], raw[ns:], nil)
	if err != nil {
		return nil, errTokenExpired
	}
	var c cursor
	if err := json.Unmarshal(plain, &c); err != nil {
		return nil, errTokenExpired
	}
	if now.Unix() > c.Expires {
		return nil, errTokenExpired
	}
	return &c, nil
}
