package profile

import (
	"errors"
	"testing"
	"time"
)

func TestMask(t *testing.T) {
	for in, want := range map[string]string{"김영희": "김**", "John": "J***", "이": "*", "😀a": "😀*", "Ab": "A*"} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int]string{1990: "19**", 2100: "21**", 1900: "19**"} {
		if got := MaskYear(in); got != want {
			t.Errorf("MaskYear(%d) = %q, want %q", in, got, want)
		}
	}
}

func hour(h int) *int { return &h }

func newTestProfile(t *testing.T) *Profile {
	t.Helper()
	p, err := DecodePatch([]byte(`{"name":"김영희","birth_year":1988,"birth_month":4,"birth_day":30,"birth_hour":23}`))
	if err != nil {
		t.Fatal(err)
	}
	pr, err := New("acct_1", p, time.Date(2025, 1, 15, 9, 0, 0, 5, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return pr
}

func TestMergeFailsAsAWhole(t *testing.T) {
	pr := newTestProfile(t)
	before := *pr
	patch, _ := DecodePatch([]byte(`{"name":"박","birth_day":31}`))
	if _, err := pr.Merge(patch); err == nil {
		t.Fatal("April 31 accepted")
	} else {
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != FieldBirthDay {
			t.Errorf("error %v", err)
		}
	}
	if *pr != before {
		t.Errorf("failed merge changed the profile")
	}
}

func TestMergeRecomputesOnlyOnBirthChange(t *testing.T) {
	for _, c := range []struct {
		body       string
		recomputed bool
	}{
		{`{"name":"박"}`, false},
		{`{"gender":"male"}`, false},
		{`{"birth_year":1988}`, false},
		{`{"birth_hour":23}`, false},
		{`{"birth_hour":0}`, true},
		{`{"birth_hour":null}`, true},
		{`{"birth_day":29}`, true},
		{`{"birth_month":5,"birth_day":1}`, true},
	} {
		pr := newTestProfile(t)
		patch, err := DecodePatch([]byte(c.body))
		if err != nil {
			t.Fatal(err)
		}
		old := pr.Chart
		got, err := pr.Merge(patch)
		if err != nil || got != c.recomputed {
			t.Errorf("%s: recomputed %v, %v; want %v", c.body, got, err, c.recomputed)
		}
		if !c.recomputed && pr.Chart != old {
			t.Errorf("%s: chart changed without recompute", c.body)
		}
	}
}

func TestNullClearsHour(t *testing.T) {
	pr := newTestProfile(t)
	if !pr.Chart.HasHour {
		t.Fatal("no hour pillar to start with")
	}
	patch, _ := DecodePatch([]byte(`{"birth_hour":null}`))
	if _, err := pr.Merge(patch); err != nil {
		t.Fatal(err)
	}
	if pr.BirthHour != nil || pr.Chart.HasHour {
		t.Errorf("hour %v, HasHour %v", pr.BirthHour, pr.Chart.HasHour)
	}
}

func TestNewTimes(t *testing.T) {
	pr := newTestProfile(t)
	if pr.CreatedAt != time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC) || pr.UpdatedAt != pr.CreatedAt || pr.Version != 1 || !IsID(pr.ID) {
		t.Errorf("%+v", pr)
	}
}

// FuzzMerge applies arbitrary bodies to a valid profile: no panic, and the
// profile is always valid afterwards, changed only when Merge succeeded.
func FuzzMerge(f *testing.F) {
	for _, s := range []string{`{"birth_day":31}`, `{"birth_hour":null}`, `{"birth_year":2100,"birth_month":12,"birth_day":31,"birth_hour":23}`, `{"name":" "}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodePatch(data)
		if err != nil {
			return
		}
		pr := newTestProfile(t)
		before := *pr
		if _, err := pr.Merge(p); err != nil {
			if *pr != before {
				t.Fatalf("failed merge changed the profile")
			}
			return
		}
		if err := pr.Validate(); err != nil {
			t.Fatalf("merged profile invalid: %v", err)
		}
	})
}
