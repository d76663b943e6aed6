package random

import (
	"strings"
	"testing"
)

func TestBase62(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range []int{0, 1, 20, 40, 100} {
		s := Base62(n)
		if len(s) != n {
			t.Errorf("Base62(%d) has %d characters", n, len(s))
		}
		for i := 0; i < len(s); i++ {
			if strings.IndexByte(Alphabet, s[i]) < 0 {
				t.Errorf("Base62(%d) = %q holds %q", n, s, s[i])
			}
		}
		if n >= 20 && seen[s] {
			t.Errorf("Base62(%d) repeated %q", n, s)
		}
		seen[s] = true
	}
}

// TestBase62Uniform checks that every character of the alphabet turns up
// about equally often (no modulo bias towards the first characters).
func TestBase62Uniform(t *testing.T) {
	var count [256]int
	const n = 62 * 2000
	for _, c := range []byte(Base62(n)) {
		count[c]++
	}
	for i := 0; i < len(Alphabet); i++ {
		if c := count[Alphabet[i]]; c < 1600 || c > 2400 {
			t.Errorf("%q drawn %d times of %d, want about 2000", Alphabet[i], c, n)
		}
	}
}
