// Command genheader makes a generated Go file's header say only that it is generated: the
// generator's comment before the package clause ("Package x provides primitives ...", "Code
// generated ... DO NOT EDIT.") would otherwise become part of the package's documentation,
// which belongs to its doc.go. It keeps the "Code generated" line, separated from the package
// clause by a blank line, so tools still recognise the file as generated.
//
// Usage (in a go:generate line, after the generator): go run ../internal/cmd/genheader FILE...
package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
)

var generated = regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`)

func main() {
	for _, name := range os.Args[1:] {
		if err := fix(name); err != nil {
			fmt.Fprintln(os.Stderr, "genheader:", err)
			os.Exit(1)
		}
	}
}

func fix(name string) error {
	src, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	out, err := header(src)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return os.WriteFile(name, out, 0o644)
}

// header rewrites the comment block before the package clause to the "Code generated" line
// and a blank line.
func header(src []byte) ([]byte, error) {
	pkg := regexp.MustCompile(`(?m)^package \w+`).FindIndex(src)
	if pkg == nil {
		return nil, fmt.Errorf("no package clause")
	}
	head := src[:pkg[0]]
	line := generated.Find(head)
	if line == nil {
		return nil, fmt.Errorf("no \"Code generated ... DO NOT EDIT.\" line before the package clause")
	}
	var b bytes.Buffer
	b.Write(line)
	b.WriteString("\n\n")
	b.Write(src[pkg[0]:])
	return b.Bytes(), nil
}
