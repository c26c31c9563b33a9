package canvas

//go:generate go tool -modfile=../tools/go.mod oapi-codegen -config ../openapi/canvas.codegen.yaml ../openapi/canvas.yaml
//go:generate go run ../internal/cmd/genheader models.gen.go
