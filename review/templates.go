package review

import (
	"crypto/sha256"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// The templates and assets are embedded: the page needs no files beside the binary and no
// build step.
//
//go:embed templates/*.html static/*
var files embed.FS

// pageNames are the pages; each is templates/<name>.html with the frame in layout.html.
var pageNames = []string{"overview", "pipeline", "plan", "audit", "questions", "error"}

// parseTemplates parses every page once per language (the t function is bound to it) and
// returns the assets' version, a digest of their bytes.
func parseTemplates() (map[string]map[string]*template.Template, string, error) {
	out := map[string]map[string]*template.Template{}
	for lang := range catalogue {
		out[lang] = map[string]*template.Template{}
		funcs := template.FuncMap{
			"t":   func(key string, args ...any) string { return translate(lang, key, args...) },
			"add": func(a, b int) int { return a + b },
		}
		for _, p := range pageNames {
			t, err := template.New(p).Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/parts.html", "templates/"+p+".html")
			if err != nil {
				return nil, "", err
			}
			out[lang][p] = t
		}
	}
	d := sha256.New()
	err := fs.WalkDir(files, "static", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		d.Write(b)
		return err
	})
	return out, idEncoding.EncodeToString(d.Sum(nil))[:12], err
}

// static serves the stylesheet and the script.
func (h *Handler) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := files.ReadFile("static/" + name)
	if err != nil || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	ct := map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}[path.Ext(name)]
	if ct == "" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ct)
	if r.URL.Query().Get("v") == h.assetVersion {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, name, time.Time{}, strings.NewReader(string(b)))
}
