// Command ceiling is the most net/http does with palja's requests and
// answers on a machine: a bare net/http handler that answers every request
// with one response palja gave (its status, its headers, its body),
// recorded with curl -si, and does nothing else. No authentication, no
// rate limit, no database, no log line, no metrics.
//
//	curl -si -X PUT ... http://127.0.0.1:8080/v1/profiles/hot > put.http   # a real answer of palja
//	go run ./scripts/load/ceiling -addr 127.0.0.1:8091 -response put.http &
//	KEY=x REF=hot wrk -t2 -c64 -d10s --latency -s scripts/load/put.lua http://127.0.0.1:8091
//
// compare.sh runs it next to palja, with the same wrk command and script,
// so that palja's figure splits in two: what its protocol costs (requests
// with an API key and a JSON body, answers with seven headers besides
// Date, which a bare handler pays too; the baseline's GET and its answer
// with two besides Date pay less), and what palja's own work costs (the
// rest).
//
// The server has palja serve's settings (its timeouts and header limit);
// with -timeouts=false only the baseline's ReadHeaderTimeout, which shows
// what the read, write and idle deadlines of every request cost.
// A 2xx answer is sent after the request body has been read, as palja's
// handlers read it; any other is sent without reading it, as palja's
// refusals are (net/http then discards the body). The recorded Date header
// is dropped: net/http writes the current one, as it does for palja.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/palja/palja/internal/httpserver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ceiling:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("ceiling", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8091", "listen address")
	file := fs.String("response", "", "an HTTP response as curl -si prints it: the answer to every request")
	timeouts := fs.Bool("timeouts", true, "palja serve's timeouts; false: the baseline's (ReadHeaderTimeout only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *file == "" || fs.NArg() > 0 {
		return errors.New("usage: ceiling -addr host:port -response file")
	}
	raw, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	h, err := parseResponse(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", *file, err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	return serve(ctx, ln, h, *timeouts)
}

// serve answers on ln with h until ctx ends.
func serve(ctx context.Context, ln net.Listener, h http.Handler, timeouts bool) error {
	srv := httpserver.New(h) // palja serve's settings, its flags' defaults
	if !timeouts {
		srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout = 0, 0, 0
	}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// replay answers every request with one recorded response.
type replay struct {
	status int
	header http.Header // without Date
	body   []byte
}

func parseResponse(raw []byte) (*replay, error) {
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), nil)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	h := resp.Header.Clone()
	h.Del("Date")
	// The length of the body as read (a recorded answer without a
	// Content-Length gets one, as palja's answers all have).
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return &replay{status: resp.StatusCode, header: h, body: body}, nil
}

func (p *replay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.status >= 200 && p.status < 300 {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return
		}
	}
	h := w.Header()
	for k, v := range p.header {
		h[k] = v
	}
	w.WriteHeader(p.status)
	w.Write(p.body)
}
