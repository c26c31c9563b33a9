package review

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"golang.org/x/text/language"
)

// languages are the languages the page speaks, in the chooser's order, with their own names.
var languages = []struct{ code, name string }{
	{"sv", "Svenska"}, {"nb", "Norsk bokmål"}, {"de", "Deutsch"}, {"en", "English"},
}

// matcher picks one of them from Accept-Language; Norwegian without a written standard and
// nynorsk fall back to bokmål, as Norwegian schools' systems do.
var matcher = language.NewMatcher([]language.Tag{language.English, language.Swedish, language.Norwegian, language.German})

var matched = map[language.Base]string{}

func init() {
	for _, t := range []language.Tag{language.English, language.Swedish, language.German} {
		b, _ := t.Base()
		matched[b] = t.String()
	}
	for _, s := range []string{"no", "nb", "nn"} {
		b, _ := language.Make(s).Base()
		matched[b] = "nb"
	}
}

const langCookie = "edusync_review_lang"

// language is the language of the answer to r: the chooser's (?lang=, then remembered in a
// cookie), the browser's (Accept-Language), or the default.
func (h *Handler) language(w http.ResponseWriter, r *http.Request) string {
	if l := r.URL.Query().Get("lang"); known(l) {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: h.basePath(r) + "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure(r)})
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil && known(c.Value) {
		return c.Value
	}
	if al := r.Header.Get("Accept-Language"); al != "" && len(al) < 1000 {
		tags, _, err := language.ParseAcceptLanguage(al)
		if err == nil && len(tags) > 0 {
			t, _, conf := matcher.Match(tags...)
			if conf != language.No {
				b, _ := t.Base()
				if l, ok := matched[b]; ok {
					return l
				}
			}
		}
	}
	return h.cfg.lang
}

func known(l string) bool {
	_, ok := catalogue[l]
	return ok && l != ""
}

// langLink is an entry of the language chooser.
type langLink struct {
	Code, Name, URL string
	Current         bool
}

// langLinks are links to the page being shown in each language (for a form post, to the page
// it came from).
func (q *req) langLinks() []langLink {
	out := make([]langLink, len(languages))
	for i, l := range languages {
		v := url.Values{}
		if q.r.Method == http.MethodGet || q.r.Method == http.MethodHead {
			for k, vs := range q.r.URL.Query() {
				for _, s := range vs {
					v.Add(mask(k), mask(s))
				}
			}
		}
		v.Set("lang", l.code)
		v.Del("done")
		out[i] = langLink{Code: l.code, Name: l.name, URL: q.base + mask(q.r.URL.EscapedPath()) + "?" + v.Encode(), Current: l.code == q.lang}
	}
	return out
}

// t translates a catalogue entry into the request's language.
func (q *req) t(key string, args ...any) string { return translate(q.lang, key, args...) }

func translate(lang, key string, args ...any) string {
	s, ok := catalogue[lang][key]
	if !ok {
		s, ok = catalogue["en"][key]
	}
	if !ok {
		return key
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// flash is the message a form's redirect carries to the page it lands on (?done=).
func (q *req) flash() string {
	v := q.r.URL.Query()
	n, _ := strconv.Atoi(v.Get("n"))
	switch v.Get("done") {
	case "answered":
		return q.t("flash.answered", max(n, 0))
	case "released":
		return q.t("flash.released", max(n, 0))
	case "requested":
		return q.t("flash.requested")
	}
	return ""
}
