package wiseflow

//go:generate go tool -modfile=../tools/go.mod oapi-codegen -config ../openapi/wiseflow.codegen.yaml ../openapi/wiseflow.yaml
//go:generate go run ../internal/cmd/genheader models.gen.go
