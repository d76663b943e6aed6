package main

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
)

// fdReserve is how many file descriptors serve keeps for itself (the
// database, its WAL and shared memory, the log, the listener) when it caps
// connections below the process's descriptor limit.
const fdReserve = 64

// connCap is the number of connections serve keeps open at once: max, but
// never more than the descriptor limit leaves room for. Go raises the soft
// limit to the hard one at start-up on Linux, so this is the hard limit.
func connCap(limit int) int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil && rl.Cur < uint64(limit+fdReserve) {
		limit = int(rl.Cur) - fdReserve
	}
	return max(limit, 1)
}

// limitListener caps the connections open at once at cap(sem), so that a
// flood of connections cannot exhaust the process's file descriptors (and
// with MaxHeaderBytes, bounds the memory they hold). At three quarters of
// the cap it turns keep-alives off, which closes the idle connections at
// once and answers every request with Connection: close, until the count
// is back under half the cap; at the cap, Accept waits for a connection to
// close, and new clients wait in the kernel's accept queue rather than
// being refused. A connection that never sends a request is closed by
// ReadHeaderTimeout.
type limitListener struct {
	net.Listener
	srv      *http.Server
	sem      chan struct{}
	open     atomic.Int64
	shedding atomic.Bool
	done     chan struct{}
	once     sync.Once
	// shed, when set, is told when keep-alives go off (true) and on again.
	shed func(on bool, open int64)
}

func newLimitListener(ln net.Listener, srv *http.Server, cap int, shed func(bool, int64)) *limitListener {
	return &limitListener{Listener: ln, srv: srv, sem: make(chan struct{}, cap), done: make(chan struct{}), shed: shed}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	default:
		l.setShedding(true)
		select {
		case l.sem <- struct{}{}:
		case <-l.done:
			return nil, net.ErrClosed
		}
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	if n := l.open.Add(1); n >= int64(cap(l.sem))*3/4 {
		l.setShedding(true)
	}
	return &limitConn{Conn: c, l: l}, nil
}

func (l *limitListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

func (l *limitListener) release() {
	<-l.sem
	if n := l.open.Add(-1); n <= int64(cap(l.sem))/2 {
		l.setShedding(false)
	}
}

func (l *limitListener) setShedding(on bool) {
	if l.shedding.CompareAndSwap(!on, on) {
		l.srv.SetKeepAlivesEnabled(!on)
		if l.shed != nil {
			l.shed(on, l.open.Load())
		}
	}
}

// limitConn gives its slot back when it is closed, once.
type limitConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.l.release)
	return err
}

// CloseWrite half-closes a TCP connection: net/http does so before it
// closes a connection after an error answer such as 431, so that the client
// reads the answer before the reset.
func (c *limitConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// closeAfterChunked answers every request whose body came with a
// Transfer-Encoding (chunked) with Connection: close, so that net/http
// closes the connection after the answer. A request with both
// Transfer-Encoding and Content-Length must not leave its connection open
// (RFC 9112 §6.1: a proxy that framed it by Content-Length would have the
// rest read as another request, request smuggling), yet Go's server keeps
// it open (golang/go#80942) and removes the Content-Length header before a
// handler could see it: so every chunked request closes its connection.
// Clients that send bodies with Content-Length, as API clients do, keep
// their keep-alive connections.
func closeAfterChunked(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TransferEncoding) > 0 {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}
