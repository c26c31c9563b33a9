package ss12000

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestIsProtectedFailsClosed(t *testing.T) {
	for m, want := range map[SecurityMarking]bool{
		SecurityMarkingIngen: false, SecurityMarkingSekretessmarkering: true, SecurityMarkingSkyddadFolkbokforing: true,
		"": true, "ingen": true, "Okänd": true, " Ingen": true,
	} {
		if got := IsProtected(m); got != want {
			t.Errorf("IsProtected(%q) = %v", m, got)
		}
	}
	r := PersonReference{ID: "x"}
	if !r.Protected() {
		t.Error("reference without a marking is not protected")
	}
}

func TestPersonLogValue(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	open := Person{ID: "p1", GivenName: "Åsa", FamilyName: "Öberg", SecurityMarking: SecurityMarkingIngen,
		CivicNo: CivicNo{Value: "191212121212"}, Photo: "https://photos.example/p1.jpg",
		Addresses: []PersonAddress{{StreetAddress: "Storgatan 1", Locality: "Exempelby"}}}
	hidden := PersonExpanded{ID: "p2", GivenName: "Hemlig", FamilyName: "Person", SecurityMarking: SecurityMarkingSkyddadFolkbokforing,
		CivicNo: CivicNo{Value: "191212121212"}}
	ref := PersonReference{ID: "p2", DisplayName: "Hemlig Person", SecurityMarking: SecurityMarkingSekretessmarkering}
	log.Info("sync", "open", open, "hidden", hidden, "ref", ref, "civic", open.CivicNo, "addr", open.Addresses[0])
	out := buf.String()
	for _, leak := range []string{"191212121212", "Storgatan", "Exempelby", "photos.example", "Hemlig"} {
		if strings.Contains(out, leak) {
			t.Errorf("log contains %q: %s", leak, out)
		}
	}
	for _, keep := range []string{"open.id=p1", "open.givenName=Åsa", "hidden.id=p2", "open.addresses=1"} {
		if !strings.Contains(out, keep) {
			t.Errorf("log lacks %q: %s", keep, out)
		}
	}
}
