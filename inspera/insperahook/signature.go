package insperahook

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"strings"
)

// SignatureHeader is the header that carries a delivery's signature.
const SignatureHeader = "X-Inspera-Signature"

// Secret is the signing secret of one subscription. Several are configured at once while one is
// rotated (a subscription registered again with a new secret) or when subscriptions differ.
type Secret struct {
	// Name labels the events the secret verifies (Event.Subscription), for example the event
	// name or the subscription id; it is never a secret.
	Name string
	// Value is the secret given to Inspera when subscribing.
	Value string
}

// Sign returns what Inspera sends in X-Inspera-Signature for body under secret: the lower-case
// hex of its HMAC-SHA1.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether signature is the HMAC-SHA1 of body under one of secrets, compared in
// constant time, and returns that secret's Name. The hex may be upper or lower case (it is
// decoded, not compared as text) and may carry a "sha1=" prefix; anything shorter, longer or not
// hex fails.
func Verify(body []byte, signature string, secrets ...Secret) (name string, ok bool) {
	signature = strings.TrimSpace(signature)
	if len(signature) > 5 && strings.EqualFold(signature[:5], "sha1=") {
		signature = signature[5:]
	}
	got, err := hex.DecodeString(signature)
	if err != nil || len(got) != sha1.Size {
		return "", false
	}
	for _, s := range secrets {
		if s.Value == "" {
			continue
		}
		m := hmac.New(sha1.New, []byte(s.Value))
		m.Write(body)
		if hmac.Equal(got, m.Sum(nil)) && !ok {
			name, ok = s.Name, true // keep looping: the time does not tell which secret matched
		}
	}
	return name, ok
}
