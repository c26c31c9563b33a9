// Command sandbox serves every edusync fake on loopback ports until interrupted, so programs in
// any language can be tried against SS 12000, Canvas and the other APIs without credentials.
//
// Once every fake listens it prints one line per fake to stdout:
//
//	NAME BASE_URL CREDENTIAL
//
// NAME is the client package's name, BASE_URL is exactly what that client is configured with,
// and CREDENTIAL is a bearer token, client_id:secret for a fake's OAuth2 token endpoint, or the
// path of a PEM bundle for client certificates (each fake's file here says which). Logs go to stderr.
//
// Each fake registers itself in its own file in this directory.
//
//	go run ./examples/sandbox                       # every fake on free ports
//	go run ./examples/sandbox -ss12000-port 8400    # a fixed port for one fake
//	go run ./examples/sandbox -preset municipality  # larger data where the fake supports it
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
)

// sandboxOptions is what every fake gets when it starts.
type sandboxOptions struct {
	// Listener is bound to the fake's port; the fake serves on it (wrapping it in TLS if it needs to).
	Listener net.Listener
	// Preset names the data size: school, municipality or university.
	Preset string
	// Seed makes generated data repeatable.
	Seed uint64
	// Dir is a private temporary directory for files such as certificate bundles.
	Dir    string
	Logger *slog.Logger
}

// fake is one registered fake server.
type fake struct {
	Name string
	// Flags registers the fake's own flags (optional).
	Flags func(fs *flag.FlagSet)
	// Start serves the fake on o.Listener and returns what a client needs, and how to stop it.
	Start func(ctx context.Context, o sandboxOptions) (baseURL, credential string, stop func(), err error)
}

var fakes []fake

func register(f fake) { fakes = append(fakes, f) }

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(1)
	}
}

// run starts the fakes, writes their lines to out, and serves until ctx ends or a signal arrives.
func run(ctx context.Context, args []string, out io.Writer) error {
	slices.SortFunc(fakes, func(a, b fake) int { return strings.Compare(a.Name, b.Name) })
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	host := fs.String("host", "127.0.0.1", "address to listen on")
	preset := fs.String("preset", "school", "data size: school, municipality or university")
	seed := fs.Uint64("seed", 1, "seed for generated data")
	only := fs.String("only", "", "comma-separated names of the fakes to start (default: all)")
	ports := map[string]*int{}
	for _, f := range fakes {
		ports[f.Name] = fs.Int(f.Name+"-port", 0, "port for the "+f.Name+" fake (0: any free port)")
		if f.Flags != nil {
			f.Flags(fs)
		}
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch *preset {
	case "school", "municipality", "university":
	default:
		return fmt.Errorf("unknown -preset %q (school, municipality or university)", *preset)
	}
	want := map[string]bool{}
	for _, n := range strings.Split(*only, ",") {
		if n = strings.TrimSpace(n); n != "" {
			want[n] = true
		}
	}
	for n := range want {
		if _, ok := ports[n]; !ok {
			return fmt.Errorf("-only: no fake named %q", n)
		}
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	dir, err := os.MkdirTemp("", "edusync-sandbox-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	ctx, cancel := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer cancel()

	var lines []string
	var stops []func()
	defer func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}()
	for _, f := range fakes {
		if len(want) > 0 && !want[f.Name] {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(*host, fmt.Sprint(*ports[f.Name])))
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		fdir, err := os.MkdirTemp(dir, f.Name+"-")
		if err != nil {
			return err
		}
		base, cred, stop, err := f.Start(ctx, sandboxOptions{Listener: ln, Preset: *preset, Seed: *seed, Dir: fdir, Logger: logger.With("fake", f.Name)})
		if err != nil {
			ln.Close()
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		stops = append(stops, stop)
		lines = append(lines, f.Name+" "+base+" "+cred)
	}
	for _, l := range lines {
		if _, err := fmt.Fprintln(out, l); err != nil {
			return err
		}
	}
	logger.Info("sandbox ready; interrupt to stop", "fakes", len(lines))
	<-ctx.Done()
	return nil
}
