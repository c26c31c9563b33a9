package fs

import (
	"os"
	"reflect"
	"regexp"
	"testing"
)

// TestEveryOperationHasAMethod keeps the facade in step with openapi/fs.yaml: each
// operationId must be a Client method of the same name, and each listing (listX) also has its
// page-level XPage method.
func TestEveryOperationHasAMethod(t *testing.T) {
	spec, err := os.ReadFile("../openapi/fs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ops := regexp.MustCompile(`(?m)^\s+operationId: (\w+)$`).FindAllSubmatch(spec, -1)
	if len(ops) != 6 {
		t.Fatalf("found %d operations in the spec, want 6", len(ops))
	}
	ct := reflect.TypeFor[*Client]()
	for _, m := range ops {
		id := string(m[1])
		name := string(id[0]-'a'+'A') + id[1:]
		if _, ok := ct.MethodByName(name); !ok {
			t.Errorf("operation %s has no Client.%s", id, name)
		}
		if id[:4] == "list" {
			if _, ok := ct.MethodByName(name + "Page"); !ok {
				t.Errorf("listing %s has no Client.%sPage", id, name)
			}
		}
	}
}
