package inspera

import (
	"os"
	"reflect"
	"regexp"
	"testing"
)

// TestEveryOperationHasAMethod keeps the facade in step with openapi/inspera.yaml: each
// operationId must be a Client method of the same name (the token endpoint, which WithAPIKey
// calls, and the webhook Inspera sends, which insperahook receives, excepted).
func TestEveryOperationHasAMethod(t *testing.T) {
	spec, err := os.ReadFile("../openapi/inspera.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ops := regexp.MustCompile(`(?m)^\s+operationId: (\w+)$`).FindAllSubmatch(spec, -1)
	ct := reflect.TypeFor[*Client]()
	n := 0
	for _, m := range ops {
		id := string(m[1])
		if id == "authenticate" || id == "notifySubscriber" {
			continue
		}
		n++
		name := string(id[0]-'a'+'A') + id[1:]
		if _, ok := ct.MethodByName(name); !ok {
			t.Errorf("operation %s has no Client.%s", id, name)
		}
	}
	if n != 17 {
		t.Errorf("spec has %d client operations, want 17", n)
	}
}
