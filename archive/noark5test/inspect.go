package noark5test

import (
	"encoding/json"
	"slices"

	"github.com/edusync/edusync/archive/noark5"
)

// CaseFile is a case file as the archive holds it, with its registrations.
type CaseFile struct {
	noark5.Mappe
	Registrations []Registration
}

// Registration is a registration with its documents.
type Registration struct {
	noark5.Registrering
	Documents []Document
}

// Document is a document description with its objects.
type Document struct {
	noark5.Dokumentbeskrivelse
	Objects []Object
}

// Object is a document object and, once uploaded, what the archive received.
type Object struct {
	noark5.Dokumentobjekt
	Uploaded       bool
	ReceivedSize   int64
	ReceivedSHA256 string
}

// Archive returns every case file of every series, oldest first, as the archive holds them.
func (s *Server) Archive() []CaseFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []CaseFile
	for _, m := range s.childrenOf("", "mappe") {
		var cf CaseFile
		s.decode(m, &cf.Mappe)
		for _, r := range s.childrenOf(m.id, "registrering") {
			var reg Registration
			s.decode(r, &reg.Registrering)
			for _, d := range s.childrenOf(r.id, "dokumentbeskrivelse") {
				var doc Document
				s.decode(d, &doc.Dokumentbeskrivelse)
				for _, o := range s.childrenOf(d.id, "dokumentobjekt") {
					var obj Object
					s.decode(o, &obj.Dokumentobjekt)
					if o.file != nil {
						obj.Uploaded, obj.ReceivedSize, obj.ReceivedSHA256 = true, o.file.size, o.file.sha256
					}
					doc.Objects = append(doc.Objects, obj)
				}
				reg.Documents = append(reg.Documents, doc)
			}
			cf.Registrations = append(cf.Registrations, reg)
		}
		out = append(out, cf)
	}
	return out
}

// Sessions is how many chunked uploads are open (neither finished nor cancelled).
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// childrenOf lists the entities of kind under parent ("" for case files of any series), oldest
// first. The caller holds s.mu.
func (s *Server) childrenOf(parent, kind string) []*ent {
	var out []*ent
	for _, e := range s.ents {
		if e.kind == kind && (e.parent == parent || (parent == "" && s.ents[e.parent] != nil && s.ents[e.parent].kind == "arkivdel")) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b *ent) int { return a.seq - b.seq })
	return out
}

func (s *Server) decode(e *ent, v any) {
	b, _ := json.Marshal(s.view(e))
	_ = json.Unmarshal(b, v)
}
