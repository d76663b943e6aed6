// Command seed fills a palja SQLite database with profiles quickly, for the
// load tests of scripts/load (uniform.lua, compare.sh, scale.sh). It writes
// through the store, as palja serve does: profile.New builds each profile
// (validated, chart computed), and sqlite's ProfileStore.Create seals and
// stores it. Many goroutines create at once, so the writer commits them in
// groups (one transaction and one fsync for up to a few hundred creates).
//
//	export PALJA_ENCRYPTION_KEYS=$(palja encryption-key)   # the same for palja serve
//	KEY=$(go run ./scripts/load/seed -db /tmp/x/palja.db -n 100000)
//	go run ./scripts/load/seed -db /tmp/x/palja.db -key "$KEY" -from 100000 -n 1000000
//
// Without -key it creates an API key in a new account (-rate and -burst,
// unlimited by default) and prints its secret on stdout; with -key it adds
// the profiles to that key's account and prints nothing. The profiles
// have the external ids u<from> to u<n-1> and births spread over
// 1950–2009. The encryption keys come from PALJA_ENCRYPTION_KEYS only:
// give palja serve the same value.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/palja/palja/auth"
	"github.com/palja/palja/crypto"
	"github.com/palja/palja/profile"
	"github.com/palja/palja/storage/sqlite"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

type config struct {
	db, key  string
	from, n  int
	workers  int
	rate     float64
	burst    int
	progress int
	keyName  string
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.db, "db", "", "SQLite database file (created if missing)")
	fs.IntVar(&c.n, "n", 100000, "create the profiles u<from> … u<n-1>")
	fs.IntVar(&c.from, "from", 0, "first index")
	fs.StringVar(&c.key, "key", "", "an API key secret of the database: add the profiles to its account (no new key)")
	fs.Float64Var(&c.rate, "rate", 1e6, "rate of the new key, requests/s")
	fs.IntVar(&c.burst, "burst", 1000000, "burst of the new key")
	fs.StringVar(&c.keyName, "name", "load", "name of the new key")
	fs.IntVar(&c.workers, "workers", 512, "goroutines creating at once (the writer groups up to 256 creates per commit)")
	fs.IntVar(&c.progress, "progress", 100000, "report progress on stderr every this many profiles (0: never)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.db == "":
		return errors.New("-db is required")
	case c.from < 0 || c.n < c.from:
		return fmt.Errorf("want 0 <= -from <= -n, have %d and %d", c.from, c.n)
	case c.workers < 1:
		return errors.New("-workers must be at least 1")
	}
	v := getenv("PALJA_ENCRYPTION_KEYS")
	if v == "" {
		return errors.New("set PALJA_ENCRYPTION_KEYS (palja encryption-key makes one) and give palja serve the same")
	}
	kr, err := crypto.ParseKeys(v)
	if err != nil {
		return fmt.Errorf("PALJA_ENCRYPTION_KEYS: %w", err)
	}
	db, err := sqlite.Open(ctx, c.db, kr, sqlite.Options{})
	if err != nil {
		return err
	}
	defer db.Close()

	var account string
	if c.key != "" {
		k, err := db.KeyByHash(ctx, auth.Hash(c.key))
		if err != nil {
			return fmt.Errorf("-key: %w", err)
		}
		account = k.AccountID
	} else {
		secret, k, err := db.CreateKey(ctx, c.keyName, "", c.rate, c.burst)
		if err != nil {
			return err
		}
		account = k.AccountID
		fmt.Fprintln(stdout, secret)
		fmt.Fprintf(stderr, "seed: created key %s (account %s, rate %g, burst %d)\n", k.ID, account, c.rate, c.burst)
	}

	start := time.Now()
	if err := seed(ctx, db.Profiles(), account, c, stderr); err != nil {
		return err
	}
	if err := db.Close(); err != nil { // checkpoints the WAL: part of the cost
		return err
	}
	d := time.Since(start)
	count := c.n - c.from
	fmt.Fprintf(stderr, "seed: %d profiles (u%d … u%d) in %.1fs: %.0f profiles/s (%d workers, GOMAXPROCS %d)\n",
		count, c.from, c.n-1, d.Seconds(), float64(count)/d.Seconds(), c.workers, runtime.GOMAXPROCS(0))
	return nil
}

// names are valid names of one to three syllables.
var names = [...]string{"김영희", "박서준", "이민지", "최", "정하늘", "John", "강다은", "윤"}

// newProfile builds profile u<i> of account: its birth, hour and gender
// vary with i, so that the charts do.
func newProfile(account string, i int, now time.Time) (*profile.Profile, error) {
	gender := [...]string{"female", "male"}[i%2]
	p := profile.Patch{
		ExternalID: profile.Opt[string]{Set: true, V: "u" + strconv.Itoa(i)},
		Name:       profile.Opt[string]{Set: true, V: names[i%len(names)]},
		BirthYear:  profile.Opt[int]{Set: true, V: 1950 + i%60},
		BirthMonth: profile.Opt[int]{Set: true, V: 1 + i%12},
		BirthDay:   profile.Opt[int]{Set: true, V: 1 + i%28},
		BirthHour:  profile.Opt[int]{Set: true, V: i % 24},
		Gender:     profile.Opt[string]{Set: true, V: gender},
	}
	return profile.New(account, &p, now)
}

// seed creates profiles u<c.from> to u<c.n-1> in account from c.workers
// goroutines, and stops at the first error.
func seed(ctx context.Context, store profile.Store, account string, c config, stderr io.Writer) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		next    atomic.Int64
		done    atomic.Int64
		wg      sync.WaitGroup
		started = time.Now()
	)
	next.Store(int64(c.from))
	for range min(c.workers, max(c.n-c.from, 1)) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= c.n {
					return
				}
				p, err := newProfile(account, i, time.Now())
				if err == nil {
					_, _, err = store.Create(ctx, p, nil)
				}
				if err != nil {
					cancel(fmt.Errorf("profile u%d: %w", i, err))
					return
				}
				if d := done.Add(1); c.progress > 0 && d%int64(c.progress) == 0 {
					fmt.Fprintf(stderr, "seed: %d profiles, %.0f/s\n", d, float64(d)/time.Since(started).Seconds())
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}
