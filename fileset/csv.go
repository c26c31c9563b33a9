package fileset

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/edusync/edusync/internal/redact"
)

// Dialect says how a format writes CSV. The formats edusync delivers need two: RFC 4180 (SDS,
// OneRoster: doubled quotes, CRLF line ends) and Apple's (Apple School Manager: values quoted
// only when they hold a space or comma, quotes and backslashes escaped with a backslash, LF
// line ends).
type Dialect struct {
	// Name names the dialect in errors.
	Name string
	// CRLF ends lines with CR LF (RFC 4180); otherwise with LF.
	CRLF bool
	// Backslash escapes a quote or backslash inside a value with a backslash (Apple) instead
	// of doubling quotes (RFC 4180).
	Backslash bool
}

// The dialects of the formats edusync writes.
var (
	// RFC4180 is the dialect of SDS and OneRoster files: a value is quoted when it holds a
	// comma, quote or line break, or starts or ends with a space; a quote inside is doubled.
	RFC4180 = Dialect{Name: "RFC 4180", CRLF: true}
	// Apple is the dialect of Apple School Manager files: a value is quoted when it holds a
	// space, comma, quote or backslash; quotes and backslashes inside are escaped with a
	// backslash; lines end with LF.
	Apple = Dialect{Name: "Apple School Manager", Backslash: true}
)

// AppendRow appends one CSV record of fields to b. Values must not hold line breaks (the
// formats forbid them; writers check values before they get here).
func (d Dialect) AppendRow(b []byte, fields []string) []byte {
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = d.appendField(b, f)
	}
	if d.CRLF {
		return append(b, '\r', '\n')
	}
	return append(b, '\n')
}

func (d Dialect) appendField(b []byte, f string) []byte {
	if d.Backslash {
		if !strings.ContainsAny(f, " ,\"\\") {
			return append(b, f...)
		}
		b = append(b, '"')
		for i := 0; i < len(f); i++ {
			if f[i] == '"' || f[i] == '\\' {
				b = append(b, '\\')
			}
			b = append(b, f[i])
		}
		return append(b, '"')
	}
	if f == "" || (!strings.ContainsAny(f, ",\"\r\n") && f[0] != ' ' && f[len(f)-1] != ' ') {
		return append(b, f...)
	}
	b = append(b, '"')
	for i := 0; i < len(f); i++ {
		if f[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, f[i])
	}
	return append(b, '"')
}

// Limits bound what Parse accepts, so that a hostile file cannot exhaust memory.
type Limits struct {
	// RecordBytes is the largest record (one row, quotes included) in bytes (0: 1 MiB).
	RecordBytes int
	// Fields is the largest number of fields in a record (0: 2,048).
	Fields int
}

func (l Limits) withDefaults() Limits {
	if l.RecordBytes <= 0 {
		l.RecordBytes = 1 << 20
	}
	if l.Fields <= 0 {
		l.Fields = 2048
	}
	return l
}

// SyntaxError is a file that cannot be read as CSV of its dialect, or whose rows do not fit its
// header. Line is the line the record starts on (the header is line 1). It holds no value from
// the file.
type SyntaxError struct {
	File string
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("fileset: %s line %d: %s", e.File, e.Line, e.Msg)
}

// ErrSyntax is wrapped by every *SyntaxError, for errors.Is.
var ErrSyntax = errors.New("fileset: malformed file")

// Unwrap makes errors.Is(err, ErrSyntax) hold.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// Parse reads CSV of dialect d from r and calls row for each record with its line number (the
// header is line 1) and its fields. A UTF-8 byte order mark at the start is skipped, as
// importers must. The fields slice is reused: row must copy what it keeps. Both line ends are
// accepted whatever the dialect writes. file names the file in errors.
func (d Dialect) Parse(r io.Reader, file string, lim Limits, row func(line int, fields []string) error) error {
	lim = lim.withDefaults()
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	p := parser{d: d, br: br, lim: lim, file: file, line: 1}
	for {
		start := p.line
		fields, err := p.record()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := row(start, fields); err != nil {
			return err
		}
	}
}

type parser struct {
	d      Dialect
	br     *bufio.Reader
	lim    Limits
	file   string
	line   int
	buf    []byte
	ends   []int
	fields []string
}

func (p *parser) fail(line int, format string, args ...any) error {
	return &SyntaxError{File: redact.Text(p.file), Line: line, Msg: fmt.Sprintf(format, args...)}
}

// record reads one record; io.EOF at the end of input.
func (p *parser) record() ([]string, error) {
	p.buf, p.ends = p.buf[:0], p.ends[:0]
	start := p.line
	_, err := p.br.ReadByte()
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, err
	}
	p.br.UnreadByte()
	size := 0
	for {
		// One field.
		c, err := p.br.ReadByte()
		if err != nil && err != io.EOF {
			return nil, err
		}
		quoted := err == nil && c == '"'
		if err == nil && !quoted {
			p.br.UnreadByte()
		}
		end := false
		for {
			c, err := p.br.ReadByte()
			if err == io.EOF {
				if quoted {
					return nil, p.fail(start, "a quoted value is not closed")
				}
				end = true
				break
			}
			if err != nil {
				return nil, err
			}
			if size++; size > p.lim.RecordBytes {
				return nil, p.fail(start, "the record is longer than %d bytes", p.lim.RecordBytes)
			}
			switch {
			case quoted && p.d.Backslash && c == '\\':
				n, err := p.br.ReadByte()
				if err != nil {
					return nil, p.fail(start, "a quoted value is not closed")
				}
				size++
				if n == '\n' {
					p.line++
				}
				p.buf = append(p.buf, n)
				continue
			case quoted && c == '"':
				if !p.d.Backslash {
					if n, err := p.br.Peek(1); err == nil && n[0] == '"' {
						p.br.Discard(1)
						size++
						p.buf = append(p.buf, '"')
						continue
					}
				}
				quoted = false
				// After the closing quote only a separator or a line end may follow.
				n, err := p.br.Peek(1)
				if err == nil && n[0] != ',' && n[0] != '\r' && n[0] != '\n' {
					return nil, p.fail(start, "text after a closing quote")
				}
				continue
			case quoted:
				if c == '\n' {
					p.line++
				}
				p.buf = append(p.buf, c)
				continue
			case c == '"':
				return nil, p.fail(start, "a quote inside an unquoted value")
			case c == ',':
			case c == '\r':
				if n, err := p.br.Peek(1); err == nil && n[0] == '\n' {
					p.br.Discard(1)
				}
				p.line++
				end = true
			case c == '\n':
				p.line++
				end = true
			default:
				p.buf = append(p.buf, c)
				continue
			}
			break
		}
		p.ends = append(p.ends, len(p.buf))
		if len(p.ends) > p.lim.Fields {
			return nil, p.fail(start, "more than %d fields", p.lim.Fields)
		}
		if end {
			break
		}
	}
	s := string(p.buf)
	p.fields = p.fields[:0]
	from := 0
	for _, e := range p.ends {
		p.fields = append(p.fields, s[from:e])
		from = e
	}
	return p.fields, nil
}
