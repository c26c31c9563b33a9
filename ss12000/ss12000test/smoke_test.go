package ss12000test

import (
	"net/http"
	"testing"
)

func TestSmoke(t *testing.T) {
	s := NewServer(SampleSchool())
	defer s.Close()
	c := newClient(t, s)
	ids, pages := c.listIDs("/persons", vals("limit", "50"))
	t.Logf("%d persons in %d pages", len(ids), pages)
	a := c.get("/persons/"+ids[0], vals("expand", "groupMemberships", "expandReferenceNames", "true"), http.StatusOK, nil)
	t.Logf("%s", a.body)
}
