package ss12000

import (
	"os"
	"reflect"
	"regexp"
	"testing"
)

// TestEveryOperationHasAMethod keeps the facade in step with openapi/ss12000.yaml: each
// operationId must be a Client method of the same name (callbacks the service makes excepted).
func TestEveryOperationHasAMethod(t *testing.T) {
	spec, err := os.ReadFile("../openapi/ss12000.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ops := regexp.MustCompile(`(?m)^\s+operationId: (\w+)$`).FindAllSubmatch(spec, -1)
	if len(ops) < 69 {
		t.Fatalf("found only %d operations in the spec", len(ops))
	}
	ct := reflect.TypeFor[*Client]()
	n := 0
	for _, m := range ops {
		id := string(m[1])
		if id == "notifySubscriber" {
			continue
		}
		n++
		name := string(id[0]-'a'+'A') + id[1:]
		if _, ok := ct.MethodByName(name); !ok {
			t.Errorf("operation %s has no Client.%s", id, name)
		}
	}
	if n != 69 {
		t.Errorf("spec has %d client operations, want 69", n)
	}
}
