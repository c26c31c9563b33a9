// Package leakcheck holds the assertions of edusync's privacy tests: that no part of an identity
// number and no credential reaches an error message or a log line, and valid identity numbers
// to feed the clients with. It is for tests only.
package leakcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/internal/idnum"
)

// Window is the number of consecutive digits of an identity number that count as a leak.
const Window = 4

// NoNumber fails t when out holds a run of Window or more consecutive digits of number (an
// identity number in any of its forms: only its digits are compared). Substrings in ignore
// (a test server's address, whose port is a number) are removed from out first.
func NoNumber(t testing.TB, out, number string, ignore ...string) {
	t.Helper()
	if leak := Number(out, number, ignore...); leak != "" {
		t.Errorf("%q leaks digits %s of identity number %s", out, leak, number)
	}
}

// Number returns the first run of Window digits of number found in out, or "".
func Number(out, number string, ignore ...string) string {
	for _, s := range ignore {
		if s != "" {
			out = strings.ReplaceAll(out, s, "")
		}
	}
	digits := onlyDigits(number)
	for _, run := range digitRuns(out) {
		for i := 0; i+Window <= len(run); i++ {
			if strings.Contains(digits, run[i:i+Window]) {
				return run[i : i+Window]
			}
		}
	}
	return ""
}

// NoSecret fails t when out contains any of secrets (credentials, names, control characters).
func NoSecret(t testing.TB, out string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(out, s) {
			t.Errorf("%q contains %q", out, s)
		}
	}
}

func onlyDigits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func digitRuns(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r < '0' || r > '9' })
}

// Numbers are valid identity numbers, in the forms servers send them, for privacy tests:
// Swedish personnummer (12 and 10 digits, with '-' and '+'), a samordningsnummer, a Norwegian
// fødselsnummer and a German tax id. Their digits share no run of Window with the fixtures'
// ids, dates or counts.
var Numbers = []string{
	"198507292384",  // Swedish, 12 digits
	"19850729-2384", // Swedish, 12 digits with '-'
	"850729-2384",   // Swedish, 10 digits with '-'
	"8507292384",    // Swedish, 10 digits
	"850729+2384",   // Swedish, over 100 years old
	"198507892381",  // Swedish samordningsnummer (day + 60)
	"29078538218",   // Norwegian fødselsnummer
	"86095742719",   // German tax id (Steuer-IdNr)
}

// Valid reports whether every Swedish and Norwegian number in Numbers passes its check digits,
// so the tests feed real-looking numbers rather than ones a validator would refuse.
func Valid() bool {
	for _, n := range Numbers[:6] {
		if !idnum.ValidSwedish(n) {
			return false
		}
	}
	return idnum.ValidNorwegian(Numbers[6])
}

// Fill returns record (JSON) with every string, number and boolean in it, at any depth,
// replaced by value: as a JSON string, or, when asNumber and value is all digits, as a JSON
// number. Member names stay, so the result reaches every field's decoder.
func Fill(record []byte, value string, asNumber bool) []byte {
	var v any
	d := json.NewDecoder(bytes.NewReader(record))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		panic(fmt.Sprintf("leakcheck.Fill: %v", err))
	}
	var leaf any = value
	if asNumber && onlyDigits(value) == value {
		leaf = json.Number(value)
	}
	out, err := json.Marshal(fill(v, leaf))
	if err != nil {
		panic(fmt.Sprintf("leakcheck.Fill: %v", err))
	}
	return out
}

func fill(v, leaf any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = fill(e, leaf)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = fill(e, leaf)
		}
		return x
	case nil:
		return nil
	}
	return leaf
}

// Clean fails t for every text that holds a run of Window digits of any of numbers, or any of
// secrets. ignore is as for NoNumber.
func Clean(t testing.TB, texts []string, numbers, secrets []string, ignore ...string) {
	t.Helper()
	for _, out := range texts {
		for _, n := range numbers {
			NoNumber(t, out, n, ignore...)
		}
		NoSecret(t, out, secrets...)
	}
}

// Texts returns what a host may show of err: Error(), %+v and %#v (without the pointer
// addresses %#v prints, whose digits could match a number's by chance).
func Texts(err error) []string {
	if err == nil {
		return nil
	}
	return []string{err.Error(), fmt.Sprintf("%+v", err), pointers.ReplaceAllString(fmt.Sprintf("%#v", err), "0x…")}
}

var pointers = regexp.MustCompile(`0x[0-9a-f]+`)

// Logger logs everything (Debug and up) to w as JSON without the time and the durations, whose
// digits could match a number's by chance.
func Logger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Value.Kind() == slog.KindDuration {
				return slog.Attr{}
			}
			return a
		}}))
}

// Decoders checks one round of a decoder test: errs are what the calls returned (nil for those
// that succeeded), logs the log they wrote, value what every field of the answers held (an
// identity number, or the client's credential cred). At least minFailed calls must have failed,
// or the round fed the decoders nothing; no error text and no log may hold cred, nor, when value
// is a number, four of its digits. ignore is as for NoNumber.
func Decoders(t testing.TB, value, cred string, errs []error, logs string, minFailed int, ignore ...string) {
	t.Helper()
	var texts []string
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			texts = append(texts, Texts(err)...)
		}
	}
	if failed < minFailed {
		t.Errorf("value %s: only %d calls failed, want at least %d; the test feeds the decoders nothing", value, failed, minFailed)
	}
	var numbers []string
	if value != cred {
		numbers = []string{value}
	}
	Clean(t, append(texts, logs), numbers, []string{cred}, ignore...)
}

// Unreachable returns host:port of a local port nothing listens on, so that every request to
// it fails at the transport.
func Unreachable(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// Typed fails t when err, the error of the call name, is none of apierror's types nor matches
// one of extra (a client's own sentinels), or when any text of it holds one of secrets: what a
// fuzz test of a client's answers checks after each call. A nil err passes.
func Typed(t testing.TB, name string, err error, secrets []string, extra ...error) {
	t.Helper()
	if err == nil {
		return
	}
	var (
		ae  *apierror.APIError
		de  *apierror.DecodeError
		te  *apierror.TokenError
		re  *apierror.RecordError
		res apierror.RecordErrors
		bt  *apierror.BodyTooLargeError
		pc  *apierror.PageCycleError
	)
	typed := errors.As(err, &ae) || errors.As(err, &de) || errors.As(err, &te) || errors.As(err, &re) ||
		errors.As(err, &res) || errors.As(err, &bt) || errors.As(err, &pc)
	for _, e := range extra {
		typed = typed || errors.Is(err, e)
	}
	if !typed {
		t.Fatalf("%s: untyped error %T: %v", name, err, err)
	}
	for _, text := range Texts(err) {
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Fatalf("%s: the error holds %q: %s", name, s, text)
			}
		}
	}
}

// Answers is an http.RoundTripper that answers the token endpoint (a path ending in TokenPath)
// with TokenStatus and TokenBody and every other request with Status, Header and Body: the
// server of a fuzz test of a client's answers, without a socket.
type Answers struct {
	TokenPath           string
	TokenStatus, Status int
	TokenBody, Body     []byte
	Header              http.Header
}

// RoundTrip implements http.RoundTripper.
func (a *Answers) RoundTrip(r *http.Request) (*http.Response, error) {
	status, body := a.Status, a.Body
	if a.TokenPath != "" && strings.HasSuffix(r.URL.Path, a.TokenPath) {
		status, body = a.TokenStatus, a.TokenBody
	}
	if r.Body != nil {
		_ = r.Body.Close()
	}
	h := a.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	return &http.Response{StatusCode: status, Status: strconv.Itoa(status) + " " + http.StatusText(status), Header: h,
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
}

// Status maps any number a fuzzer picks to an HTTP status from 200 to 599.
func Status(n uint16) int { return 200 + int(n)%400 }
